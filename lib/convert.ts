/**
 * Django's `to_python` and limit checks for each field kind: how a raw value from JSON or
 * from an HTML form becomes the value that is stored.
 */
import type { Field } from './fields.ts'
import { ValidationError } from './errors.ts'

const INTEGER = /^[+-]?\d+(?:\.0*)?$/
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/
const UUID = /^(?:urn:uuid:)?\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const SLUG = /^[-a-zA-Z0-9_]+$/
const TRUE = new Set(['true', 'on', '1', 'yes', 't', 'y'])
const FALSE = new Set(['false', 'off', '0', 'no', 'f', 'n', ''])

/** Reads a scalar as text; arrays and objects are never scalars. */
function text (field: Field, raw: unknown): string {
  if (typeof raw === 'string') return field.options.strip === false ? raw : raw.trim()
  if (typeof raw === 'number' || typeof raw === 'bigint') return String(raw)
  throw field.error('invalid')
}

/** Converts a raw value to the field's type; throws the field's `invalid` error. */
export function toPython (field: Field, raw: unknown): unknown {
  switch (field.kind) {
    case 'string': case 'choice': {
      if (typeof raw === 'boolean') return String(raw)
      const value = text(field, raw)
      if (value.includes('\0')) throw field.error('nullCharactersNotAllowed')
      return value
    }
    case 'email': return matching(field, raw, EMAIL)
    case 'slug': return matching(field, raw, SLUG)
    case 'url': {
      const value = text(field, raw)
      if (!URL.canParse(value) || !/^(https?|ftps?):\/\//i.test(value)) throw field.error('invalid')
      return value
    }
    case 'integer': {
      const value = text(field, raw)
      if (!INTEGER.test(value)) throw field.error('invalid')
      const digits = value.replace(/\.0*$/, '')
      if (field.options.mode === 'bigint') return BigInt(digits)
      const number = Number(digits)
      if (!Number.isSafeInteger(number)) {
        // beyond 2^53 a number would silently lose digits: report the limit it breaks
        throw number > 0 ? field.error('maxValue', { limit_value: String(field.options.maxValue ?? Number.MAX_SAFE_INTEGER) }) : field.error('minValue', { limit_value: String(field.options.minValue ?? Number.MIN_SAFE_INTEGER) })
      }
      return number
    }
    case 'number': {
      const value = text(field, raw)
      const number = Number(value)
      if (!NUMBER.test(value) || !Number.isFinite(number)) throw field.error('invalid')
      return number
    }
    case 'decimal': return toDecimal(field, text(field, raw))
    case 'boolean': return toBoolean(field, raw)
    case 'date': return toDate(field, raw)
    case 'datetime': return toDateTime(field, raw)
    case 'time': {
      const value = text(field, raw)
      const m = TIME.exec(value)
      if (m === null || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) throw field.error('invalid')
      return value.length === 5 ? `${value}:00` : value
    }
    case 'uuid': {
      const m = UUID.exec(text(field, raw))
      if (m === null) throw field.error('invalid')
      return m.slice(1).join('-').toLowerCase()
    }
    case 'json': {
      if (typeof raw !== 'string') return raw
      try { return JSON.parse(raw) } catch { throw field.error('invalid') }
    }
    case 'array': return toArray(field, raw)
    case 'foreignKey': {
      const key = field.options.keyField
      if (key === undefined) return raw
      try { return key.clean(raw) } catch { throw field.error('invalidChoice') }
    }
  }
}

function matching (field: Field, raw: unknown, pattern: RegExp): string {
  const value = text(field, raw)
  if (!pattern.test(value)) throw field.error('invalid')
  return value
}

function toBoolean (field: Field, raw: unknown): boolean | null {
  if (typeof raw === 'boolean') return raw
  if (raw === undefined || raw === null) return null
  if (typeof raw === 'number') {
    if (raw === 1 || raw === 0) return raw === 1
    throw field.error('invalid')
  }
  if (typeof raw === 'string') {
    const value = raw.trim().toLowerCase()
    if (TRUE.has(value)) return true
    if (FALSE.has(value)) return value === '' && field.options.nullable === true ? null : false
  }
  throw field.error('invalid')
}

/** Django's `SimpleArrayField.to_python`: every item cleaned by the item field, every failing item reported. */
function toArray (field: Field, raw: unknown): unknown[] {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined
  if (items === undefined) throw field.error('invalidList')
  const item = field.options.itemField
  if (item === undefined) return items
  const values: unknown[] = []
  const errors: string[] = []
  items.forEach((value, index) => {
    try {
      values.push(item.clean(value))
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      const prefix = field.error('itemInvalid', { nth: index + 1 }).message
      for (const message of error.messages) errors.push(`${prefix} ${message}`)
    }
  })
  if (errors.length > 0) throw new ValidationError(errors)
  return values
}

function validDay (year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

function toDate (field: Field, raw: unknown): string | Date {
  const value = raw instanceof Date ? raw.toISOString().slice(0, 10) : text(field, raw)
  const m = DATE.exec(value)
  if (m === null || !validDay(Number(m[1]), Number(m[2]), Number(m[3]))) throw field.error('invalid')
  return field.options.mode === 'date' ? new Date(`${value}T00:00:00Z`) : value
}

function toDateTime (field: Field, raw: unknown): string | Date {
  let date: Date
  if (raw instanceof Date) {
    date = raw
  } else {
    const value = text(field, raw)
    const m = DATETIME.exec(value)
    if (m === null || !validDay(Number(m[1]), Number(m[2]), Number(m[3])) || Number(m[4] ?? 0) > 23 || Number(m[5] ?? 0) > 59 || Number(m[6] ?? 0) > 59) throw field.error('invalid')
    // a date-time without an offset is read as UTC, Django's default TIME_ZONE
    const zone = m[8] === undefined ? 'Z' : m[8].length === 3 ? `${m[8]}:00` : m[8].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')
    date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}.${(m[7] ?? '0').slice(0, 3).padEnd(3, '0')}${zone.toUpperCase()}`)
  }
  if (Number.isNaN(date.getTime())) throw field.error('invalid')
  return field.options.mode === 'string' ? date.toISOString() : date
}

function toDecimal (field: Field, value: string): string {
  if (!NUMBER.test(value)) throw field.error('invalid')
  if (/e/i.test(value)) {
    // exponent notation is accepted where a plain number spells the same value
    value = String(Number(value))
    if (!Number.isFinite(Number(value)) || /e/i.test(value)) throw field.error('invalid')
  }
  const sign = value.startsWith('-') ? '-' : ''
  const [whole = '', fraction = ''] = value.replace(/^[+-]/, '').split('.')
  const wholeDigits = whole.replace(/^0+(?=\d)/, '')
  return `${sign}${wholeDigits === '' ? '0' : wholeDigits}${fraction === '' ? '' : `.${fraction}`}`
}

function codePoints (value: string): number {
  // surrogate pairs count once, as Python's len() counts code points
  return value.length - (value.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0)
}

/** Checks the field's length, range, digit and choice limits on a converted value. */
export function checkLimits (field: Field, value: unknown): void {
  const { maxLength, minLength, maxValue, minValue, maxDigits, decimalPlaces } = field.options
  if (field.kind === 'array' && Array.isArray(value)) {
    if (maxLength !== undefined && value.length > maxLength) throw field.error('maxLength', { limit_value: maxLength, show_value: value.length })
    if (minLength !== undefined && value.length < minLength) throw field.error('minLength', { limit_value: minLength, show_value: value.length })
    return
  }
  if (field.choiceValues !== undefined && !field.choiceValues.has(String(value))) throw field.error('invalidChoice', { value: String(value) })
  if (typeof value === 'string') {
    // UTF-16 length is an upper bound of Django's len(), so code points are counted only near the limit
    if (maxLength !== undefined && value.length > maxLength) {
      const length = codePoints(value)
      if (length > maxLength) throw field.error('maxLength', { limit_value: maxLength, show_value: length })
    }
    if (minLength !== undefined && value.length < minLength * 2) {
      const length = codePoints(value)
      if (length < minLength) throw field.error('minLength', { limit_value: minLength, show_value: length })
    }
    if (field.kind === 'decimal') checkDigits(field, value, maxDigits, decimalPlaces)
  }
  // a decimal is kept as a string, so that no digit is lost; its range is checked as a number
  const amount = field.kind === 'decimal' && typeof value === 'string' ? Number(value) : value
  if ((typeof amount === 'number' || typeof amount === 'bigint') && field.kind !== 'foreignKey') {
    if (maxValue !== undefined && amount > maxValue) throw field.error('maxValue', { limit_value: String(maxValue) })
    if (minValue !== undefined && amount < minValue) throw field.error('minValue', { limit_value: String(minValue) })
  }
}

function checkDigits (field: Field, value: string, maxDigits?: number, decimalPlaces?: number): void {
  const [whole, fraction = ''] = value.replace(/^-/, '').split('.')
  const wholeDigits = whole === '0' ? 0 : whole.length
  // as Django's Decimal: written zeros count ("1.50" has two decimal places)
  const decimals = fraction.length
  if (maxDigits !== undefined && wholeDigits + decimals > maxDigits) throw field.error('maxDigits', { max: maxDigits })
  if (decimalPlaces !== undefined && decimals > decimalPlaces) throw field.error('maxDecimalPlaces', { max: decimalPlaces })
  if (maxDigits !== undefined && decimalPlaces !== undefined && wholeDigits > maxDigits - decimalPlaces) {
    throw field.error('maxWholeDigits', { max: maxDigits - decimalPlaces })
  }
}
