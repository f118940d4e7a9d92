/**
 * The number kinds: integer (Django's `IntegerField`, a number or in `bigint` mode a bigint),
 * number (`FloatField`) and decimal (`DecimalField`, kept as written so that no digit is lost,
 * stored in its mode).
 */
import { Type } from '@sinclair/typebox'
import type { Field } from './field.ts'
import { checkRange, cleanScalar, rangeSchema, text, type KindSpec } from './kind.ts'

const INTEGER = /^[+-]?\d+(?:\.0*)?$/
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/** Whether `value` is 1 to 15 ASCII digits: an integer that is safe as a number, read without a regular expression. */
function shortDigits (value: string): boolean {
  if (value.length === 0 || value.length > 15) return false
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

function toInteger (field: Field, raw: unknown): number | bigint {
  const value = text(field, raw)
  // the common case (a key in a URL, a count): plain digits that fit
  if (shortDigits(value)) return field.options.mode === 'bigint' ? BigInt(value) : Number(value)
  if (!INTEGER.test(value)) throw field.error('invalid')
  const digits = value.replace(/\.0*$/, '')
  if (field.options.mode === 'bigint') return BigInt(digits)
  const number = Number(digits)
  if (!Number.isSafeInteger(number)) {
    // beyond 2^53 a number would silently lose digits: report the limit it breaks
    throw number > 0
      ? field.error('maxValue', { limit_value: String(field.options.maxValue ?? Number.MAX_SAFE_INTEGER) })
      : field.error('minValue', { limit_value: String(field.options.minValue ?? Number.MIN_SAFE_INTEGER) })
  }
  return number
}

function toNumber (field: Field, raw: unknown): number {
  const value = text(field, raw)
  const number = Number(value)
  if (!NUMBER.test(value) || !Number.isFinite(number)) throw field.error('invalid')
  return number
}

/** A decimal as written, normalized: no leading zeros, exponents spelled out where a plain number says the same. */
function toDecimal (field: Field, raw: unknown): string {
  let value = text(field, raw)
  if (!NUMBER.test(value)) throw field.error('invalid')
  if (/e/i.test(value)) {
    value = String(Number(value))
    if (!Number.isFinite(Number(value)) || /e/i.test(value)) throw field.error('invalid')
  }
  const sign = value.startsWith('-') ? '-' : ''
  const [whole = '', fraction = ''] = value.replace(/^[+-]/, '').split('.')
  const wholeDigits = whole.replace(/^0+(?=\d)/, '')
  return `${sign}${wholeDigits === '' ? '0' : wholeDigits}${fraction === '' ? '' : `.${fraction}`}`
}

function checkDigits (field: Field, value: string): void {
  const { maxDigits, decimalPlaces } = field.options
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

export const integer: KindSpec = {
  clean: (field, raw) => cleanScalar(field, raw, toInteger, checkRange),
  schema: (field) => field.options.mode === 'bigint' ? Type.String({ pattern: '^-?\\d+$' }) : Type.Integer(rangeSchema(field)),
  messages: { invalid: 'Enter a whole number.' }
}

export const number: KindSpec = {
  clean: (field, raw) => cleanScalar(field, raw, toNumber, checkRange),
  schema: (field) => Type.Number(rangeSchema(field)),
  messages: { invalid: 'Enter a number.' }
}

export const decimal: KindSpec = {
  clean (field, raw) {
    const value = cleanScalar(field, raw, toDecimal, (f, v) => {
      checkDigits(f, v)
      checkRange(f, Number(v))
    })
    // checked as written, then stored in its mode: number or bigint
    if (typeof value !== 'string' || field.options.mode === undefined) return value
    return field.options.mode === 'bigint' ? BigInt(value.replace(/\.0*$/, '')) : Number(value)
  },
  schema: () => Type.String({ pattern: '^-?\\d*\\.?\\d+$' }),
  messages: {
    invalid: 'Enter a number.',
    maxDigits: ['Ensure that there are no more than %(max)s digit in total.', 'Ensure that there are no more than %(max)s digits in total.', 'max'],
    maxDecimalPlaces: ['Ensure that there are no more than %(max)s decimal place.', 'Ensure that there are no more than %(max)s decimal places.', 'max'],
    maxWholeDigits: ['Ensure that there are no more than %(max)s digit before the decimal point.', 'Ensure that there are no more than %(max)s digits before the decimal point.', 'max']
  }
}
