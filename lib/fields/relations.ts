/**
 * The relation kinds: a foreign key (Django's `ModelChoiceField`), whose key is converted by the
 * referenced column's field. Whether the referenced row exists is a model check, asked of the
 * database once per column after every field is clean.
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
