/**
 * What every field kind is made of, and the cleaning steps most kinds share. A kind is one
 * object: where its value comes from, how a raw value becomes a cleaned one (Django's
 * `to_python`, `validate` and limits), its JSON schema and its default messages. Each kind's
 * module (text, numbers, dates, ...) holds its own; the `Field` class runs them.
 */
import type { TSchema } from '@sinclair/typebox'
import type { KindMessages } from '../messages.ts'
import type { Field } from './field.ts'

/** One field kind: the whole of what a field of that kind does. */
export interface KindSpec {
  /**
   * Converts and checks a raw value (never `undefined` unless the data left the field out):
   * returns the cleaned value (`null` for an empty optional value of a nullable field,
   * `undefined` when it is to be left out); throws the field's `ValidationError`.
   */
  clean (field: Field, raw: unknown): unknown
  /** The JSON schema of the value, before `nullable` and the field's title and description. */
  schema (field: Field): TSchema
  /** The kind's default messages, over the ones every kind shares. */
  readonly messages?: KindMessages
  /** Whether the value is read from the request's files rather than its data (a file kind). */
  readonly fromFiles?: boolean
  /**
   * Where a field's raw value comes from (djblets' `get_value_from_data`): gets the field's name
   * and the form's data, files and instance; returns what `clean` gets. Without it, `data[name]`.
   */
  valueFrom? (name: string, source: FieldSource): unknown
}

/** What a field's value is read from: the form's bound data, its files and the row it changes. */
export interface FieldSource {
  readonly data: Readonly<Record<string, unknown>>
  readonly files: Readonly<Record<string, unknown>>
  readonly instance?: Readonly<Record<string, unknown>>
}

/** Django's `empty_values` (None, '', [], (), {}), plus `undefined` for a value the data left out. */
export function isEmpty (value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true
  if (typeof value !== 'object') return false
  if (Array.isArray(value)) return value.length === 0
  return !(value instanceof Date) && Object.keys(value).length === 0
}

/** What an empty value cleans to: the `required` error, `null` on a nullable field, else left out. */
export function emptyValue (field: Field): null | undefined {
  if (field.required) throw field.error('required')
  return field.options.nullable === true ? null : undefined
}

/**
 * Django's `Field.clean` for the kinds that convert a scalar: an empty value (white space only
 * for kinds that strip it) is `emptyValue`; anything else is converted by `toPython` and checked
 * by `validate`.
 */
export function cleanScalar<T> (field: Field, raw: unknown, toPython: (field: Field, raw: unknown) => T, validate?: (field: Field, value: T) => void, stripped = false): T | null | undefined {
  if (isEmpty(raw) || (stripped && typeof raw === 'string' && field.options.strip !== false && raw.trim() === '')) return emptyValue(field)
  const value = toPython(field, raw)
  // as Django's ChoiceField.validate: the choice before the length and range validators
  if (field.choiceValues !== undefined && !field.choiceValues.has(String(value))) throw field.error('invalidChoice', { value: String(value) })
  validate?.(field, value)
  return value
}

/** Reads a scalar as text (stripped unless the field says `strip: false`); arrays, objects and booleans are never text. */
export function text (field: Field, raw: unknown): string {
  if (typeof raw === 'string') return field.options.strip === false ? raw : raw.trim()
  if (typeof raw === 'number' || typeof raw === 'bigint') return String(raw)
  throw field.error('invalid')
}

/** Checks a value against the field's `maxValue` / `minValue`. */
export function checkRange (field: Field, amount: number | bigint): void {
  const { maxValue, minValue } = field.options
  if (maxValue !== undefined && amount > maxValue) throw field.error('maxValue', { limit_value: String(maxValue) })
  if (minValue !== undefined && amount < minValue) throw field.error('minValue', { limit_value: String(minValue) })
}

/** `{ minimum, maximum }` of the field's range, for its schema. */
export function rangeSchema (field: Field): Record<string, number> {
  const range: Record<string, number> = {}
  if (field.options.minValue !== undefined) range.minimum = Number(field.options.minValue)
  if (field.options.maxValue !== undefined) range.maximum = Number(field.options.maxValue)
  return range
}
