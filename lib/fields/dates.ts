/**
 * The date and time kinds (Django's `DateField`, `DateTimeField`, `TimeField`): ISO 8601 text,
 * a real calendar day, a date-time without an offset read as UTC (Django's default TIME_ZONE).
 * Stored in the column's mode: a `Date` or an ISO string.
 */
import { Type } from '@sinclair/typebox'
import type { Field } from './field.ts'
import { cleanScalar, text, type KindSpec } from './kind.ts'

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Whether year-month-day is a day of the proleptic Gregorian calendar within Python's `date` range (years 1 to 9999). */
function validDay (year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  return day <= DAYS[month - 1] + (leap ? 1 : 0)
}

/** The number of `length` ASCII digits of `value` from `at`, or -1 when one is not a digit. */
function digits (value: string, at: number, length: number): number {
  let n = 0
  for (let i = at; i < at + length; i++) {
    const c = value.charCodeAt(i) - 48
    if (c < 0 || c > 9) return -1
    n = n * 10 + c
  }
  return n
}

/** `YYYY-MM-DD` of a real day, read without a regular expression or a `Date` (the check runs on every create). */
function isoDay (value: string): boolean {
  if (value.length !== 10 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45) return false
  return validDay(digits(value, 0, 4), digits(value, 5, 2), digits(value, 8, 2))
}

function toDate (field: Field, raw: unknown): string | Date {
  if (raw instanceof Date && Number.isNaN(raw.getTime())) throw field.error('invalid')
  const value = raw instanceof Date ? raw.toISOString().slice(0, 10) : text(field, raw)
  if (!isoDay(value)) throw field.error('invalid')
  return field.options.mode === 'date' ? new Date(`${value}T00:00:00Z`) : value
}

/** The tenths, hundredths and thousandths a fraction's first digits stand for, by how many there are. */
const FRACTION_SCALE = [0, 100, 10, 1]

/**
 * The time in ms of a date-time in the shape clients send most (`YYYY-MM-DDTHH:MM:SS`, an
 * optional fraction of 1 to 9 digits, then nothing, `Z` or `±HH:MM`), read by hand: no match
 * list, no string built, no `Date` parsed. `NaN` for a day, hour, minute or second out of range;
 * `undefined` for any other shape, a year before 100 or an offset past `±23:59`, which `DATETIME`
 * then reads (the same answers, the slower way).
 */
function commonDateTime (value: string): number | undefined {
  const end = value.length
  if (end < 19 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45 || value.charCodeAt(10) !== 84 || value.charCodeAt(13) !== 58 || value.charCodeAt(16) !== 58) return undefined
  const year = digits(value, 0, 4)
  const month = digits(value, 5, 2)
  const day = digits(value, 8, 2)
  const hour = digits(value, 11, 2)
  const minute = digits(value, 14, 2)
  const second = digits(value, 17, 2)
  if (year < 100 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined
  let at = 19
  let ms = 0
  if (at < end && value.charCodeAt(at) === 46) {
    let count = 0
    while (at + 1 + count < end && digits(value, at + 1 + count, 1) >= 0) count++
    if (count === 0 || count > 9) return undefined
    const kept = count < 3 ? count : 3
    ms = digits(value, at + 1, kept) * FRACTION_SCALE[kept]
    at += 1 + count
  }
  let offset = 0
  if (at === end - 1 && value.charCodeAt(at) === 90) {
    // Z: UTC
  } else if (at === end - 6 && value.charCodeAt(at + 3) === 58 && (value.charCodeAt(at) === 43 || value.charCodeAt(at) === 45)) {
    const hours = digits(value, at + 1, 2)
    const minutes = digits(value, at + 4, 2)
    if (hours < 0 || minutes < 0 || hours > 23 || minutes > 59) return undefined
    offset = (value.charCodeAt(at) === 43 ? 1 : -1) * (hours * 60 + minutes) * 60_000
  } else if (at !== end) {
    return undefined
  }
  if (!validDay(year, month, day) || hour > 23 || minute > 59 || second > 59) return Number.NaN
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset
}

function toDateTime (field: Field, raw: unknown): string | Date {
  let date: Date
  if (raw instanceof Date) {
    date = raw
  } else {
    const value = text(field, raw)
    const time = commonDateTime(value)
    if (time !== undefined) {
      // NaN (a day or time out of range) makes an invalid Date, refused below
      date = new Date(time)
    } else {
      const m = DATETIME.exec(value)
      if (m === null || !validDay(Number(m[1]), Number(m[2]), Number(m[3])) || Number(m[4] ?? 0) > 23 || Number(m[5] ?? 0) > 59 || Number(m[6] ?? 0) > 59) throw field.error('invalid')
      const zone = m[8] === undefined ? 'Z' : m[8].length === 3 ? `${m[8]}:00` : m[8].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')
      date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}.${(m[7] ?? '0').slice(0, 3).padEnd(3, '0')}${zone.toUpperCase()}`)
    }
  }
  if (Number.isNaN(date.getTime())) throw field.error('invalid')
  return field.options.mode === 'string' ? date.toISOString() : date
}

function toTime (field: Field, raw: unknown): string {
  const value = text(field, raw)
  const m = TIME.exec(value)
  if (m === null || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) throw field.error('invalid')
  return value.length === 5 ? `${value}:00` : value
}

export const date: KindSpec = {
  clean: (field, raw) => cleanScalar(field, raw, toDate),
  schema: () => Type.String({ format: 'date' }),
  messages: { invalid: 'Enter a valid date.' }
}

export const datetime: KindSpec = {
  clean: (field, raw) => cleanScalar(field, raw, toDateTime),
  schema: () => Type.String({ format: 'date-time' }),
  messages: { invalid: 'Enter a valid date/time.' }
}

export const time: KindSpec = {
  clean: (field, raw) => cleanScalar(field, raw, toTime),
  schema: () => Type.String({ format: 'time' }),
  messages: { invalid: 'Enter a valid time.' }
}
