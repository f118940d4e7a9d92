import { join } from 'node:path'
import t from 'tap'
import Database from 'better-sqlite3'
import { INVALID_FORM_DATA, localStorage, NOT_LOGGED_IN } from 'fastify-form-resources'
import { buildApp } from '../example-app/app.ts'
import { failure, itemLinks, url } from './helpers/app.ts'
import { filesIn, IMAGES, multipart, tempDir } from './helpers/files.ts'

const DEMO = { authorization: 'Bearer demo' }

async function exampleApp (t: { teardown (fn: () => unknown): void }, options: Parameters<typeof buildApp>[0] = {}) {
  const app = await buildApp(options)
  t.teardown(async () => await app.close())
  return app
}

t.test('the example app in memory answers an empty author list', async (t) => {
  const app = await exampleApp(t)
  const res = await app.inject({ method: 'GET', url: '/api/authors/' })
  t.equal(res.statusCode, 200)
  t.strictSame(res.json(), {
    stat: 'ok',
    authors: [],
    total_results: 0,
    links: { self: { href: url('/api/authors/'), method: 'GET' }, create: { href: url('/api/authors/'), method: 'POST' } }
  })
  const notes = await app.inject({ method: 'GET', url: '/api/sticky-notes/' })
  t.strictSame(notes.json(), {
    stat: 'ok',
    stickyNotes: [],
    total_results: 0,
    links: { self: { href: url('/api/sticky-notes/'), method: 'GET' }, create: { href: url('/api/sticky-notes/'), method: 'POST' } }
  })
  const root = await app.inject({ method: 'GET', url: '/api/' })
  t.strictSame(root.json(), { resources: ['/api/authors/', '/api/books/', '/api/tags/', '/api/sticky-notes/'] })
})

t.test('the example app creates an author with the demo bearer token only', async (t) => {
  const app = await exampleApp(t)
  const author = { name: 'Ann Leckie', title: 'MS', birthDate: '1966-03-02' }
  let res = await app.inject({ method: 'POST', url: '/api/authors/', payload: author })
  t.equal(res.statusCode, 401)
  t.same(res.json(), failure(NOT_LOGGED_IN))
  t.equal(res.headers['www-authenticate'], 'Bearer realm="example"', 'a bearer challenge: a browser shows no password dialog')
  res = await app.inject({ method: 'POST', url: '/api/authors/', headers: { authorization: 'Bearer wrong' }, payload: author })
  t.equal(res.statusCode, 401)

  res = await app.inject({ method: 'POST', url: '/api/authors/', headers: DEMO, payload: author })
  t.equal(res.statusCode, 201)
  t.equal(res.headers.location, url('/api/authors/1/'))
  t.strictSame(res.json(), { stat: 'ok', author: { id: 1, ...author, avatar: null, books: [], links: itemLinks('/api/authors/1/') } })

  res = await app.inject({ method: 'POST', url: '/api/authors/', headers: DEMO, payload: { name: 'Ann Leckie', title: 'DR', birthDate: 'soon' } })
  t.equal(res.statusCode, 400)
  t.strictSame(res.json(), failure(INVALID_FORM_DATA, {
    codes: { title: ['invalidChoice'], birthDate: ['invalid'], name: ['unique'] },
    fields: {
      title: ['Select a valid choice. DR is not one of the available choices.'],
      birthDate: ['Enter a valid date.'],
      name: ['Author with this Name already exists.']
    }
  }))

  res = await app.inject({ method: 'PATCH', url: '/api/authors/1/', headers: DEMO, payload: { title: 'MRS' } })
  t.equal(res.statusCode, 200)
  t.strictSame(res.json().author, { id: 1, ...author, title: 'MRS', avatar: null, books: [], links: itemLinks('/api/authors/1/') })
  res = await app.inject({ method: 'DELETE', url: '/api/authors/1/' })
  t.equal(res.statusCode, 401)
  res = await app.inject({ method: 'DELETE', url: '/api/authors/1/', headers: DEMO })
  t.equal(res.statusCode, 204)
  t.strictSame((await app.inject({ method: 'GET', url: '/api/authors/' })).json().authors, [])
})

