// Many-to-many fields, formsets, bulk requests, inlines and child URLs on PostgreSQL (PGlite
// unless DATABASE_URL is set): the same answers as on SQLite, multi-row inserts, one query per
// check whatever the batch, and nothing written when the database refuses one row.
import t from 'tap'
import Fastify, { type FastifyRequest } from 'fastify'
import formResources, { FormResource, inlineFormSet, modelForm, modelFormSet, ValidationError } from 'fastify-form-resources'
import { pgDatabase } from './helpers/pg.ts'
import { authors, bookModel, books, logged, relationTables } from './helpers/pg-relations.ts'
import { signInFromHeader, url } from './helpers/app.ts'

const BookForm = modelForm(bookModel, { fields: ['authorId', 'title', 'isbn', 'tags'] })
const BookFormSet = modelFormSet(BookForm, { canDelete: true })
const AuthorBooks = inlineFormSet(authors, bookModel, { fields: ['title', 'isbn', 'tags'], canDelete: true })
const FIELD_ERROR = { code: 105, msg: 'One or more fields had errors', type: 'request-field-error' }
const rowsOf = (statements: string[]): string[] => statements.filter((s) => /^(select|insert|update|delete)/i.test(s))

async function setup (t: Parameters<typeof pgDatabase>[0]) {
  const test = await pgDatabase(t, relationTables)
  await test.query("insert into tags (name) select 'tag ' || i from generate_series(1, 25) as i")
  await test.query("insert into authors (name) values ('Ann'), ('Bob')")
  return { ...test, log: logged(test) }
}

t.test('a many-to-many set on PostgreSQL: one IN query, the row and its pairs in one transaction, 20 tags in 3 statements', async (t) => {
  const { db, query, log } = await setup(t)
  const refused = new BookForm({ db, data: { authorId: 1, title: 'T', tags: [1, 999] } })
  t.equal(await refused.isValid(), false)
  t.strictSame(refused.errors, { tags: ['Select a valid choice. 999 is not one of the available choices.'] })
  const created = await new BookForm({ db, data: { authorId: 1, title: 'T', tags: ['4', 1] } }).save()
  t.strictSame(created, { id: 1, authorId: 1, title: 'T', isbn: null })
  t.strictSame(await query('select book_id, tag_id from book_tags order by tag_id'), [{ book_id: 1, tag_id: 1 }, { book_id: 1, tag_id: 4 }])
  const twenty = Array.from({ length: 20 }, (_, i) => i + 1)
  log.reset()
  await new BookForm({ db: log.db, instance: created, data: { authorId: 1, title: 'T2', tags: twenty } }).save()
  // besides the row's own (its update, its key to the author, its unique title per author)
  const others = rowsOf(log.statements).filter((s) => /"(book_)?tags"/.test(s))
  t.equal(others.length, 3, others.join('\n'))
  t.match(others, [/^select "id" from "tags"/, /^delete from "book_tags"/, /^insert into "book_tags"/])
  t.equal((await query('select count(*)::int as n from book_tags'))[0].n, 20)
  const kept = new BookForm({ db, instance: { ...created, title: 'T2' }, data: { authorId: 1, title: 'T3' } })
  await kept.save()
  t.equal((await query('select count(*)::int as n from book_tags'))[0].n, 20, 'an update that leaves the set out keeps it')
  const unsaved = new BookForm({ db, data: { authorId: 2, title: 'Later', tags: [7] } })
  const row = await unsaved.save({ commit: false })
  await t.rejects(unsaved.saveM2M(), { code: 'FFR_ERR_M2M_NO_KEY' })
  const [{ id }] = await query("insert into books (author_id, title) values (2, 'Later') returning id")
  ;(row as { id?: unknown }).id = id
  await unsaved.saveM2M()
  t.strictSame(await query(`select tag_id from book_tags where book_id = ${String(id)}`), [{ tag_id: 7 }])
})

