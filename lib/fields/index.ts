/**
 * The field kinds' public face: `fields.string({...})`, `fields.integer()`, ... (Django's
 * `forms.CharField`, `forms.IntegerField`, ...), and the field a column's description maps to.
 */
import type { ColumnField } from '../db/index.ts'
import { uniqueKey } from '../storage-keys.ts'
import { codes } from '../setup-errors.ts'
import { Field, type FieldOptions } from './field.ts'
import type { UploadedFile } from './files.ts'
import type { FieldKind } from './kinds.ts'

export { Field, type Choice, type FieldOptions } from './field.ts'
export type { FieldKind } from './kinds.ts'
export type { KindSpec, FieldSource } from './kind.ts'
export { isUpload, imageType, type UploadedFile, type FileInput } from './files.ts'

const kind = <TValue>(k: FieldKind) => (options: FieldOptions = {}): Field<TValue> => new Field<TValue>(k, options)

/** A file kind's field, its `uploadTo` checked now (a folder with `..` would write outside the storage). */
const fileKind = (k: 'file' | 'image') => (options: FieldOptions = {}): Field<UploadedFile> => {
  const { uploadTo } = options
  if (uploadTo !== undefined && typeof uploadTo !== 'function') {
    try {
      uniqueKey(uploadTo, 'x')
    } catch (error) {
      throw new codes.FFR_ERR_UPLOAD_TO(String(uploadTo), (error as Error).message)
    }
  }
  return new Field<UploadedFile>(k, options)
}

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
  /** Django's `ModelMultipleChoiceField`: a list of keys of the related table (`keyField` converts each). */
  modelMultipleChoice: kind<unknown[]>('modelMultipleChoice'),
  array: kind<unknown[]>('array'),
  /** Django's `FileField`: an uploaded file, stored by the form's save under a key in a text column. */
  file: fileKind('file'),
  /** Django's `ImageField`: a file whose first bytes are a PNG, JPEG, GIF or WebP signature. */
  image: fileKind('image')
}

/** Makes the form field a column's description names (see `lib/db`'s dialects). */
export function fieldOf (spec: ColumnField): Field {
  const options: FieldOptions = { ...spec.options }
  if (spec.item !== undefined) options.itemField = fieldOf(spec.item)
  return new Field(spec.kind as FieldKind, options)
}
