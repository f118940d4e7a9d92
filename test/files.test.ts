// fields.file and fields.image (Django's FileField and ImageField), and a form with files used without an app.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { codes, defineModel, Field, fields, FormResource, localStorage, modelForm, uploadedFile, ValidationError, type UploadedFile } from 'fastify-form-resources'
import { AuthorForm, filesIn, IMAGES, SCHEMA_SQL, tempDir } from './helpers/files.ts'

/** An upload as the multipart parsing makes one (no file behind it: the kinds read only `head`). */
const upload = (filename: string, content: Buffer | string = IMAGES.png, size = Buffer.byteLength(content)): UploadedFile =>
  ({ filename, mimetype: 'application/octet-stream', size, path: '/nonexistent', head: Buffer.from(content).subarray(0, 16) })

/** The message and code a clean refuses with. */
function refusal (run: () => unknown): { message: string, code: string | undefined } {
  try {
    run()
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error
    return { message: error.messages[0], code: error.errorList?.[0].code }
  }
  throw new Error('the value was accepted')
}

t.test('fields.file with Django\'s messages word for word, and ours for maxSize', async (t) => {
  const field = fields.file({ maxLength: 10, maxSize: 20, required: false, nullable: true })
  t.strictSame(refusal(() => field.clean(upload('a-long-name.txt', 'x'))), { message: 'Ensure this filename has at most 10 characters (it has 15).', code: 'maxLength' })
  t.strictSame(refusal(() => fields.file({ maxLength: 1 }).clean(upload('ab', 'x'))), { message: 'Ensure this filename has at most 1 character (it has 2).', code: 'maxLength' })
  t.strictSame(refusal(() => field.clean(upload('', 'x'))), { message: 'No file was submitted. Check the encoding type on the form.', code: 'invalid' })
  t.strictSame(refusal(() => field.clean(upload('empty.txt', ''))), { message: 'The submitted file is empty.', code: 'empty' })
  t.strictSame(refusal(() => field.clean(upload('big.txt', 'x'.repeat(21)))), { message: 'Ensure this file has at most 20 bytes (it has 21).', code: 'maxSize' })
  t.strictSame(refusal(() => field.clean({ upload: upload('a.txt', 'x'), clear: true })), { message: 'Please either submit a file or check the clear checkbox, not both.', code: 'contradiction' })
  t.strictSame(refusal(() => field.clean({ clear: false, sent: 'photo.png' })), { message: 'No file was submitted. Check the encoding type on the form.', code: 'invalid' })
  t.strictSame(refusal(() => fields.file({ extensions: ['PDF', 'txt'] }).clean(upload('x.Exe', 'x'))), { message: 'File extension “exe” is not allowed. Allowed extensions are: pdf, txt.', code: 'invalidExtension' })
  t.strictSame(refusal(() => fields.file({ extensions: ['pdf'] }).clean(upload('.pdf', 'x'))), { message: 'File extension “” is not allowed. Allowed extensions are: pdf.', code: 'invalidExtension' }, 'a dot file has no extension, as Python\'s Path.suffix says')
  t.strictSame(refusal(() => fields.file().clean(undefined)), { message: 'This field is required.', code: 'required' })
  t.equal(fields.file({ allowEmptyFile: true }).clean(upload('empty.txt', '')) !== undefined, true, 'allowEmptyFile takes a file of 0 bytes')
  t.equal(fields.file({ extensions: ['PDF'] }).clean(upload('cv.pdf', 'x'))?.filename, 'cv.pdf')
})

t.test('fields.file: keep, clear and the stored key sent back', async (t) => {
  const optional = fields.file({ required: false, nullable: true })
  const required = fields.file()
  t.equal(optional.clean({ clear: false, current: 'a/b.txt' }), undefined, 'no upload keeps the stored file')
  t.equal(required.clean({ clear: false, current: 'a/b.txt' }), undefined, 'also when the field is required')
  t.equal(optional.clean({ clear: true, current: 'a/b.txt' }), null, 'clear empties it')
  t.equal(optional.clean({ clear: true }), undefined, 'clearing nothing leaves nothing to write')
  t.equal(optional.clean(undefined), undefined)
  t.strictSame(refusal(() => required.clean({ clear: true, current: 'a/b.txt' })), { message: 'This field is required.', code: 'required' }, 'a required file cannot be cleared')
  t.strictSame(refusal(() => required.clean(null)), { message: 'This field is required.', code: 'required' })
  t.throws(() => required.clean({ clear: false, sent: { not: 'a file' } }), { code: 'invalid' })
  t.equal(optional.clean('not an upload'), undefined, 'a value that is no upload and no input is no file')
})

