// Files in formset items (`books-0-cover`) over HTTP on SQLite: an inline's children, a child
// URL, a bulk request and a formset without an app; stored only when the whole batch is valid,
// deleted again when the write fails, replaced ones deleted after the commit.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import Fastify from 'fastify'
import formResources, { defineModel, fields, FormResource, inlineFormSet, localStorage, modelForm, modelFormSet, uploadedFile } from 'fastify-form-resources'
import { filesIn, IMAGES, multipart, tempDir } from './helpers/files.ts'
import { signInFromHeader } from './helpers/app.ts'

const authors = sqliteTable('authors', { id: integer().primaryKey(), name: text({ length: 50 }).notNull().unique() })
const books = sqliteTable('books', {
  id: integer().primaryKey(),
  authorId: integer().notNull().references(() => authors.id, { onDelete: 'cascade' }),
  title: text({ length: 100 }).notNull().unique(),
  cover: text()
})
const SCHEMA = `
  create table authors (id integer primary key, name text(50) not null unique);
  create table books (id integer primary key, authorId integer not null references authors(id) on delete cascade, title text(100) not null unique, cover text);
`
const Book = defineModel(books, { fields: { cover: { formField: fields.image({ uploadTo: 'covers/', deleteReplaced: true }) } } })
const AuthorBooks = inlineFormSet(authors, Book, { fk: 'authorId', fields: ['title', 'cover'], canDelete: true })
const COVER = /^covers\/[\w-]+-[0-9a-f]{16}\.(png|gif)$/

class AuthorResource extends FormResource<typeof authors> {
  name = 'author'
  table = authors
  formClass = modelForm(authors, { fields: ['name'] })
  inlines = { books: AuthorBooks }
  hasModifyPermissions (): boolean { return true }
}

class BookResource extends FormResource<typeof books> {
  name = 'book'
  table = books
  formClass = modelForm(Book, { fields: ['authorId', 'title', 'cover'] })
  bulk = true
  hasModifyPermissions (): boolean { return true }
}

async function build (t: Parameters<typeof tempDir>[0]) {
  const sqlite = new Database(':memory:')
  sqlite.pragma('foreign_keys = ON')
  sqlite.exec(SCHEMA)
  const root = await tempDir(t, 'uploads')
  const temp = await tempDir(t, 'tmp')
  const app = Fastify()
  t.teardown(async () => {
    await app.close()
    sqlite.close()
  })
  signInFromHeader(app)
  await app.register(formResources, { db: drizzle(sqlite), prefix: '/api', storage: localStorage({ root }), multipart: { tmpdir: temp }, resources: [new AuthorResource(), new BookResource()] })
  await app.ready()
  const books = (): Array<{ id: number, authorId: number, title: string, cover: string | null }> => sqlite.prepare('select * from books order by id').all() as never
  const send = async (method: 'POST' | 'PATCH' | 'PUT', path: string, entries: Parameters<typeof multipart>[0]) => {
    const body = await multipart(entries)
    return await app.inject({ method, url: path, headers: { ...body.headers, 'x-user': 'ann' }, payload: body.payload })
  }
  return { app, sqlite, root, temp, books, send }
}

const management = (total: number, initial = 0) => ({ 'books-TOTAL_FORMS': String(total), 'books-INITIAL_FORMS': String(initial) })
const png = (filename = 'dune.png') => ({ content: IMAGES.png, filename, type: 'image/png' })

t.test('an inline child\'s file (books-0-cover) is stored with its parent and children in one write; the item nests its URL', async (t) => {
  const { root, temp, books, send } = await build(t)
  const res = await send('POST', '/api/authors/', { name: 'Frank', ...management(2), 'books-0-title': 'Dune', 'books-0-cover': png(), 'books-1-title': 'Children' })
  t.equal(res.statusCode, 201, res.body)
  const [dune, children] = books()
  t.match(dune, { authorId: 1, title: 'Dune', cover: COVER })
  t.equal(children.cover, null)
  t.strictSame(await filesIn(root), [dune.cover])
  t.equal(res.json().author.books[0].cover, `http://localhost:80/uploads/${dune.cover}`)
  t.equal(res.json().author.books[1].cover, null)
  t.strictSame(await filesIn(temp), [], 'no temporary file is left')
})

