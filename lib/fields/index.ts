/**
 * The field kinds' public face: `fields.string({...})`, `fields.integer()`, ... (Django's
 * `forms.CharField`, `forms.IntegerField`, ...), and the field a column's description maps to.
 */
import type { ColumnField } from '../db/index.ts'
import { Field, type FieldOptions } from './field.ts'
import type { FieldKind } from './kinds.ts'

export { Field, type Choice, type FieldOptions } from './field.ts'
export type { FieldKind } from './kinds.ts'
export type { KindSpec } from './kind.ts'

const kind = <TValue>(k: FieldKind) => (options: FieldOptions = {}): Field<TValue> => new Field<TValue>(k, options)

/**
 * Field constructors for `declared` fields (Django's `forms.CharField`, `forms.IntegerField`, ...).
 * Each gets the options of its kind and returns a `Field`.
 */
export const fields = {
  string: kind<string>('string'),
  email: kind<string>('email'),
  url: kind<string>('url'),
  slug: kind<string>('slug'),
  choice: kind<string>('choice'),
  integer: kind<number>('integer'),
  number: kind<number>('number'),
  decimal: kind<string>('decimal'),
  boolean: (options: FieldOptions = {}): Field<boolean> => new Field<boolean>('boolean', { required: false, ...options }),
  date: kind<string | Date>('date'),
  datetime: kind<Date | string>('datetime'),
  time: kind<string>('time'),
  uuid: kind<string>('uuid'),
  json: kind<unknown>('json'),
  foreignKey: kind<unknown>('foreignKey'),
  array: kind<unknown[]>('array')
}

/** Makes the form field a column's description names (see `lib/db`'s dialects). */
export function fieldOf (spec: ColumnField): Field {
  const options: FieldOptions = { ...spec.options }
  if (spec.item !== undefined) options.itemField = fieldOf(spec.item)
  return new Field(spec.kind as FieldKind, options)
}