t.test('fields.image checks the signature: PNG, JPEG, GIF and WebP, and its extensions', async (t) => {
  const image = fields.image()
  for (const [format, name] of [['png', 'a.png'], ['jpeg', 'a.JPG'], ['jpeg', 'a.jpeg'], ['gif', 'a.gif'], ['gif87', 'a.gif'], ['webp', 'a.webp']] as const) {
    t.equal(image.clean(upload(name, IMAGES[format]))?.filename, name, format)
  }
  const invalid = { message: 'Upload a valid image. The file you uploaded was either not an image or a corrupted image.', code: 'invalidImage' }
  t.strictSame(refusal(() => image.clean(upload('a.png', '<html>not an image</html>'))), invalid)
  t.strictSame(refusal(() => image.clean(upload('a.png', IMAGES.png.subarray(0, 7)))), invalid, 'a cut signature')
  t.strictSame(refusal(() => image.clean(upload('a.gif', 'GIF88a'))), invalid)
  t.strictSame(refusal(() => image.clean(upload('a.webp', 'RIFF\0\0\0\0WAVE'))), invalid, 'a RIFF that is no WebP')
  t.strictSame(refusal(() => image.clean(upload('page.html', IMAGES.png))), { message: 'File extension “html” is not allowed. Allowed extensions are: png, jpg, jpeg, gif, webp.', code: 'invalidExtension' }, 'a PNG named .html is refused: it would be served as a page')
  t.equal(fields.image({ extensions: null }).clean(upload('page.html', IMAGES.png))?.filename, 'page.html', 'extensions: null allows any')
  t.strictSame(refusal(() => image.clean(upload('a.png', ''))), { message: 'The submitted file is empty.', code: 'empty' }, 'empty before the signature, as Django orders them')
  const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value))
  t.strictSame(json(fields.image().schema()), { type: 'string', format: 'binary' })
  t.strictSame(json(fields.file({ nullable: true, label: 'CV' }).schema()), { anyOf: [{ type: 'string', format: 'binary' }, { type: 'null' }], title: 'CV' })
})

t.test('a field\'s messages override the file kinds\' defaults', async (t) => {
  const field = fields.image({ errorMessages: { invalidImage: 'Not a picture.', maxSize: 'At most %(limit_value)s bytes, please.' }, maxSize: 1 })
  t.equal(refusal(() => field.clean(upload('a.png', IMAGES.png))).message, 'At most 1 bytes, please.')
  t.equal(refusal(() => fields.image({ errorMessages: { invalidImage: 'Not a picture.' } }).clean(upload('a.png', 'text'))).message, 'Not a picture.')
})

t.test('setup mistakes of file fields throw with a code and the fix', async (t) => {
  for (const uploadTo of ['../up/', 'a b/']) {
    t.throws(() => fields.file({ uploadTo }), { code: 'FFR_ERR_UPLOAD_TO', message: new RegExp(`uploadTo "${uploadTo.replace('.', '\\.')}" is refused: uploadTo .* is not a safe relative folder`) })
  }
  t.doesNotThrow(() => fields.file({ uploadTo: (name) => `by-name/${name}/` }), 'a function is checked when it runs')
  const numbers = sqliteTable('numbers', { id: integer().primaryKey(), picture: integer() })
  t.throws(() => modelForm(defineModel(numbers, { fields: { picture: { formField: fields.image() } } }), { fields: ['picture'] }), new codes.FFR_ERR_FILE_COLUMN('numbers', 'picture', 'integer'))
  const declared = sqliteTable('declared', { id: integer().primaryKey(), picture: text() })
  t.strictSame(modelForm(declared, { fields: ['picture'], declared: { picture: fields.image() } }).meta.fileFields, ['picture'], 'a declared file field over a text column stores keys too')
  t.strictSame(modelForm(declared, { fields: [], declared: { upload: fields.file() } }).meta.fileFields, [], 'a declared file field that is no column is only cleaned')
})

/** A database with the avatar authors, a storage in a temp folder, and a real file to upload. */
async function setup (t: Test) {
  const sqlite = new Database(':memory:')
  t.teardown(() => sqlite.close())
  sqlite.exec(SCHEMA_SQL)
  const root = await tempDir(t, 'uploads')
  const source = join(await tempDir(t, 'src'), 'portrait.png')
  await writeFile(source, IMAGES.png)
  return { db: drizzle(sqlite), sqlite, root, storage: localStorage({ root }), source }
}

