/**
 * Django's default validation messages, word for word, and the rules for choosing and
 * filling one in.
 */

/** Django's message keys in camelCase. */
export type MessageKey =
  | 'required' | 'invalid' | 'invalidChoice' | 'maxLength' | 'minLength' | 'maxValue' | 'minValue'
  | 'maxDigits' | 'maxDecimalPlaces' | 'maxWholeDigits' | 'unique' | 'uniqueTogether'
  | 'invalidPkValue' | 'invalidList' | 'nullCharactersNotAllowed' | 'itemInvalid'

/** Messages by key; a field, a form or a model may give its own for any key. */
export type ErrorMessages = Partial<Record<MessageKey, string>>

/** Values for a message's `%(name)s` placeholders. */
export type MessageParams = Record<string, string | number>

// [singular, plural, the parameter that picks one], as Django's ngettext_lazy
type Plural = readonly [string, string, string]

const DEFAULTS: Record<string, string | Plural> = {
  required: 'This field is required.',
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
  maxDigits: [
    'Ensure that there are no more than %(max)s digit in total.',
    'Ensure that there are no more than %(max)s digits in total.',
    'max'
  ],
  maxDecimalPlaces: [
    'Ensure that there are no more than %(max)s decimal place.',
    'Ensure that there are no more than %(max)s decimal places.',
    'max'
  ],
  maxWholeDigits: [
    'Ensure that there are no more than %(max)s digit before the decimal point.',
    'Ensure that there are no more than %(max)s digits before the decimal point.',
    'max'
  ],
  unique: '%(model_name)s with this %(field_label)s already exists.',
  uniqueTogether: '%(model_name)s with this %(field_labels)s already exists.',
  invalidPkValue: '“%(pk)s” is not a valid value.',
  invalidList: 'Enter a list of values.',
  nullCharactersNotAllowed: 'Null characters are not allowed.',
  // an array's item error follows this prefix, as Django's SimpleArrayField
  itemInvalid: 'Item %(nth)s in the array did not validate:'
}

// an array's length limits count items (Django's ArrayMaxLengthValidator, ArrayMinLengthValidator)
const ARRAY_DEFAULTS: Record<string, Plural> = {
  maxLength: [
    'List contains %(show_value)d item, it should contain no more than %(limit_value)d.',
    'List contains %(show_value)d items, it should contain no more than %(limit_value)d.',
    'show_value'
  ],
  minLength: [
    'List contains %(show_value)d item, it should contain no fewer than %(limit_value)d.',
    'List contains %(show_value)d items, it should contain no fewer than %(limit_value)d.',
    'show_value'
  ]
}

const MODEL_CHOICE = 'Select a valid choice. That choice is not one of the available choices.'

/** Django's `invalid` message for each field kind. */
const INVALID_BY_KIND: Record<string, string> = {
  integer: 'Enter a whole number.',
  number: 'Enter a number.',
  decimal: 'Enter a number.',
  date: 'Enter a valid date.',
  datetime: 'Enter a valid date/time.',
  time: 'Enter a valid time.',
  uuid: 'Enter a valid UUID.',
  json: 'Enter a valid JSON.',
  email: 'Enter a valid email address.',
  url: 'Enter a valid URL.',
  slug: 'Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.',
  string: 'Enter a valid value.',
  boolean: 'Enter a valid value.',
  choice: 'Enter a valid value.',
  foreignKey: MODEL_CHOICE
}

const PLACEHOLDER = /%\((\w+)\)[sd]/g

/** Fills Django's `%(name)s` / `%(name)d` placeholders; unknown names are left as written. */
export function formatMessage (template: string, params: MessageParams = {}): string {
  if (!template.includes('%(')) return template
  return template.replace(PLACEHOLDER, (whole, name: string) => name in params ? String(params[name]) : whole)
}

/**
 * Returns the message template for `key`, taking the first that has it of the given layers
 * (a declared field's messages, the form's, the model's), then Django's default, choosing
 * singular or plural by the parameters.
 */
export function pickMessage (key: string, layers: ReadonlyArray<Partial<Record<string, string>> | undefined>, kind: string, params: MessageParams = {}): string {
  for (const layer of layers) {
    const own = layer?.[key]
    if (own !== undefined) return own
  }
  if (key === 'invalid') return INVALID_BY_KIND[kind] ?? INVALID_BY_KIND.string
  if (key === 'invalidChoice' && kind === 'foreignKey') return MODEL_CHOICE
  const fallback = (kind === 'array' ? ARRAY_DEFAULTS[key] : undefined) ?? DEFAULTS[key]
  if (fallback === undefined) return key
  if (typeof fallback === 'string') return fallback
  const [one, other, by] = fallback
  return Number(params[by]) === 1 ? one : other
}

/** Joins labels as Django's `get_text_list(labels, 'and')`: "A, B and C". */
export function textList (labels: readonly string[]): string {
  if (labels.length <= 1) return labels.join('')
  return `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`
}

/** Upper-cases the first letter, as Django's `capfirst`. */
export function capfirst (text: string): string {
  return text.length === 0 ? text : text[0].toUpperCase() + text.slice(1)
}

/** Turns `birthDate` or `birth_date` into `birth date`, as Django derives a verbose name. */
export function verboseNameOf (key: string): string {
  return key.replace(/_/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().trim()
}
