/**
 * The boolean kind (Django's `BooleanField` / `NullBooleanField`): `true/false`, `1/0` and the
 * usual spellings of an HTML form; anything else is `Enter a valid value.` rather than Django's
 * "any other string is true". A required boolean must be true (a checkbox that must be ticked).
 * A form field sent twice takes its last value (`published=false&published=on` is true: the
 * hidden `false` rendered before a checkbox, as Rails does), never a JSON list.
 */
import { Type } from '@sinclair/typebox'
import { isFormList } from '../form-values.ts'
import type { Field } from './field.ts'
import type { KindSpec } from './kind.ts'

const TRUE = new Set(['true', 'on', '1', 'yes', 't', 'y'])
const FALSE = new Set(['false', 'off', '0', 'no', 'f', 'n', ''])

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

export const boolean: KindSpec = {
  clean (field, raw) {
    // an HTML form's hidden `false` before its checkbox: a field sent twice takes its last value (JSON lists stay invalid)
    const value = toBoolean(field, isFormList(raw) ? raw[raw.length - 1] : raw)
    if (value === null) {
      if (field.required) throw field.error('required')
      return field.options.nullable === true ? null : false
    }
    if (field.required && !value) throw field.error('required')
    return value
  },
  schema: () => Type.Boolean()
}
