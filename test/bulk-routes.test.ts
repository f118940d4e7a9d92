// Bulk requests, inline formsets and child URLs over HTTP on SQLite (app.inject): exact
// payloads, the 400's `fields` and `items` as the README shows them, permissions per row, and the
// tables afterwards.
import t from 'tap'
import Fastify, { type FastifyRequest } from 'fastify'
import formResources, { FormResource, inlineFormSet, modelForm, modelFormSet } from 'fastify-form-resources'
import { authors, bookModel, books, countingDb, postModel, posts } from './helpers/relations.ts'
import { signInFromHeader, url } from './helpers/app.ts'

const FIELD_ERROR = { code: 105, msg: 'One or more fields had errors', type: 'request-field-error' }
const links = (path: string) => ({ self: { href: url(path), method: 'GET' }, update: { href: url(path), method: 'PUT' }, delete: { href: url(path), method: 'DELETE' } })
const JSON_HEADERS = { 'x-user': 'ann' }
const FORM_HEADERS = { 'x-user': 'ann', 'content-type': 'application/x-www-form-urlencoded' }

class Signed<T extends typeof authors | typeof books | typeof posts> extends FormResource<T> {
  hasModifyPermissions (request: FastifyRequest, row?: unknown): boolean {
    return request.user != null && (row as { title?: string } | undefined)?.title !== 'Locked'
  }

  hasDeletePermissions (request: FastifyRequest, row: unknown): boolean {
    return request.user != null && (row as { title?: string }).title !== 'Kept'
  }
}

const AuthorBooks = inlineFormSet(authors, bookModel, { fk: 'authorId', fields: ['title', 'isbn', 'tags'], canDelete: true })

class AuthorResource extends Signed<typeof authors> {
  name = 'author'
  table = authors
  formClass = modelForm(authors, { fields: ['name'] })
  bulk = true
  inlines = { books: AuthorBooks }
  parse = { name: (value: unknown) => typeof value === 'string' ? value.replace(/_/g, ' ') : value }
}

class BookResource extends Signed<typeof books> {
  name = 'book'
  table = books
  formClass = modelForm(bookModel, { fields: ['authorId', 'title', 'isbn', 'tags'] })
  bulk = true
}

class PostResource extends Signed<typeof posts> {
  name = 'post'
  table = posts
  formClass = modelForm(postModel, { fields: ['title', 'tags'] })
}

async function build (t: Parameters<typeof countingDb>[0]) {
  const counting = countingDb(t)
  const app = Fastify()
  t.teardown(() => app.close())
  signInFromHeader(app)
  await app.register(formResources, { db: counting.db, prefix: '/api', resources: [new AuthorResource(), new BookResource(), new PostResource()] })
  await app.ready()
  counting.sqlite.exec("insert into authors (name) values ('Ann'), ('Bob')")
  counting.reset()
  return { app, ...counting }
}

const book = (id: number, authorId: number, title: string, isbn: string | null, tags: number[], editorId: number | null = null) => ({ id, authorId, editorId, title, isbn, tags, links: links(`/api/books/${id}/`) })

t.test('POST an array creates every item in request order: 201', async (t) => {
  const { app, rows } = await build(t)
  const res = await app.inject({ method: 'POST', url: '/api/books/', headers: JSON_HEADERS, payload: [{ authorId: 1, title: 'A', tags: [3, 1] }, { authorId: 2, title: 'B', isbn: '2', id: 77, DELETE: true }] })
  t.equal(res.statusCode, 201)
  t.strictSame(res.json(), { stat: 'ok', books: [book(1, 1, 'A', null, [1, 3]), book(2, 2, 'B', '2', [])] }, 'a key or DELETE in a POSTed item is ignored')
  t.strictSame(rows('select id, title from books'), [{ id: 1, title: 'A' }, { id: 2, title: 'B' }])
  const single = await app.inject({ method: 'POST', url: '/api/books/', headers: JSON_HEADERS, payload: { authorId: 1, title: 'C' } })
  t.equal(single.statusCode, 201, 'an object stays a single create')
  t.strictSame(single.json(), { stat: 'ok', book: book(3, 1, 'C', null, []) })
  t.equal(single.headers.location, url('/api/books/3/'))
})