t.test('a form with files used without an app: save stores, writes the key, keeps the source', async (t) => {
  const { db, sqlite, root, storage, source } = await setup(t)
  const avatar = await uploadedFile(source, { mimetype: 'image/png' })
  t.strictSame({ ...avatar, head: [...avatar.head] }, { filename: 'portrait.png', mimetype: 'image/png', size: IMAGES.png.length, path: source, head: [...IMAGES.png.subarray(0, 16)] })
  const form = new AuthorForm({ db, storage, data: { name: 'Ann' }, files: { avatar } })
  t.equal(await form.isValid(), true)
  t.equal(form.cleanedData.avatar, avatar, 'the cleaned value is the upload until it is stored')
  const row = await form.save()
  t.match(row.avatar, /^avatars\/portrait-[0-9a-f]{16}\.png$/)
  t.strictSame(await filesIn(root), [row.avatar])
  t.strictSame(sqlite.prepare('SELECT name, avatar FROM authors').all(), [{ name: 'Ann', avatar: row.avatar }])
  t.strictSame(await filesIn(join(source, '..')), ['portrait.png'], 'the source file is the caller\'s: never removed')

  const unchanged = new AuthorForm({ db, storage, instance: row, data: { name: 'Ann Leckie' } })
  t.equal((await unchanged.save()).avatar, row.avatar, 'an update without a file keeps the stored one')
  // a form made by hand binds only the data it gets (Django's): the name is given again
  const draft = new AuthorForm({ db, storage, instance: row, data: { name: 'Ann Leckie' }, files: { avatar } })
  t.strictSame(await draft.save({ commit: false }), { ...row, name: 'Ann Leckie' }, 'commit: false stores nothing and keeps the key')
  t.strictSame(await filesIn(root), [row.avatar])
})

t.test('a form whose write fails deletes the file it stored, and stores it again on a second save', async (t) => {
  const { db, sqlite, root, storage, source } = await setup(t)
  const avatar = await uploadedFile(source)
  const form = new AuthorForm({ db, storage, data: { name: 'refused' }, files: { avatar } })
  await t.rejects(form.save(), { name: 'ValidationError', message: 'The database refused these values.' })
  t.strictSame(await filesIn(root), [], 'the CHECK constraint refused the row: no file is left')
  t.equal(form.cleanedData.avatar, avatar, 'the upload is back in the cleaned data')
  t.strictSame(sqlite.prepare('SELECT * FROM authors').all(), [])
  t.strictSame(form.errors, { __all__: ['The database refused these values.'] })
})

t.test('a storage that fails to store: the save rejects with its error, nothing is written, no file is left', async (t) => {
  const { db, sqlite, root, storage, source } = await setup(t)
  const avatar = await uploadedFile(source)
  const resume = await uploadedFile(source, { filename: 'cv.txt' })
  const failing = { ...storage, put: (key: string, path: string) => key.startsWith('resumes/') ? Promise.reject(new Error('disk full')) : storage.put(key, path) }
  const form = new AuthorForm({ db, storage: failing, data: { name: 'Ann' }, files: { avatar, resume: { ...resume, size: 10 } } })
  await t.rejects(form.save(), { message: 'disk full' })
  t.strictSame(await filesIn(root), [], 'the avatar stored beside it is deleted again')
  t.strictSame(sqlite.prepare('SELECT * FROM authors').all(), [])
})

t.test('deleteReplaced: the replaced file deleted after the commit, the cleared one too; without it, kept', async (t) => {
  const { db, root, storage, source } = await setup(t)
  await writeFile(source, 'a text résumé')
  const resume = async (): Promise<UploadedFile> => await uploadedFile(source, { filename: 'cv.txt' })
  const first = await new AuthorForm({ db, storage, data: { name: 'Ann' }, files: { resume: await resume() } }).save()
  const data = { name: 'Ann' }
  const second = await new AuthorForm({ db, storage, instance: first, data, files: { resume: await resume() } }).save()
  t.not(second.resume, first.resume)
  t.strictSame(await filesIn(root), [second.resume], 'resume says deleteReplaced: the first is gone')
  const cleared = await new AuthorForm({ db, storage, instance: second, data: { ...data, 'resume-clear': 'on' } }).save()
  t.equal(cleared.resume, null)
  t.strictSame(await filesIn(root), [], 'cleared and deleted')

  await writeFile(source, IMAGES.png)
  const withAvatar = await new AuthorForm({ db, storage, instance: cleared, data, files: { avatar: await uploadedFile(source) } }).save()
  const replaced = await new AuthorForm({ db, storage, instance: withAvatar, data, files: { avatar: await uploadedFile(source) } }).save()
  t.strictSame(await filesIn(root), [withAvatar.avatar, replaced.avatar].sort(), 'avatar keeps replaced files, as Django does')
})

t.test('uploadedFile of a missing file rejects', async (t) => {
  await t.rejects(uploadedFile('/nonexistent/file.png'), { code: 'ENOENT' })
})

// types (checked by `tsc --noEmit`): a file field's cleaned value is an upload, a successUrl function gets the row
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
type Expect<T extends true> = T
export type _Image = Expect<Equal<ReturnType<typeof fields.image>, Field<UploadedFile>>>
const uploads = sqliteTable('uploads', { id: integer().primaryKey(), file: text() })
export const TypedForm = modelForm(uploads, {
  fields: ['file'],
  declared: { file: fields.file() },
  clean: { file: (value) => { const check: Expect<Equal<typeof value, UploadedFile | null | undefined>> = true; return check && value } }
})
export const typedSuccess: FormResource<typeof uploads>['successUrl'] = (row) => `/uploads/${row.id satisfies number}/`