t.test('a 100-item formset on PostgreSQL: one query per check, multi-row inserts, one transaction', async (t) => {
  const { query, log } = await setup(t)
  const items = Array.from({ length: 100 }, (_, i) => ({ authorId: (i % 2) + 1, title: `Book ${i}`, isbn: `${i}`, tags: [(i % 25) + 1] }))
  const formset = new BookFormSet({ db: log.db, data: items })
  log.reset()
  t.equal(await formset.isValid(), true)
  t.equal(rowsOf(log.statements).length, 4, 'authors, tags, the ISBNs, the authors and titles')
  log.reset()
  const saved = await formset.save()
  t.equal(saved.length, 100)
  t.strictSame(saved.slice(0, 2), [{ id: 1, authorId: 1, title: 'Book 0', isbn: '0' }, { id: 2, authorId: 2, title: 'Book 1', isbn: '1' }])
  t.strictSame(saved.map((row) => row?.title), items.map((item) => item.title), 'in request order')
  const writes = rowsOf(log.statements)
  t.equal(writes.filter((s) => s.startsWith('insert into "books"')).length, 3, 'PostgreSQL: 100 rows in 64 + 32 + 4')
  t.equal(writes.filter((s) => s.startsWith('insert into "book_tags"')).length, 1)
  t.equal(writes.length, 4)
  t.equal((await query('select count(*)::int as n from books'))[0].n, 100)
  t.equal((await query('select count(*)::int as n from book_tags'))[0].n, 100)

  log.reset()
  const changes = new BookFormSet({ db: log.db, data: [...Array.from({ length: 50 }, (_, i) => ({ id: i + 1, title: `Renamed ${i}` })), ...Array.from({ length: 50 }, (_, i) => ({ id: i + 51, DELETE: true }))] })
  t.equal(await changes.isValid(), true)
  t.equal(rowsOf(log.statements).length, 3, 'the rows being updated, the authors, the authors and titles')
  await changes.save()
  t.equal((await query('select count(*)::int as n from books'))[0].n, 50)
  t.strictSame(changes.deletedObjects.length, 50)
})

t.test('a row PostgreSQL refuses in a multi-row insert is that item\'s error and nothing is written', async (t) => {
  const { db, query } = await setup(t)
  const formset = new BookFormSet({ db, data: [{ authorId: 1, title: 'A', isbn: '1', tags: [1] }, { authorId: 1, title: 'B', isbn: '2' }, { authorId: 2, title: 'C', isbn: '3' }] })
  t.equal(await formset.isValid(), true)
  await query("insert into books (author_id, title, isbn) values (2, 'meanwhile', '2')")
  await t.rejects(formset.save(), ValidationError)
  t.strictSame(formset.errors, [{}, { isbn: ['Book with this ISBN already exists.'] }, {}])
  t.strictSame(await query('select title from books'), [{ title: 'meanwhile' }])
  t.strictSame(await query('select * from book_tags'), [])
  const gone = new BookFormSet({ db, data: [{ authorId: 1, title: 'X', tags: [5] }] })
  t.equal(await gone.isValid(), true)
  await query('delete from tags where id = 5')
  await t.rejects(gone.save(), ValidationError)
  t.strictSame(gone.errors, [{ tags: ['Select a valid choice. 5 is not one of the available choices.'] }])
  t.strictSame(await query('select title from books'), [{ title: 'meanwhile' }])
})

class Signed<T extends typeof authors | typeof books> extends FormResource<T> {
  hasModifyPermissions (request: FastifyRequest): boolean { return request.user != null }
  hasDeletePermissions (request: FastifyRequest): boolean { return request.user != null }
}
class AuthorResource extends Signed<typeof authors> {
  name = 'author'
  table = authors
  formClass = modelForm(authors, { fields: ['name'] })
  bulk = true
  inlines = { books: AuthorBooks }
}
class BookResource extends Signed<typeof books> {
  name = 'book'
  table = books
  formClass = BookForm
  bulk = true
}

