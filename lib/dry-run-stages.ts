/**
 * The stages of a dry run's plan (the `dryRun` variant `planFormRequest` makes, lib/form-request.ts):
 * the usual clean with only `onlyFields`' errors counting, then the row the write would make in
 * the place of every write stage.
 */
import type { ErrorDict } from './errors.ts'
import { isClean } from './form.ts'
import { saveForm } from './form-save.ts'
import { refuse, type FormRequest } from './form-request.ts'
import { then, type MaybePromise } from './maybe.ts'

/** Clean for a dry run: as `clean`, but only the errors of `onlyFields` (when given) count; a form with none of those answers as valid. */
export function cleanDryRun (state: FormRequest): MaybePromise<void> {
  const form = state.form!
  return then(form.validate(), (valid) => {
    if (valid) return
    const only = state.args.onlyFields
    if (only !== undefined) {
      const errors: ErrorDict = {}
      const codes: ErrorDict = {}
      for (const name of Object.keys(form.errors)) {
        if (!only.has(name)) continue
        errors[name] = form.errors[name]
        codes[name] = form.errorCodes[name] ?? []
      }
      if (Object.keys(errors).length === 0) return
      form.errors = errors
      form.errorCodes = codes
    }
    refuse(state)
  })
}

/** The last stage of a dry run, in the place of the write: the row the write would make (`save({ commit: false })`), nothing written, no file stored. */
export function answerDryRun (state: FormRequest): MaybePromise<void> {
  const form = state.form!
  // with `onlyFields`, the other fields may have failed: the row is the instance with the values that cleaned
  const row = !isClean(form) ? { ...state.args.instance, ...form.cleanedData } : saveForm(form, { commit: false })
  return then(row, (unsaved) => {
    state.result = [200, { dry_run: true, [state.resource.name]: unsaved } as never]
    state.done = true
  })
}
