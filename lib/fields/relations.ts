/**
 * The relation kinds: a foreign key (Django's `ModelChoiceField`), whose key is converted by the
 * referenced column's field, and a many-to-many list of keys (`ModelMultipleChoiceField`).
 * Whether the referenced rows exist is a model check, asked of the database once per column
 * (one `IN` query for a whole batch) after every field is clean.
 */
import { Type } from '@sinclair/typebox'
import { ValidationError } from '../errors.ts'
import type { Field } from './field.ts'
import { cleanScalar, type KindSpec } from './kind.ts'

const MODEL_CHOICE = 'Select a valid choice. That choice is not one of the available choices.'

function toKey (field: Field, raw: unknown): unknown {
  const key = field.options.keyField
  if (key === undefined) return raw
  try {
    return key.clean(raw)
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error
    throw field.error('invalidChoice')
  }
}

export const foreignKey: KindSpec = {
  clean: (field, raw) => cleanScalar(field, raw, toKey),
  schema: (field) => field.options.keyField !== undefined ? field.options.keyField.schema() : Type.Unknown(),
  messages: { invalid: MODEL_CHOICE, invalidChoice: MODEL_CHOICE }
}

/** A list of keys as a request sends it: an HTML form's lone value is a one-item list and its empty values are dropped, so `tags=` alone is the empty list. */
function toList (raw: unknown): unknown {
  if (typeof raw === 'string') return raw === '' ? [] : [raw]
  if (Array.isArray(raw) && raw.includes('')) return raw.filter((value) => value !== '')
  return raw
}

/** A key as its own text, to tell duplicates and to name it in a message. */
export function keyText (key: unknown): string {
  return key instanceof Date ? key.toISOString() : String(key)
}

/**
 * The many-to-many kind (Django's `ModelMultipleChoiceField`), in Django's order: empty and
 * required is `required`; empty and not required is the empty list (the relation is cleared);
 * not a list is `invalidList`; a key the target column's field does not convert is
 * `invalidPkValue` (the first one). Duplicates are dropped, the first kept. Whether every key
 * names a row is a model check, one `IN (...)` query per field (`invalidChoice`).
 */
export const modelMultipleChoice: KindSpec = {
  clean (field, raw) {
    const list = toList(raw)
    if (list === undefined || list === null || (Array.isArray(list) && list.length === 0)) {
      if (field.required) throw field.error('required')
      return []
    }
    if (!Array.isArray(list)) throw field.error('invalidList')
    const key = field.options.keyField
    const keys: unknown[] = []
    const seen = new Set<string>()
    for (const item of list) {
      let value: unknown = item
      if (key !== undefined) {
        try {
          value = key.clean(item)
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error
          value = undefined
        }
      }
      if (value === undefined || value === null || (typeof item === 'object' && item !== null)) throw field.error('invalidPkValue', { pk: typeof item === 'object' && item !== null ? JSON.stringify(item) : String(item) })
      const text = keyText(value)
      if (seen.has(text)) continue
      seen.add(text)
      keys.push(value)
    }
    return keys
  },
  schema: (field) => Type.Array(field.options.keyField !== undefined ? field.options.keyField.schema() : Type.Unknown(), { uniqueItems: true }),
  messages: {
    invalidList: 'Enter a list of values.',
    invalidPkValue: '“%(pk)s” is not a valid value.',
    invalidChoice: 'Select a valid choice. %(value)s is not one of the available choices.'
  }
}