t.test('the example app\'s authors have an avatar: an image of at most 2 MB, served at /uploads/, the replaced one deleted', async (t) => {
  const root = await tempDir(t, 'example-uploads')
  const app = await exampleApp(t, { storage: localStorage({ root }) })
  const body = await multipart({ name: 'Ann Leckie', title: 'MS', avatar: { content: IMAGES.jpeg, filename: 'Ann Leckie.jpg', type: 'image/jpeg' } })
  const res = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...DEMO, ...body.headers }, payload: body.payload })
  t.equal(res.statusCode, 201)
  const [key] = await filesIn(root)
  t.match(key, /^avatars\/Ann-Leckie-[0-9a-f]{16}\.jpg$/)
  t.strictSame(res.json().author, { id: 1, name: 'Ann Leckie', title: 'MS', birthDate: null, avatar: url(`/uploads/${key}`), books: [], links: itemLinks('/api/authors/1/') })
  const served = await app.inject({ url: `/uploads/${key}` })
  t.equal(served.headers['content-type'], 'image/jpeg')
  t.same(served.rawPayload, IMAGES.jpeg)

  const replace = await multipart({ avatar: { content: IMAGES.gif, filename: 'new.gif' } })
  t.equal((await app.inject({ method: 'PATCH', url: '/api/authors/1/', headers: { ...DEMO, ...replace.headers }, payload: replace.payload })).statusCode, 200)
  t.match(await filesIn(root), [/^avatars\/new-[0-9a-f]{16}\.gif$/], 'the old avatar is deleted (deleteReplaced)')
  const bad = await multipart({ avatar: [{ content: 'not an image', filename: 'x.png' }] })
  const refused = await app.inject({ method: 'PATCH', url: '/api/authors/1/', headers: { ...DEMO, ...bad.headers }, payload: bad.payload })
  t.strictSame(refused.json(), failure(INVALID_FORM_DATA, { codes: { avatar: ['invalidImage'] }, fields: { avatar: ['Upload a valid image. The file you uploaded was either not an image or a corrupted image.'] } }))
  const big = await multipart({ avatar: { content: Buffer.concat([IMAGES.png, Buffer.alloc(2 * 1024 * 1024)]), filename: 'big.png' } })
  const tooBig = await app.inject({ method: 'PATCH', url: '/api/authors/1/', headers: { ...DEMO, ...big.headers }, payload: big.payload })
  t.strictSame(tooBig.json().fields, { avatar: [`Ensure this file has at most 2097152 bytes (it has ${2 * 1024 * 1024 + IMAGES.png.length}).`] })
  const cleared = await app.inject({ method: 'PATCH', url: '/api/authors/1/', headers: DEMO, payload: { avatar: null } })
  t.equal(cleared.json().author.avatar, null)
  t.strictSame(await filesIn(root), [])
})

t.test('the example app\'s sticky notes carry their timestamp', async (t) => {
  const app = await exampleApp(t)
  const before = Math.floor(Date.now() / 1000) * 1000
  let res = await app.inject({ method: 'POST', url: '/api/sticky-notes/', headers: DEMO, payload: { text: 'line one\r\nline two' } })
  t.equal(res.statusCode, 201)
  t.equal(res.headers.location, url('/api/sticky-notes/1/'))
  const note = res.json().stickyNote
  t.equal(note.text, 'line one\nline two', 'the parse hook normalised the line ends')
  const stamped = Date.parse(note.timestamp)
  t.ok(stamped >= before && stamped <= Date.now(), 'the database stamped the note now')
  t.match(note.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/)

  res = await app.inject({ method: 'POST', url: '/api/sticky-notes/', headers: DEMO, payload: { text: 'dated', timestamp: '2024-01-02T03:04:05+01:00' } })
  t.equal(res.statusCode, 201)
  t.strictSame(res.json(), { stat: 'ok', stickyNote: { id: 2, timestamp: '2024-01-02T02:04:05.000Z', text: 'dated', links: itemLinks('/api/sticky-notes/2/') } })

  res = await app.inject({ method: 'POST', url: '/api/sticky-notes/', headers: DEMO, payload: { text: '', timestamp: 'yesterday' } })
  t.equal(res.statusCode, 400)
  t.strictSame(res.json(), failure(INVALID_FORM_DATA, { codes: { text: ['required'], timestamp: ['invalid'] }, fields: { text: ['This field is required.'], timestamp: ['Enter a valid date/time.'] } }))

  const list = await app.inject({ method: 'GET', url: '/api/sticky-notes/' })
  t.equal(list.json().total_results, 2)
  t.strictSame(list.json().stickyNotes[1], { id: 2, timestamp: '2024-01-02T02:04:05.000Z', text: 'dated', links: itemLinks('/api/sticky-notes/2/') })
})

