/**
 * Django's default validation messages, word for word, and the rules for choosing and
 * filling one in.
 */
import type { MessageParams } from './errors.ts'
import { localize } from './i18n/catalog.ts'

/** Django's message keys in camelCase. */
export type MessageKey =
  | 'required' | 'invalid' | 'invalidChoice' | 'maxLength' | 'minLength' | 'maxValue' | 'minValue'
  | 'maxDigits' | 'maxDecimalPlaces' | 'maxWholeDigits' | 'unique' | 'uniqueTogether'
  | 'invalidPkValue' | 'invalidList' | 'nullCharactersNotAllowed' | 'itemInvalid' | 'maxDepth'
  | 'empty' | 'contradiction' | 'invalidImage' | 'invalidExtension' | 'maxSize'

/** Messages by key; a field, a form or a model may give its own for any key. */
export type ErrorMessages = Partial<Record<MessageKey, string>>

export type { MessageParams }

/** [singular, plural, the parameter that picks one], as Django's `ngettext_lazy`. */
export type Plural = readonly [string, string, string]

/** A default message: one text, or a singular and a plural. */
export type Template = string | Plural

/** Default messages by key: a field kind's own, over the ones every kind shares. */
export type KindMessages = Partial<Record<string, Template>>

/** The messages every field kind shares; a kind's own (its `invalid`, say) come first. */
export const DEFAULT_MESSAGES: Record<string, Template> = {
  required: 'This field is required.',
  invalid: 'Enter a valid value.',
  invalidChoice: 'Select a valid choice. %(value)s is not one of the available choices.',
  maxLength: [
    'Ensure this value has at most %(limit_value)d character (it has %(show_value)d).',
    'Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).',
    'limit_value'
  ],
  minLength: [
    'Ensure this value has at least %(limit_value)d character (it has %(show_value)d).',
    'Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).',
    'limit_value'
  ],
  maxValue: 'Ensure this value is less than or equal to %(limit_value)s.',
  minValue: 'Ensure this value is greater than or equal to %(limit_value)s.',
  unique: '%(model_name)s with this %(field_label)s already exists.',
  uniqueTogether: '%(model_name)s with this %(field_labels)s already exists.',
  invalidPkValue: '“%(pk)s” is not a valid value.',
  invalidList: 'Enter a list of values.',
  nullCharactersNotAllowed: 'Null characters are not allowed.'
}

const PLACEHOLDER = /%\((\w+)\)[sd]/g

/** Fills Django's `%(name)s` / `%(name)d` placeholders; unknown names are left as written. */
export function formatMessage (template: string, params: MessageParams = {}): string {
  if (!template.includes('%(')) return template
  return template.replace(PLACEHOLDER, (whole, name: string) => name in params ? String(params[name]) : whole)
}

/**
 * Returns the message template for `key`, taking the first that has it of the given layers
 * (a declared field's messages, the form's, the model's), then the kind's default, then the
 * default every kind shares, choosing singular or plural by the parameters, in the current
 * language (lib/i18n/catalog.ts) for a default. An unknown key is its own message.
 */
export function pickMessage (key: string, layers: ReadonlyArray<Partial<Record<string, string>> | undefined>, kind: KindMessages = {}, params: MessageParams = {}): string {
  for (const layer of layers) {
    const own = layer?.[key]
    if (own !== undefined) return own
  }
  const fallback = kind[key] ?? DEFAULT_MESSAGES[key]
  if (fallback === undefined) return key
  // a default message speaks the request's language (lib/i18n); a message the app gave is its own
  return localize(fallback, params)
}

/** Joins labels as Django's `get_text_list(labels, 'and')`: "A, B and C". */
export function textList (labels: readonly string[]): string {
  if (labels.length <= 1) return labels.join('')
  return `${labels.slice(0, -1).join(', ')} ${localize('and')} ${labels[labels.length - 1]}`
}

/** Upper-cases the first letter, as Django's `capfirst`. */
export function capfirst (text: string): string {
  return text.length === 0 ? text : text[0].toUpperCase() + text.slice(1)
}

/** Turns `birthDate` or `birth_date` into `birth date`, as Django derives a verbose name. */
export function verboseNameOf (key: string): string {
  return key.replace(/_/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().trim()
}