t.test('a bulk 400 keeps `fields` flat with Django\'s input names and adds `items`, nothing written', async (t) => {
  const { app, rows } = await build(t)
  const res = await app.inject({ method: 'POST', url: '/api/books/', headers: JSON_HEADERS, payload: [{ authorId: 1, title: 'A' }, { authorId: 1 }, { authorId: 2, title: 'C', tags: [99] }, { authorId: 1, title: 'A' }] })
  t.equal(res.statusCode, 400)
  t.strictSame(res.json(), {
    stat: 'fail',
    err: FIELD_ERROR,
    codes: { __all__: ['duplicate'], 'books-1-title': ['required'], 'books-2-tags': ['invalidChoice'], 'books-3-__all__': ['duplicateValues'] },
    fields: {
      __all__: ['Please correct the duplicate data for authorId and title, which must be unique.'],
      'books-1-title': ['This field is required.'],
      'books-2-tags': ['Select a valid choice. 99 is not one of the available choices.'],
      'books-3-__all__': ['Please correct the duplicate values below.']
    },
    items: {
      books: {
        1: { title: ['This field is required.'] },
        2: { tags: ['Select a valid choice. 99 is not one of the available choices.'] },
        3: { __all__: ['Please correct the duplicate values below.'] }
      }
    }
  })
  t.strictSame(rows('select * from books'), [])
  const junk = await app.inject({ method: 'POST', url: '/api/books/', headers: JSON_HEADERS, payload: [{ title: 'x' }, 3] })
  t.equal(junk.statusCode, 400)
  t.equal(junk.json().err.code, 200, 'an item that is not an object: a malformed body')
})

t.test('PATCH on the list creates, updates and deletes; rows not named are untouched', async (t) => {
  const { app, rows } = await build(t)
  await app.inject({ method: 'POST', url: '/api/books/', headers: JSON_HEADERS, payload: [{ authorId: 1, title: 'A', tags: [1] }, { authorId: 1, title: 'B' }, { authorId: 2, title: 'Untouched' }] })
  const res = await app.inject({ method: 'PATCH', url: '/api/books/', headers: JSON_HEADERS, payload: [{ id: 1, isbn: '9' }, { title: 'New', authorId: 2, tags: [2] }, { id: 2, DELETE: true }] })
  t.equal(res.statusCode, 200)
  t.strictSame(res.json(), { stat: 'ok', books: [book(1, 1, 'A', '9', [1]), book(4, 2, 'New', null, [2]), null], deleted: [2] }, 'absent fields keep their values, the set too')
  t.strictSame(rows('select id, title, isbn from books order by id'), [{ id: 1, title: 'A', isbn: '9' }, { id: 3, title: 'Untouched', isbn: null }, { id: 4, title: 'New', isbn: null }])
  const missing = await app.inject({ method: 'PATCH', url: '/api/books/', headers: JSON_HEADERS, payload: [{ id: 1, title: 'renamed' }, { id: 99, title: 'ghost' }] })
  t.equal(missing.statusCode, 400)
  t.strictSame(missing.json().fields, { 'books-1-id': ['Select a valid choice. That choice is not one of the available choices.'] })
  t.strictSame(rows('select title from books where id = 1'), [{ title: 'A' }])
  const notBulk = await app.inject({ method: 'PATCH', url: '/api/posts/', headers: JSON_HEADERS, payload: [] })
  t.equal(notBulk.statusCode, 405, 'only a bulk resource takes a PATCH on its list')
  t.equal(notBulk.headers.allow, 'GET, POST')
  t.equal((await app.inject({ method: 'PATCH', url: '/api/books/', payload: [] })).headers.allow, undefined)
  const tunnel = await app.inject({ method: 'POST', url: '/api/books/', headers: FORM_HEADERS, payload: '_method=PATCH' })
  t.not(tunnel.statusCode, 200, '_method is not tunnelled to a list')
})

