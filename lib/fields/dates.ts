/**
 * The date and time kinds (Django's `DateField`, `DateTimeField`, `TimeField`): ISO 8601 text,
 * a real calendar day, a date-time without an offset read as UTC (Django's default TIME_ZONE).
 * Stored in the column's mode: a `Date` or an ISO string.
 */
import { Type } from '@sinclair/typebox'
import type { Field } from './field.ts'
import { cleanScalar, text, type KindSpec } from './kind.ts'

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/

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
    const zone = m[8] === undefined ? 'Z' : m[8].length === 3 ? `${m[8]}:00` : m[8].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')
    date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}.${(m[7] ?? '0').slice(0, 3).padEnd(3, '0')}${zone.toUpperCase()}`)
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
