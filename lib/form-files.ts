/**
 * The save of a form's files: store each upload of a valid form before the row's transaction,
 * write its key, delete the stored files again when the write fails, and once the row is
 * committed delete the files replaced or cleared by fields that say `deleteReplaced: true`.
 * `ModelForm.save()` runs these itself; a resource's plan runs `storeFiles` as a stage of its own
 * (lib/form-request.ts), so a plan that writes nothing (a dry run) stores nothing either.
 */
import { imageType, isUpload, type UploadedFile } from './fields/index.ts'
import type { ModelForm } from './form.ts'
import { attempt, then, type MaybePromise } from './maybe.ts'
import { localStorage, type FileStorage } from './storage.ts'
import { uniqueKey } from './storage-keys.ts'
import type { Row } from './db/index.ts'

/** What a form's save did with files: the uploads it stored (and their keys), the keys it replaced. */
export interface FileChanges {
  /** Stored by this save; deleted again if the write fails. */
  readonly stored: Array<{ readonly name: string, readonly upload: UploadedFile, readonly key: string }>
  /** Replaced or cleared by fields with `deleteReplaced`; deleted once the write is committed. */
  readonly replaced: string[]
}

let fallback: FileStorage | undefined

/** The storage a form stores in: its own (`storage`, given by a resource or its constructor), else local disk at `./uploads`. */
export function storageOf (form: ModelForm<any>): FileStorage {
  return form.storage ?? (fallback ??= localStorage())
}

/**
 * Stores the uploads of a valid form's file fields, each under a new key (`uniqueKey(uploadTo,
 * filename)`; an image with the media type its signature gives), and puts the key in the cleaned
 * data in the upload's place. Runs once per form: a second call does nothing. Answers at once
 * when there is nothing to store; else resolves when every file is stored, or rejects with the
 * storage's error after deleting the ones that were stored.
 */
export function storeFiles (form: ModelForm<any>): void | Promise<void> {
  if (form.fileChanges !== undefined) return
  const changes: FileChanges = { stored: [], replaced: [] }
  form.fileChanges = changes
  const cleaned = form.cleanedData as Row
  const instance = form.instance as Row | undefined
  let pending: Array<Promise<void>> | undefined
  for (const name of form.meta.fileFields) {
    const value = cleaned[name]
    if (value !== null && !isUpload(value)) continue
    const field = form.fieldsNow[name]
    const current = instance?.[name]
    if (field.options.deleteReplaced === true && typeof current === 'string' && current !== '') changes.replaced.push(current)
    if (value === null) continue
    const key = uniqueKey(field.options.uploadTo ?? '', value.filename)
    const contentType = field.kind === 'image' ? imageType(value.head) : undefined
    ;(pending ??= []).push(storageOf(form).put(key, value.path, contentType === undefined ? undefined : { contentType }).then(() => {
      changes.stored.push({ name, upload: value, key })
      cleaned[name] = key
    }))
  }
  if (pending === undefined) return
  return Promise.allSettled(pending).then((results) => {
    const failed = results.find((result) => result.status === 'rejected')
    if (failed !== undefined) return then(discardStoredFiles(form), () => { throw failed.reason })
  })
}

/** Deletes what `storeFiles` stored (its write failed) and puts the uploads back in the cleaned data, so that a new save stores them again. Never rejects. */
export function discardStoredFiles (form: ModelForm<any>): MaybePromise<void> {
  const changes = form.fileChanges
  form.fileChanges = undefined
  if (changes === undefined || changes.stored.length === 0) return
  const cleaned = form.cleanedData as Row
  for (const { name, upload } of changes.stored) cleaned[name] = upload
  return settle(storageOf(form), changes.stored.map(({ key }) => key))
}

/** After the commit: deletes the files the save replaced or cleared in `deleteReplaced` fields. Never rejects. */
export function deleteReplacedFiles (form: ModelForm<any>): MaybePromise<void> {
  const changes = form.fileChanges
  if (changes === undefined) return
  changes.stored.length = 0
  if (changes.replaced.length === 0) return
  return settle(storageOf(form), changes.replaced.splice(0))
}

/** Deletes keys, each on its own; a failed delete is the storage's to report (the plugin's storage logs it). */
function settle (storage: FileStorage, keys: readonly string[]): Promise<void> {
  return Promise.allSettled(keys.map((key) => storage.delete(key))).then(() => {})
}

/** Whether a save has files to store or clear: a file field cleaned to an upload or to `null`. */
export function hasFileChanges (form: ModelForm<any>): boolean {
  const cleaned = form.cleanedData as Row
  for (const name of form.meta.fileFields) {
    const value = cleaned[name]
    if (value === null || isUpload(value)) return true
  }
  return false
}

/** The write of a form with file fields: store, `write` the row, then delete the replaced files, or on failure the stored ones. */
export function writeWithFiles (form: ModelForm<any>, write: () => MaybePromise<Row>): MaybePromise<Row> {
  return then(storeFiles(form), () => attempt(
    write,
    (row) => then(deleteReplacedFiles(form), () => row),
    (error) => then(discardStoredFiles(form), () => { throw error })
  ))
}

/** The values of `save({ commit: false })`: nothing is stored, so a file field keeps the row's key. */
export function withoutUploads (form: ModelForm<any>, values: Row): Row {
  for (const name of form.meta.fileFields) if (isUpload(values[name])) delete values[name]
  return values
}

/** The forms of a batch (a formset's items, an inline's children) that have file fields. */
export function formsWithFiles (forms: Iterable<ModelForm<any> | undefined>): Array<ModelForm<any>> {
  const out: Array<ModelForm<any>> = []
  for (const form of forms) if (form !== undefined && form.meta.fileFields.length > 0) out.push(form)
  return out
}

/**
 * The write of a batch of forms with file fields (a formset, an inline's children): store every
 * upload of every form, then `write` (planned only now, so that it writes the stored keys);
 * after it the replaced files are deleted, or every stored one when it failed or was refused
 * (`committed` answers `false`). A batch whose uploads
 * cannot all be stored stores none. Answers at once when no form has a file to store.
 */
export function writeWithFormsFiles<T> (forms: ReadonlyArray<ModelForm<any>>, write: () => MaybePromise<T>, committed: (done: T) => boolean = () => true): MaybePromise<T> {
  if (forms.length === 0) return write()
  const discardAll = (): MaybePromise<void> => settleAll(forms.map(discardStoredFiles))
  let pending: Array<Promise<void>> | undefined
  for (const form of forms) {
    const stored = storeFiles(form)
    if (stored !== undefined) (pending ??= []).push(stored)
  }
  const stored = pending === undefined
    ? undefined
    : Promise.allSettled(pending).then((results) => {
      const failed = results.find((result) => result.status === 'rejected')
      if (failed !== undefined) return then(discardAll(), () => { throw failed.reason })
    })
  return then(stored, () => attempt(
    write,
    (done) => then(settleAll(forms.map(committed(done) ? deleteReplacedFiles : discardStoredFiles)), () => done),
    (error) => then(discardAll(), () => { throw error })
  ))
}

function settleAll (results: ReadonlyArray<MaybePromise<void>>): MaybePromise<void> {
  const pending = results.filter((each) => each !== undefined)
  if (pending.length === 0) return
  return Promise.all(pending).then(() => {})
}