t.test('permissions are asked per row and one refusal refuses the batch', async (t) => {
  const { app, rows } = await build(t)
  await app.inject({ method: 'POST', url: '/api/books/', headers: JSON_HEADERS, payload: [{ authorId: 1, title: 'Locked' }, { authorId: 1, title: 'Kept' }, { authorId: 1, title: 'Free' }] })
  const anonymous = await app.inject({ method: 'POST', url: '/api/books/', payload: [{ authorId: 1, title: 'x' }] })
  t.equal(anonymous.statusCode, 401)
  t.equal(anonymous.headers['www-authenticate'], 'Basic realm="Web API"')
  const locked = await app.inject({ method: 'PATCH', url: '/api/books/', headers: JSON_HEADERS, payload: [{ id: 3, title: 'Free 2' }, { id: 1, title: 'Unlocked' }] })
  t.equal(locked.statusCode, 403, 'hasModifyPermissions(request, row) refused one row')
  const kept = await app.inject({ method: 'PATCH', url: '/api/books/', headers: JSON_HEADERS, payload: [{ id: 3, DELETE: true }, { id: 2, DELETE: true }] })
  t.equal(kept.statusCode, 403, 'hasDeletePermissions(request, row) refused one row')
  t.strictSame(rows('select title from books order by id'), [{ title: 'Locked' }, { title: 'Kept' }, { title: 'Free' }])
})

t.test('an HTML body with Django\'s management form is the same formset, to a list and to an inline', async (t) => {
  const { app, rows } = await build(t)
  const bulk = await app.inject({ method: 'POST', url: '/api/books/', headers: FORM_HEADERS, payload: 'books-TOTAL_FORMS=3&books-INITIAL_FORMS=0&books-0-authorId=1&books-0-title=A&books-0-tags=1&books-0-tags=2&books-1-authorId=2&books-1-title=B&books-2-title=&books-2-authorId=' })
  t.equal(bulk.statusCode, 201)
  t.strictSame(bulk.json().books.map((b: { title: string, tags: number[] }) => [b.title, b.tags]), [['A', [1, 2]], ['B', []]], 'the empty extra form is skipped')
  const bad = await app.inject({ method: 'POST', url: '/api/books/', headers: FORM_HEADERS, payload: 'books-0-title=A' })
  t.equal(bad.statusCode, 400)
  t.strictSame(bad.json().fields, { __all__: ['ManagementForm data is missing or has been tampered with. Missing fields: books-TOTAL_FORMS, books-INITIAL_FORMS. You may need to file a bug report if the issue persists.'] })
  t.notOk('items' in bad.json())
  const parent = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: FORM_HEADERS, payload: 'name=Ann_Leckie&books-TOTAL_FORMS=2&books-INITIAL_FORMS=1&books-0-id=1&books-0-title=A2&books-0-DELETE=on&books-1-title=Ancillary&books-1-tags=3' })
  t.equal(parent.statusCode, 200)
  t.strictSame(parent.json().author.books.map((b: { title: string }) => b.title), ['Ancillary'])
  t.strictSame(rows('select id, authorId, title from books order by id'), [{ id: 2, authorId: 2, title: 'B' }, { id: 3, authorId: 1, title: 'Ancillary' }])
  t.strictSame(rows('select name from authors where id = 1'), [{ name: 'Ann Leckie' }], 'the parent\'s parse hook ran')
})