t.test('bulk requests, inlines and child URLs over HTTP on PostgreSQL', async (t) => {
  const { db, query } = await setup(t)
  const app = Fastify()
  t.teardown(() => app.close())
  signInFromHeader(app)
  await app.register(formResources, { db, prefix: '/api', resources: [new AuthorResource(), new BookResource()] })
  const H = { 'x-user': 'ann' }
  const links = (path: string) => ({ self: { href: url(path), method: 'GET' }, update: { href: url(path), method: 'PUT' }, delete: { href: url(path), method: 'DELETE' } })
  const created = await app.inject({ method: 'POST', url: '/api/books/', headers: H, payload: [{ authorId: 1, title: 'A', tags: [2, 1] }, { authorId: 2, title: 'B', isbn: '2' }] })
  t.equal(created.statusCode, 201)
  t.strictSame(created.json(), { stat: 'ok', books: [{ id: 1, authorId: 1, title: 'A', isbn: null, tags: [1, 2], links: links('/api/books/1/') }, { id: 2, authorId: 2, title: 'B', isbn: '2', tags: [], links: links('/api/books/2/') }] })
  const refused = await app.inject({ method: 'POST', url: '/api/books/', headers: H, payload: [{ authorId: 1, title: 'C' }, { authorId: 1, title: 'D', isbn: '2' }, { authorId: 1, title: 'C' }] })
  t.strictSame(refused.json(), {
    stat: 'fail',
    err: FIELD_ERROR,
    codes: { __all__: ['duplicate'], 'books-1-isbn': ['unique'], 'books-2-__all__': ['duplicateValues'] },
    fields: { __all__: ['Please correct the duplicate data for authorId and title, which must be unique.'], 'books-1-isbn': ['Book with this ISBN already exists.'], 'books-2-__all__': ['Please correct the duplicate values below.'] },
    items: { books: { 1: { isbn: ['Book with this ISBN already exists.'] }, 2: { __all__: ['Please correct the duplicate values below.'] } } }
  })
  const changed = await app.inject({ method: 'PATCH', url: '/api/books/', headers: H, payload: [{ id: 1, tags: [3] }, { id: 2, DELETE: true }, { authorId: 2, title: 'E' }] })
  t.strictSame(changed.json(), { stat: 'ok', books: [{ id: 1, authorId: 1, title: 'A', isbn: null, tags: [3], links: links('/api/books/1/') }, null, { id: 3, authorId: 2, title: 'E', isbn: null, tags: [], links: links('/api/books/3/') }], deleted: [2] })

  const parent = await app.inject({ method: 'POST', url: '/api/authors/', headers: H, payload: { name: 'Cy', books: [{ title: 'One', tags: [5] }, { title: 'Two' }] } })
  t.equal(parent.statusCode, 201)
  t.strictSame(parent.json().author, { id: 3, name: 'Cy', books: [{ id: 4, authorId: 3, title: 'One', isbn: null, tags: [5] }, { id: 5, authorId: 3, title: 'Two', isbn: null, tags: [] }], links: links('/api/authors/3/') })
  const updated = await app.inject({ method: 'PUT', url: '/api/authors/3/', headers: { ...H, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'books-TOTAL_FORMS=2&books-INITIAL_FORMS=1&books-0-id=5&books-0-DELETE=on&books-1-title=Three&books-1-tags=6&books-1-tags=7' })
  t.equal(updated.statusCode, 200)
  t.strictSame(updated.json().author.books, [{ id: 4, authorId: 3, title: 'One', isbn: null, tags: [5] }, { id: 6, authorId: 3, title: 'Three', isbn: null, tags: [6, 7] }])
  const children = await app.inject({ url: '/api/authors/3/books/' })
  t.strictSame(children.json().books, updated.json().author.books)
  const mismatch = await app.inject({ method: 'POST', url: '/api/authors/3/books/', headers: H, payload: { title: 'X', authorId: 1 } })
  t.strictSame(mismatch.json().fields, { authorId: ['The inline value did not match the parent instance.'] })
  t.equal((await app.inject({ url: '/api/authors/99/books/' })).statusCode, 404)
  const list = await app.inject({ url: '/api/authors/' })
  t.strictSame(list.json().authors.map((a: { books: Array<{ tags: number[] }> }) => a.books.map((b) => b.tags)), [[[3]], [[]], [[5], [6, 7]]])
  t.strictSame(await query('select id, author_id, title from books order by id'), [{ id: 1, author_id: 1, title: 'A' }, { id: 3, author_id: 2, title: 'E' }, { id: 4, author_id: 3, title: 'One' }, { id: 6, author_id: 3, title: 'Three' }])
})