t.test('the example app\'s sticky note form keeps one blank line in a row and refuses a date in the future', async (t) => {
  const app = await exampleApp(t)
  let res = await app.inject({ method: 'POST', url: '/api/sticky-notes/', headers: DEMO, payload: { text: 'one\r\n\r\n\r\n\r\ntwo\n\n\nthree', timestamp: '2024-01-02T03:04:05Z' } })
  t.equal(res.statusCode, 201)
  t.equal(res.json().stickyNote.text, 'one\n\ntwo\n\nthree', 'the parse hook, then the clean hook')
  res = await app.inject({ method: 'POST', url: '/api/sticky-notes/', headers: DEMO, payload: { text: 'later', timestamp: '2999-01-01T00:00:00Z' } })
  t.equal(res.statusCode, 400)
  t.strictSame(res.json(), failure(INVALID_FORM_DATA, { codes: { __all__: ['invalid'] }, fields: { __all__: ['A note cannot be dated in the future.'] } }))
})

t.test('the example app applies its migrations to an on-disk database', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'example.db')
  const app = await exampleApp(t, { dbFile: file, token: 'secret' })
  const res = await app.inject({ method: 'POST', url: '/api/authors/', headers: { authorization: 'Bearer secret' }, payload: { name: 'Ann Leckie' } })
  t.equal(res.statusCode, 201)
  await app.close()

  const sqlite = new Database(file, { readonly: true })
  t.teardown(() => sqlite.close())
  t.equal(sqlite.pragma('journal_mode', { simple: true }), 'wal')
  const tables = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all()
  t.strictSame(tables, [{ name: '__drizzle_migrations' }, { name: 'authors' }, { name: 'book_tags' }, { name: 'books' }, { name: 'sticky_notes' }, { name: 'tags' }])
  t.strictSame(sqlite.prepare('SELECT id, name, title, birth_date FROM authors').all(), [{ id: 1, name: 'Ann Leckie', title: null, birth_date: null }])
  // an author's books (the inline, the child URL, a list page) and a tag's books are read through an index, not a scan
  const plan = (query: string): string => sqlite.prepare(`EXPLAIN QUERY PLAN ${query}`).all().map((row) => (row as { detail: string }).detail).join('; ')
  t.match(plan('SELECT * FROM books WHERE author_id = 1'), /USING INDEX books_author_id_idx/)
  t.match(plan('SELECT * FROM books WHERE author_id IN (1, 2, 3)'), /USING INDEX books_author_id_idx/)
  t.match(plan('SELECT * FROM book_tags WHERE tag_id = 1'), /USING (COVERING )?INDEX book_tags_tag_id_idx/)

  const again = await exampleApp(t, { dbFile: file })
  const list = await again.inject({ method: 'GET', url: '/api/authors/?only-fields=name&only-links=' })
  t.strictSame(list.json().authors, [{ name: 'Ann Leckie', links: {} }], 'a second start keeps the data and applies nothing twice')
})