t.test('inlines: the parent and its children in one transaction, the item nesting its children', async (t) => {
  const { app, rows, statements, reset } = await build(t)
  const created = await app.inject({ method: 'POST', url: '/api/authors/', headers: JSON_HEADERS, payload: { name: 'Cy', books: [{ title: 'One', tags: [2, 1] }, { title: 'Two', isbn: '2' }] } })
  t.equal(created.statusCode, 201)
  const child = (id: number, title: string, isbn: string | null, tags: number[]) => ({ id, authorId: 3, editorId: null, title, isbn, tags })
  t.strictSame(created.json(), { stat: 'ok', author: { id: 3, name: 'Cy', books: [child(1, 'One', null, [1, 2]), child(2, 'Two', '2', [])], links: links('/api/authors/3/') } })
  t.strictSame((await app.inject({ url: '/api/authors/3/' })).json(), created.json(), 'the read nests the same children')

  reset()
  const updated = await app.inject({ method: 'PUT', url: '/api/authors/3/', headers: JSON_HEADERS, payload: { name: 'Cy Two', books: [{ id: 1, title: 'One!' }, { title: 'Three' }, { id: 2, DELETE: true }] } })
  t.equal(updated.statusCode, 200)
  t.strictSame(updated.json().author.books, [child(1, 'One!', null, [1, 2]), child(2, 'Three', null, [])], 'the delete runs first: SQLite gives the new row the freed key')
  t.equal(statements.filter((s) => s === 'BEGIN IMMEDIATE').length, 1, 'one transaction for the parent and its children')

  const refused = await app.inject({ method: 'PUT', url: '/api/authors/3/', headers: JSON_HEADERS, payload: { name: '', books: [{ id: 1, title: '' }, { title: 'Three' }, { title: 'Four', authorId: 1 }] } })
  t.equal(refused.statusCode, 400)
  t.strictSame(refused.json(), {
    stat: 'fail',
    err: FIELD_ERROR,
    codes: { name: ['required'], 'books-0-title': ['required'], 'books-1-__all__': ['uniqueTogether'], 'books-2-authorId': ['inlineMismatch'] },
    fields: {
      name: ['This field is required.'],
      'books-0-title': ['This field is required.'],
      'books-1-__all__': ['Book with this Author id and Title already exists.'],
      'books-2-authorId': ['The inline value did not match the parent instance.']
    },
    items: { books: { 0: { title: ['This field is required.'] }, 1: { __all__: ['Book with this Author id and Title already exists.'] }, 2: { authorId: ['The inline value did not match the parent instance.'] } } }
  })
  const twice = await app.inject({ method: 'PUT', url: '/api/authors/3/', headers: JSON_HEADERS, payload: { books: [{ title: 'Five' }, { title: 'Five' }] } })
  t.strictSame(twice.json().fields, { 'books-__all__': ['Please correct the duplicate data for authorId and title, which must be unique.'], 'books-1-__all__': ['Please correct the duplicate values below.'] }, "an inline's own errors under <prefix>-__all__")
  t.strictSame(rows('select title from books where authorId = 3 order by id'), [{ title: 'One!' }, { title: 'Three' }])
  t.strictSame(rows('select name from authors where id = 3'), [{ name: 'Cy Two' }])

  const list = await app.inject({ url: '/api/authors/?max-results=5' })
  t.strictSame(list.json().authors.map((a: { books: unknown[] }) => a.books.length), [0, 0, 2])
})

t.test('a list page reads the sets and children of all its rows in one query per relation', async (t) => {
  const { app, queries, reset } = await build(t)
  for (let i = 0; i < 5; i++) await app.inject({ method: 'POST', url: '/api/authors/', headers: JSON_HEADERS, payload: { name: `A${i}`, books: [{ title: 'x', tags: [i + 1] }, { title: 'y' }] } })
  reset()
  const res = await app.inject({ url: '/api/authors/?max-results=10' })
  t.equal(res.json().authors.length, 7)
  t.match(queries(), [/^select "id", "name" from "authors" order by/, /^select count\(\*\) from "authors"/, /^select "id", "authorId", "editorId", "title", "isbn" from "books" where "books"."authorId" in/, /^select "bookId", "tagId" from "book_tags" where "book_tags"."bookId" in/])
  t.equal(queries().length, 4)
  reset()
  const bookList = await app.inject({ url: '/api/books/' })
  t.strictSame(bookList.json().books.map((b: { tags: number[] }) => b.tags), [[1], [], [2], [], [3], [], [4], [], [5], []])
  t.equal(queries().length, 3, 'the page, the count and every set in one query')
})

