/**
 * The JSON kind (Django's `JSONField`): any JSON value; a string from an HTML form is parsed.
 * JSON's `null` is no value, as Django's finds `None` empty, so a required field refuses it.
 */
import { Type } from '@sinclair/typebox'
import type { Field } from './field.ts'
import { emptyValue, type KindSpec } from './kind.ts'

function toJson (field: Field, raw: unknown): unknown {
  if (typeof raw !== 'string') return raw
  try {
    return JSON.parse(raw)
  } catch {
    throw field.error('invalid')
  }
}

export const json: KindSpec = {
  clean (field, raw) {
    if (raw === undefined || raw === null || raw === '') return emptyValue(field)
    const value = toJson(field, raw)
    if (value === null) return emptyValue(field)
    return value
  },
  schema: () => Type.Unknown(),
  messages: { invalid: 'Enter a valid JSON.' }
}
