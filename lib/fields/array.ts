/**
 * The array kind (Django's `SimpleArrayField(base_field)`): every item cleaned by the item field,
 * every failing item reported as `Item 2 in the array did not validate: Enter a whole number.`;
 * `maxLength` and `minLength` count items. A string is split at commas, as an HTML form sends it.
 */
import { Type } from '@sinclair/typebox'
import { ValidationError } from '../errors.ts'
import type { Field } from './field.ts'
import { emptyValue, isEmpty, type KindSpec } from './kind.ts'

function toArray (field: Field, raw: unknown): unknown[] {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined
  if (items === undefined) throw field.error('invalidList')
  const item = field.options.itemField
  if (item === undefined) return items
  const values: unknown[] = []
  const errors: ValidationError[] = []
  items.forEach((value, index) => {
    try {
      values.push(item.clean(value))
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      const prefix = field.error('itemInvalid', { nth: index + 1 }).message
      for (const each of error.errorList ?? []) errors.push(new ValidationError(`${prefix} ${each.message}`, { code: 'itemInvalid', params: { nth: index + 1 } }))
    }
  })
  if (errors.length > 0) throw new ValidationError(errors)
  return values
}

function checkItems (field: Field, value: unknown[]): void {
  const { maxLength, minLength } = field.options
  if (maxLength !== undefined && value.length > maxLength) throw field.error('maxLength', { limit_value: maxLength, show_value: value.length })
  if (minLength !== undefined && value.length < minLength) throw field.error('minLength', { limit_value: minLength, show_value: value.length })
}

export const array: KindSpec = {
  clean (field, raw) {
    if (isEmpty(raw)) return emptyValue(field)
    const value = toArray(field, raw)
    checkItems(field, value)
    return value
  },
  schema: (field) => Type.Array(field.options.itemField?.schema() ?? Type.Unknown(), field.options.maxLength !== undefined ? { maxItems: field.options.maxLength } : {}),
  messages: {
    itemInvalid: 'Item %(nth)s in the array did not validate:',
    // an array's length limits count items (Django's ArrayMaxLengthValidator, ArrayMinLengthValidator)
    maxLength: [
      'List contains %(show_value)d item, it should contain no more than %(limit_value)d.',
      'List contains %(show_value)d items, it should contain no more than %(limit_value)d.',
      'show_value'
    ],
    minLength: [
      'List contains %(show_value)d item, it should contain no fewer than %(limit_value)d.',
      'List contains %(show_value)d items, it should contain no fewer than %(limit_value)d.',
      'show_value'
    ]
  }
}