t.test('an invalid item\'s file, or any other invalid item, stores nothing', async (t) => {
  const { root, books, send } = await build(t)
  const bad = await send('POST', '/api/authors/', { name: 'Frank', ...management(1), 'books-0-title': 'Dune', 'books-0-cover': { content: 'not an image', filename: 'x.png' } })
  t.equal(bad.statusCode, 400)
  t.strictSame(bad.json().fields, { 'books-0-cover': ['Upload a valid image. The file you uploaded was either not an image or a corrupted image.'] })
  const other = await send('POST', '/api/authors/', { name: 'Frank', ...management(2), 'books-0-title': 'Dune', 'books-0-cover': png(), 'books-1-title': 'x'.repeat(101) })
  t.equal(other.statusCode, 400)
  t.strictSame(other.json().fields, { 'books-1-title': ['Ensure this value has at most 100 characters (it has 101).'] })
  t.strictSame(books(), [])
  t.strictSame(await filesIn(root), [], 'nothing stored for an invalid batch')
})

t.test('a write the database refuses deletes the children\'s stored files again', async (t) => {
  const { sqlite, root, books, send } = await build(t)
  sqlite.exec("insert into authors (name) values ('Other')")
  // the title is taken while the write runs (a trigger inserts it first), and gone again when the checks are asked after the rollback
  sqlite.exec('create trigger taken before insert on books begin insert into books (authorId, title) values (1, new.title); end')
  const res = await send('POST', '/api/authors/', { name: 'Frank', ...management(1), 'books-0-title': 'Dune', 'books-0-cover': png() })
  t.equal(res.statusCode, 400, res.body)
  t.strictSame(res.json().fields, { __all__: ['An entry with these values already exists.'] })
  t.strictSame(books(), [])
  t.strictSame(await filesIn(root), [], 'the stored cover is deleted')
})

t.test('a child URL takes files: one child by its field names, several by the formset\'s; a replaced cover is deleted after the commit', async (t) => {
  const { app, root, books, send } = await build(t)
  t.equal((await app.inject({ method: 'POST', url: '/api/authors/', payload: { name: 'Frank' } })).statusCode, 201)
  const one = await send('POST', '/api/authors/1/books/', { title: 'Dune', cover: png() })
  t.equal(one.statusCode, 201, one.body)
  const [dune] = books()
  t.match(dune.cover, COVER)
  t.equal(one.json().book.cover, `http://localhost:80/uploads/${dune.cover}`)
  const several = await send('POST', '/api/authors/1/books/', { ...management(2), 'books-0-title': 'Messiah', 'books-1-title': 'Children', 'books-1-cover': png('children.png') })
  t.equal(several.statusCode, 201, several.body)
  t.equal(books()[2].cover?.startsWith('covers/children-'), true)
  const replaced = await send('PATCH', '/api/authors/1/books/', { 'books-TOTAL_FORMS': '1', 'books-INITIAL_FORMS': '1', 'books-0-id': String(dune.id), 'books-0-title': 'Dune', 'books-0-cover': { content: IMAGES.gif, filename: 'new.gif' } })
  t.equal(replaced.statusCode, 200, replaced.body)
  const now = books()[0].cover!
  t.match(now, /^covers\/new-[0-9a-f]{16}\.gif$/)
  t.strictSame((await filesIn(root)).sort(), [books()[2].cover, now].sort(), 'the old cover is gone (deleteReplaced), the others kept')
})

t.test('a bulk create takes each item\'s file by its input name', async (t) => {
  const { app, books, send } = await build(t)
  await app.inject({ method: 'POST', url: '/api/authors/', payload: { name: 'Frank' } })
  const res = await send('POST', '/api/books/', { 'books-TOTAL_FORMS': '2', 'books-INITIAL_FORMS': '0', 'books-0-authorId': '1', 'books-0-title': 'Dune', 'books-1-authorId': '1', 'books-1-title': 'Messiah', 'books-1-cover': png('messiah.png') })
  t.equal(res.statusCode, 201, res.body)
  t.equal(books()[0].cover, null)
  t.match(books()[1].cover, /^covers\/messiah-[0-9a-f]{16}\.png$/)
})

t.test('a formset without an app stores its items\' uploads on save() and writes their keys', async (t) => {
  const { sqlite, root } = await build(t)
  sqlite.exec("insert into authors (name) values ('Frank')")
  const dir = await tempDir(t, 'src')
  await writeFile(join(dir, 'upload'), IMAGES.png)
  const upload = await uploadedFile(join(dir, 'upload'), { filename: 'dune.png' })
  const Books = modelFormSet(Book, { fields: ['authorId', 'title', 'cover'] })
  const formset = new Books({ db: drizzle(sqlite), data: [{ authorId: 1, title: 'Dune' }], files: { 'form-0-cover': upload }, formKwargs: { storage: localStorage({ root }) } })
  const rows = await formset.save()
  t.match(rows[0], { title: 'Dune', cover: COVER })
  t.strictSame(await filesIn(root), [(rows[0] as { cover: string }).cover])
})
