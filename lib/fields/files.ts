/**
 * The file kinds (Django's `FileField` and `ImageField`): the value comes from the request's
 * files, not its data (djblets' `FileFieldType`). A file field cleans to the upload to store, to
 * `null` to clear the stored file, or to `undefined` to keep it; the form's save stores the
 * upload and writes its key (lib/form-files.ts). Checks in Django's order: file name length,
 * a name at all, an empty file, then ours, `maxSize`, then the image's signature (PNG, JPEG,
 * GIF, WebP) and the extension.
 */
import { Type } from '@sinclair/typebox'
import { isFormList } from '../form-values.ts'
import type { Field } from './field.ts'
import type { FieldSource, KindSpec } from './kind.ts'

/** A file the request uploaded, streamed to a temporary file (removed after the response). */
export interface UploadedFile {
  /** The file name the client sent (only its last segment is ever used for the key). */
  readonly filename: string
  /** The media type the client claimed; not trusted for anything. */
  readonly mimetype: string
  /** Its size in bytes. */
  readonly size: number
  /** The temporary file holding it. */
  readonly path: string
  /** Its first bytes (at most 16), read while it was streamed (`uploadedFile()` reads them for a file made by hand). */
  readonly head: Uint8Array
}

/** What a file field cleans (its `valueFrom`): an upload, a request to clear, the stored key, and what the data sent in the file's place. */
export interface FileInput {
  readonly upload?: UploadedFile
  /** `<name>-clear` ticked (Django's clear checkbox), or JSON `null`. */
  readonly clear: boolean
  /** The key stored in the row being changed, if any. */
  readonly current?: string
  /** A value the data sent under the field's name that is neither the stored key nor empty (a file name sent without multipart). */
  readonly sent?: unknown
}

const CLEAR = new Set(['true', 'on', '1', 'yes'])
/** The image kind's default extensions: the formats its signature check knows. */
export const IMAGE_EXTENSIONS: readonly string[] = ['png', 'jpg', 'jpeg', 'gif', 'webp']

/** Whether a value is an uploaded file (an object with a file name, a size, a path and its first bytes). */
export function isUpload (value: unknown): value is UploadedFile {
  const file = value as Partial<UploadedFile> | null
  return typeof file === 'object' && file !== null && typeof file.filename === 'string' && typeof file.size === 'number' && typeof file.path === 'string' && file.head instanceof Uint8Array
}

function isInput (value: unknown): value is FileInput {
  return typeof value === 'object' && value !== null && typeof (value as FileInput).clear === 'boolean' && !isUpload(value)
}

/** The media type of an image by its first bytes: PNG, JPEG, GIF or WebP; `undefined` for anything else. */
export function imageType (head: Uint8Array): string | undefined {
  const at = (i: number, ...bytes: number[]): boolean => bytes.every((b, j) => head[i + j] === b)
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png'
  if (at(0, 0xff, 0xd8, 0xff)) return 'image/jpeg'
  if (at(0, 0x47, 0x49, 0x46, 0x38) && (head[4] === 0x37 || head[4] === 0x39) && head[5] === 0x61) return 'image/gif'
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'image/webp'
  return undefined
}

/** Whether a checkbox value is ticked; a repeated field (a hidden `false` before it) takes its last value. */
function ticked (value: unknown): boolean {
  const last = isFormList(value) ? value[value.length - 1] : value
  return last === true || (typeof last === 'string' && CLEAR.has(last.trim().toLowerCase()))
}

/** A file field's value (djblets' `get_value_from_data`): its upload in `files`, `<name>-clear` or JSON `null` in `data`, the row's key. */
function fileInput (name: string, { data, files, instance }: FieldSource): FileInput {
  const stored = instance?.[name]
  const current = typeof stored === 'string' && stored !== '' ? stored : undefined
  const upload = files[name]
  const value = data[name]
  const clear = ticked(data[`${name}-clear`]) || (value === null && current !== undefined)
  if (upload !== undefined && !isUpload(upload)) return { clear, current, sent: upload }
  // the stored key, or the item's URL of it, sent back as it was read keeps the file
  const sent = value === undefined || value === null || value === '' || value === current || (current !== undefined && typeof value === 'string' && value.endsWith(`/${current}`)) ? undefined : value
  return { upload, clear, current, sent }
}

