/**
 * A form's save (`ModelForm.save()`, the form request's save stage): validate, then write the
 * row and its junction rows in one transaction, the uploads of file fields stored before it
 * and deleted again when it fails; `commit: false` writes nothing and answers the unsaved row.
 */
import type { ModelForm, SaveOptions } from './form.ts'
import { hasFileChanges, withoutUploads, writeWithFiles } from './form-files.ts'
import { planWrite, relateOps, valuesToSave, writeForm, writtenSets } from './form-stages.ts'
import { isThenable, then, type MaybePromise } from './maybe.ts'
import { rememberSets } from './relations.ts'
import { codes } from './setup-errors.ts'
import type { Row } from './db/index.ts'

/** `save()` at once when the database answers at once: validate, plan the write, write. */
export function saveForm (form: ModelForm<any>, options: SaveOptions = NO_OPTIONS): MaybePromise<Row> {
  const valid = form.validate()
  // a form validated at once (the save stage's, always) goes on without a closure
  return isThenable<boolean>(valid) ? Promise.resolve(valid).then((ok) => saveValid(form, ok, options)) : saveValid(form, valid, options)
}

const NO_OPTIONS: SaveOptions = Object.freeze({})

/** `save()` once the form's validity is known: refused for an invalid form, else the unsaved row (`commit: false`) or the write. */
function saveValid (form: ModelForm<any>, valid: boolean, options: SaveOptions): MaybePromise<Row> {
  if (!valid) throw new codes.FFR_ERR_FORM_INVALID_SAVE(form.meta.model.verboseName, form.instance === undefined)
  if (options.commit === false) return (form.unsavedRow = { ...form.instance, ...withoutUploads(form, valuesToSave(form)) })
  if (form.meta.fileFields.length > 0 && (form.fileChanges !== undefined || hasFileChanges(form))) return writeWithFiles(form, () => writeRow(form, options))
  return writeRow(form, options)
}

/** Plan the write and write: the row, and its junction rows in the same transaction. The values are taken now, after any upload was stored and its key put in the cleaned data. */
function writeRow (form: ModelForm<any>, options: SaveOptions): MaybePromise<Row> {
  const ops = planWrite(form, valuesToSave(form), options)
  if (form.meta.manyToMany.length === 0) return writeForm(form, ops)
  const related = relateOps([{ form, row: ops.length > 0 ? { at: 0 } : { key: (form.instance as Row)[form.meta.info.primaryKey] } }])
  return then(writeForm(form, [...ops, ...related]), (row) => rememberSets(row, writtenSets(form)))
}

/** `saveM2M()`: the junction rows of the row saved since `save({ commit: false })` (`row`, else the unsaved row, else the instance), in one transaction. */
export function saveFormM2M (form: ModelForm<any>, row?: Row): MaybePromise<void> {
  if (form.meta.manyToMany.length === 0) return
  const saved = (row ?? form.unsavedRow ?? form.instance) as Row | undefined
  const key = saved?.[form.meta.info.primaryKey]
  if (key === undefined || key === null) throw new codes.FFR_ERR_M2M_NO_KEY(form.meta.model.verboseName)
  return then(writeForm(form, relateOps([{ form, row: { key } }])), () => undefined)
}