t.test('the example app: an author\'s books as an inline formset, tags on books, bulk authors', async (t) => {
  const app = await exampleApp(t)
  const tags = await app.inject({ method: 'POST', url: '/api/tags/', headers: DEMO, payload: [{ name: 'sf' }, { name: 'space opera' }] })
  t.equal(tags.statusCode, 201)
  t.strictSame(tags.json().tags.map((tag: { id: number, name: string }) => [tag.id, tag.name]), [[1, 'sf'], [2, 'space opera']])
  const created = await app.inject({ method: 'POST', url: '/api/authors/', headers: DEMO, payload: { name: 'Ann Leckie', books: [{ title: 'Ancillary Justice', isbn: '9780316246620', tags: [2, 1] }, { title: 'Provenance', published: true }] } })
  t.equal(created.statusCode, 201)
  const books = [
    { id: 1, authorId: 1, title: 'Ancillary Justice', isbn: '9780316246620', published: false, cover: null, tags: [1, 2] },
    { id: 2, authorId: 1, title: 'Provenance', isbn: null, published: true, cover: null, tags: [] }
  ]
  t.strictSame(created.json(), { stat: 'ok', author: { id: 1, name: 'Ann Leckie', title: null, birthDate: null, avatar: null, books, links: itemLinks('/api/authors/1/') } })
  t.strictSame((await app.inject({ url: '/api/authors/1/books/' })).json().books, books)
  const duplicate = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: DEMO, payload: { books: [{ title: 'Again', isbn: '9780316246620' }] } })
  t.equal(duplicate.statusCode, 400)
  t.strictSame(duplicate.json(), failure(INVALID_FORM_DATA, { codes: { 'books-0-isbn': ['unique'] }, fields: { 'books-0-isbn': ['Book with this ISBN already exists.'] }, items: { books: { 0: { isbn: ['Book with this ISBN already exists.'] } } } }))
  const book = await app.inject({ method: 'PATCH', url: '/api/books/2/', headers: DEMO, payload: { tags: [1] } })
  t.strictSame(book.json().book, { ...books[1], tags: [1], links: itemLinks('/api/books/2/') })
  const bulk = await app.inject({ method: 'POST', url: '/api/authors/', headers: DEMO, payload: [{ name: 'Iain Banks' }, { name: 'Ursula K. Le Guin', title: 'MRS' }] })
  t.equal(bulk.statusCode, 201)
  t.strictSame(bulk.json().authors.map((a: { id: number, books: unknown[] }) => [a.id, a.books]), [[2, []], [3, []]])
  const form = await app.inject({ method: 'POST', url: '/api/books/', headers: { ...DEMO, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'authorId=2&title=Excession&tags=1&tags=2' })
  t.equal(form.statusCode, 201)
  t.strictSame(form.json().book.tags, [1, 2])
})

t.test('the page\'s form body: an extra book form left empty but for its checkbox\'s hidden false is skipped', async (t) => {
  const app = await exampleApp(t)
  await app.inject({ method: 'POST', url: '/api/authors/', headers: DEMO, payload: { name: 'U', books: [{ title: 'A' }, { title: 'B' }] } })
  const form = { ...DEMO, 'content-type': 'application/x-www-form-urlencoded' }
  const books = 'books-TOTAL_FORMS=3&books-INITIAL_FORMS=2&books-0-id=1&books-0-title=A2&books-0-published=false&books-0-published=on&books-1-id=2&books-1-title=B&books-1-published=false&books-1-DELETE=on&books-2-title=&books-2-isbn=&books-2-published=false'
  const res = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: form, payload: `name=Ursula&${books}` })
  t.equal(res.statusCode, 200)
  t.strictSame(res.json().author.books.map((b: { title: string, published: boolean }) => [b.title, b.published]), [['A2', true]])
  const ticked = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: form, payload: 'books-TOTAL_FORMS=2&books-INITIAL_FORMS=1&books-0-id=1&books-0-title=A2&books-1-title=&books-1-published=false&books-1-published=on' })
  t.equal(ticked.statusCode, 400, 'a ticked box is a change: the extra form is validated')
  t.strictSame(ticked.json().fields, { 'books-1-title': ['This field is required.'] })
})