/** Django's `FileField.to_python` for an upload, then our size limit. */
function checkUpload (field: Field, upload: UploadedFile): void {
  const { maxLength, allowEmptyFile, maxSize } = field.options
  const length = [...upload.filename].length
  if (maxLength !== undefined && length > maxLength) throw field.error('maxLength', { max: maxLength, length })
  if (upload.filename === '') throw field.error('invalid')
  if (allowEmptyFile !== true && upload.size === 0) throw field.error('empty')
  if (maxSize !== undefined && upload.size > maxSize) throw field.error('maxSize', { limit_value: maxSize, show_value: upload.size })
}

/** Django's `FileExtensionValidator`: the last suffix, lower-cased, must be one allowed. */
function checkExtension (field: Field, upload: UploadedFile, allowed: readonly string[] | null | undefined): void {
  if (allowed === undefined || allowed === null) return
  const base = upload.filename.split(/[/\\]/).pop() ?? ''
  const dot = base.lastIndexOf('.')
  const extension = dot > 0 ? base.slice(dot + 1).toLowerCase() : ''
  const list = allowed.map((e) => e.toLowerCase())
  if (!list.includes(extension)) throw field.error('invalidExtension', { extension, allowed_extensions: list.join(', ') })
}

/** Django's `FileField.clean(data, initial)` over a `FileInput`: contradiction, clear, keep, or the checked upload. */
function cleanFile (field: Field, raw: unknown, image: boolean): unknown {
  const input: FileInput = isInput(raw) ? raw : isUpload(raw) ? { upload: raw, clear: false } : { clear: raw === null }
  const { upload, clear, current, sent } = input
  if (clear) {
    if (upload !== undefined) throw field.error('contradiction')
    // Django renders no clear checkbox for a required field; here clearing one is refused the same way either way
    if (field.required) throw field.error('required')
    return current === undefined ? undefined : null
  }
  if (upload === undefined) {
    if (sent !== undefined) throw field.error('invalid')
    if (current === undefined && field.required) throw field.error('required')
    return undefined
  }
  checkUpload(field, upload)
  if (image && imageType(upload.head) === undefined) throw field.error('invalidImage')
  checkExtension(field, upload, image && field.options.extensions === undefined ? IMAGE_EXTENSIONS : field.options.extensions)
  return upload
}

const FILE_MESSAGES = {
  invalid: 'No file was submitted. Check the encoding type on the form.',
  empty: 'The submitted file is empty.',
  maxLength: [
    'Ensure this filename has at most %(max)d character (it has %(length)d).',
    'Ensure this filename has at most %(max)d characters (it has %(length)d).',
    'max'
  ],
  contradiction: 'Please either submit a file or check the clear checkbox, not both.',
  invalidExtension: 'File extension “%(extension)s” is not allowed. Allowed extensions are: %(allowed_extensions)s.',
  maxSize: 'Ensure this file has at most %(limit_value)s bytes (it has %(show_value)s).'
} as const

export const file: KindSpec = {
  clean: (field, raw) => cleanFile(field, raw, false),
  valueFrom: fileInput,
  schema: () => Type.String({ format: 'binary' }),
  messages: FILE_MESSAGES,
  fromFiles: true
}

export const image: KindSpec = {
  clean: (field, raw) => cleanFile(field, raw, true),
  valueFrom: fileInput,
  schema: () => Type.String({ format: 'binary' }),
  messages: { ...FILE_MESSAGES, invalidImage: 'Upload a valid image. The file you uploaded was either not an image or a corrupted image.' },
  fromFiles: true
}