t.test('child URLs: the children of one parent, the key to it from the URL only', async (t) => {
  const { app, rows } = await build(t)
  t.equal((await app.inject({ url: '/api/authors/9/books/' })).statusCode, 404)
  t.equal((await app.inject({ method: 'POST', url: '/api/authors/9/books/', headers: JSON_HEADERS, payload: { title: 'x' } })).statusCode, 404)
  const one = await app.inject({ method: 'POST', url: '/api/authors/1/books/', headers: JSON_HEADERS, payload: { title: 'Mine', tags: [4] } })
  t.equal(one.statusCode, 201)
  t.strictSame(one.json(), { stat: 'ok', book: { id: 1, authorId: 1, editorId: null, title: 'Mine', isbn: null, tags: [4] } })
  const wrong = await app.inject({ method: 'POST', url: '/api/authors/1/books/', headers: JSON_HEADERS, payload: { title: 'Theirs', authorId: 2 } })
  t.equal(wrong.statusCode, 400)
  t.strictSame(wrong.json(), { stat: 'fail', err: FIELD_ERROR, codes: { authorId: ['inlineMismatch'] }, fields: { authorId: ['The inline value did not match the parent instance.'] } })
  const many = await app.inject({ method: 'POST', url: '/api/authors/1/books/', headers: JSON_HEADERS, payload: [{ title: 'A' }, { title: 'B' }] })
  t.equal(many.statusCode, 201)
  t.strictSame(many.json().books.map((b: { id: number }) => b.id), [2, 3])
  const changed = await app.inject({ method: 'PATCH', url: '/api/authors/1/books/', headers: JSON_HEADERS, payload: [{ id: 2, title: 'A2' }, { id: 3, DELETE: true }] })
  t.strictSame(changed.json(), { stat: 'ok', books: [{ id: 2, authorId: 1, editorId: null, title: 'A2', isbn: null, tags: [] }, null], deleted: [3] })
  const list = await app.inject({ url: '/api/authors/1/books/?max-results=1' })
  t.strictSame(list.json(), {
    stat: 'ok',
    books: [{ id: 1, authorId: 1, editorId: null, title: 'Mine', isbn: null, tags: [4] }],
    total_results: 2,
    links: { self: { href: url('/api/authors/1/books/?max-results=1'), method: 'GET' }, create: { href: url('/api/authors/1/books/'), method: 'POST' }, next: { href: url('/api/authors/1/books/?start=1&max-results=1'), method: 'GET' } }
  })
  t.strictSame((await app.inject({ url: '/api/authors/2/books/' })).json().books, [])
  const notYours = await app.inject({ method: 'PATCH', url: '/api/authors/2/books/', headers: JSON_HEADERS, payload: [{ id: 1, title: 'stolen' }] })
  t.strictSame(notYours.json().fields, { 'books-0-id': ['Select a valid choice. That choice is not one of the available choices.'] })
  t.equal((await app.inject({ method: 'POST', url: '/api/authors/1/books/', payload: { title: 'x' } })).statusCode, 401)
  t.equal((await app.inject({ method: 'DELETE', url: '/api/authors/1/books/', headers: JSON_HEADERS })).statusCode, 405)
  t.strictSame(rows('select id, authorId, title from books order by id'), [{ id: 1, authorId: 1, title: 'Mine' }, { id: 2, authorId: 1, title: 'A2' }])
})

t.test('all or nothing when the database refuses one row of a batch: that row\'s field error, never a 500', async (t) => {
  const { sqlite, rows } = await build(t)
  // cleanFormSet runs after every check: a row another writer inserts there meets the write, not the checks
  class Racing extends BookResource {
    name = 'racer'
    formSetClass = modelFormSet(this.formClass, { cleanFormSet: () => { sqlite.exec("insert into books (authorId, title, isbn) values (2, 'meanwhile', '2')") } })
  }
  const racing = Fastify()
  t.teardown(() => racing.close())
  signInFromHeader(racing)
  await racing.register(formResources, { db: (await import('drizzle-orm/better-sqlite3')).drizzle(sqlite), prefix: '/api', resources: [new Racing()] })
  const res = await racing.inject({ method: 'POST', url: '/api/racers/', headers: JSON_HEADERS, payload: [{ authorId: 1, title: 'A', isbn: '1', tags: [1] }, { authorId: 1, title: 'B', isbn: '2' }, { authorId: 1, title: 'C', isbn: '3' }] })
  t.equal(res.statusCode, 400)
  t.strictSame(res.json(), { stat: 'fail', err: FIELD_ERROR, codes: { 'racers-1-isbn': ['unique'] }, fields: { 'racers-1-isbn': ['Book with this ISBN already exists.'] }, items: { racers: { 1: { isbn: ['Book with this ISBN already exists.'] } } } })
  t.strictSame(rows('select title from books'), [{ title: 'meanwhile' }])
  t.strictSame(rows('select * from book_tags'), [])
})
