/**
 * The text kinds (Django's `CharField` and its family): string, choice, email, URL, slug and
 * UUID. Each strips surrounding white space unless told `strip: false`, so white space alone is
 * empty; lengths count code points, as Python's `len()`. Text holding a lone UTF-16 surrogate
 * (JSON's `"\ud800"` without its pair) is refused with the kind's `invalid` message: it is no
 * character, has no UTF-8, and SQLite would store it as bytes read back as U+FFFD, making two
 * different values equal.
 */
import { Type, type TSchema } from '@sinclair/typebox'
import type { Field } from './field.ts'
import { cleanScalar, text, type KindSpec } from './kind.ts'

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const SLUG = /^[-a-zA-Z0-9_]+$/
const UUID = /^(?:urn:uuid:)?\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i

function codePoints (value: string): number {
  // surrogate pairs count once, as Python's len() counts code points
  return value.length - (value.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0)
}

/** Checks `maxLength` / `minLength` in code points. */
function checkLength (field: Field, value: string): void {
  const { maxLength, minLength } = field.options
  // UTF-16 length is an upper bound of Django's len(), so code points are counted only near the limit
  if (maxLength !== undefined && value.length > maxLength) {
    const length = codePoints(value)
    if (length > maxLength) throw field.error('maxLength', { limit_value: maxLength, show_value: length })
  }
  if (minLength !== undefined && value.length < minLength * 2) {
    const length = codePoints(value)
    if (length < minLength) throw field.error('minLength', { limit_value: minLength, show_value: length })
  }
}

/** The value as text (see `text`), refused with `invalid` when it holds a lone surrogate. */
function wellFormedText (field: Field, raw: unknown): string {
  const value = text(field, raw)
  if (!(value as string & { isWellFormed (): boolean }).isWellFormed()) throw field.error('invalid')
  return value
}

/** Django's `CharField.to_python`: text without null characters; a boolean is its JSON spelling. */
function toText (field: Field, raw: unknown): string {
  if (typeof raw === 'boolean') return String(raw)
  const value = wellFormedText(field, raw)
  if (value.includes('\0')) throw field.error('nullCharactersNotAllowed')
  return value
}

/** Text that must match `pattern`, else the kind's `invalid`. */
const matching = (pattern: RegExp) => (field: Field, raw: unknown): string => {
  const value = wellFormedText(field, raw)
  if (!pattern.test(value)) throw field.error('invalid')
  return value
}

function toUrl (field: Field, raw: unknown): string {
  const value = wellFormedText(field, raw)
  if (!URL.canParse(value) || !/^(https?|ftps?):\/\//i.test(value)) throw field.error('invalid')
  return value
}

function toUuid (field: Field, raw: unknown): string {
  const m = UUID.exec(wellFormedText(field, raw))
  if (m === null) throw field.error('invalid')
  return m.slice(1).join('-').toLowerCase()
}

/** A string schema with the field's length limits and, for a choice, its values. */
const textSchema = (format?: string) => (field: Field): TSchema => {
  const { maxLength, minLength } = field.options
  return Type.String({
    ...(format !== undefined ? { format } : {}),
    ...(maxLength !== undefined ? { maxLength } : {}),
    ...(minLength !== undefined ? { minLength } : {}),
    ...(field.choiceValues !== undefined ? { enum: [...field.choiceValues] } : {})
  })
}

const textKind = (toPython: (field: Field, raw: unknown) => string, format?: string, messages?: KindSpec['messages']): KindSpec => ({
  clean: (field, raw) => cleanScalar(field, raw, toPython, checkLength, true),
  schema: textSchema(format),
  ...(messages !== undefined ? { messages } : {})
})

/** Text (Django's `CharField`): an empty string stays `''` on a column that is not nullable. */
export const string: KindSpec = {
  clean (field, raw) {
    if (!field.required && field.options.nullable !== true && typeof raw === 'string' && (raw === '' || (field.options.strip !== false && raw.trim() === ''))) return ''
    return cleanScalar(field, raw, toText, checkLength, true)
  },
  schema: textSchema()
}

/** One of `choices` (Django's `ChoiceField`). */
export const choice = textKind(toText)

export const email = textKind(matching(EMAIL), 'email', { invalid: 'Enter a valid email address.' })
export const url = textKind(toUrl, 'uri', { invalid: 'Enter a valid URL.' })
export const slug = textKind(matching(SLUG), undefined, { invalid: 'Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.' })
export const uuid = textKind(toUuid, 'uuid', { invalid: 'Enter a valid UUID.' })
