/**
 * A formset's errors as a 400 carries them: `fields` flat with Django's input names
 * (`books-1-title`, `books-3-__all__`, and the formset's own errors under `__all__` or
 * `books-__all__`), so a client that paints errors by input name needs nothing new, and
 * `items` by prefix and index for API clients.
 */
import { NON_FIELD_ERRORS, ValidationError, type ErrorDict } from './errors.ts'
import type { ModelFormSet } from './formset.ts'

/** Per prefix, per index, the item's errors: the `items` of a formset's 400. */
export type ItemErrors = Record<string, Record<string, ErrorDict>>

/**
 * The errors of a formset: `fields` (flat, prefixed) and `items` (per index), with their codes
 * aligned. `nonFormKey` is where the formset's own errors go: `__all__` for a bulk request,
 * `<prefix>-__all__` for an inline formset.
 */
export function formSetErrors (formset: ModelFormSet<any>, nonFormKey = NON_FIELD_ERRORS): { fields: ErrorDict, codes: ErrorDict, items: ItemErrors } {
  const fields: ErrorDict = {}
  const codes: ErrorDict = {}
  const items: Record<string, ErrorDict> = {}
  if (formset.nonFormErrors.length > 0) {
    fields[nonFormKey] = [...formset.nonFormErrors]
    codes[nonFormKey] = [...formset.nonFormErrorCodes]
  }
  const all = formset.errors
  const allCodes = formset.errorCodes
  for (let i = 0; i < all.length; i++) {
    const errors = all[i]
    let any = false
    for (const field in errors) {
      any = true
      fields[`${formset.prefix}-${i}-${field}`] = [...errors[field]]
      codes[`${formset.prefix}-${i}-${field}`] = [...(allCodes[i][field] ?? [])]
    }
    if (any) items[String(i)] = { ...errors }
  }
  return { fields, codes, items: { [formset.prefix]: items } }
}

/** The formset's errors as one `ValidationError` by input name, as `save()` rejects with it. */
export function formSetValidationError (formset: ModelFormSet<any>): ValidationError {
  const { fields } = formSetErrors(formset)
  return new ValidationError(Object.keys(fields).length > 0 ? fields : { [NON_FIELD_ERRORS]: 'The database refused these values.' })
}
