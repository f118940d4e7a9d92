import { randomBytes } from 'node:crypto'
import t from 'tap'
import pg from 'pg'
import { localStorage } from 'fastify-form-resources'
import { buildApp } from '../example-app/app.ts'
import { filesIn, IMAGES, multipart, tempDir } from './helpers/files.ts'
import { DATABASE_URL } from './helpers/pg.ts'
import { itemLinks, url } from './helpers/app.ts'

const DEMO = { authorization: 'Bearer demo' }

// buildApp takes a server URL and migrates it, so this suite needs a real PostgreSQL: CI sets DATABASE_URL
t.test('the example app on PostgreSQL migrates a fresh database and serves the same API', { skip: DATABASE_URL === undefined ? 'DATABASE_URL is not set' : false }, async (t) => {
  const name = `ffr_example_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  const databaseUrl = new URL(DATABASE_URL!)
  databaseUrl.pathname = `/${name}`
  // one folder for both instances stands in for the S3 bucket instances on several machines would share
  const storage = localStorage({ root: await tempDir(t, 'example-pg-uploads') })
  const apps = await Promise.all([buildApp({ databaseUrl: databaseUrl.href, storage }), buildApp({ databaseUrl: databaseUrl.href, storage })])
  // the apps' pools end before the database goes
  t.teardown(async () => {
    for (const app of apps) await app.close()
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`)
    await admin.end()
  })
  const [one, two] = apps

  const empty = await one.inject({ url: '/api/authors/' })
  t.strictSame(empty.json(), {
    stat: 'ok',
    authors: [],
    total_results: 0,
    links: { self: { href: url('/api/authors/'), method: 'GET' }, create: { href: url('/api/authors/'), method: 'POST' } }
  })
  const author = { name: 'Ann Leckie', title: 'MS', birthDate: '1966-03-02' }
  const created = await one.inject({ method: 'POST', url: '/api/authors/', headers: DEMO, payload: author })
  t.equal(created.statusCode, 201)
  t.strictSame(created.json(), { stat: 'ok', author: { id: 1, ...author, avatar: null, books: [], links: itemLinks('/api/authors/1/') } })
  const duplicate = await two.inject({ method: 'POST', url: '/api/authors/', headers: DEMO, payload: author })
  t.equal(duplicate.statusCode, 400, 'the second instance sees the first one\'s row')
  t.strictSame(duplicate.json().fields, { name: ['Author with this Name already exists.'] })

  const body = await multipart({ avatar: { content: IMAGES.webp, filename: 'ann.webp' } })
  const avatar = await two.inject({ method: 'PATCH', url: '/api/authors/1/', headers: { ...DEMO, ...body.headers }, payload: body.payload })
  t.equal(avatar.statusCode, 200)
  const [key] = await filesIn(storage.root)
  t.match(key, /^avatars\/ann-[0-9a-f]{16}\.webp$/)
  t.equal((await one.inject({ url: '/api/authors/1/' })).json().author.avatar, url(`/uploads/${key}`), 'the other instance serves the same URL')

  const mine = new pg.Client({ connectionString: databaseUrl.href })
  await mine.connect()
  const { rows: own } = await mine.query('SELECT indexname FROM pg_indexes WHERE tablename IN (\'books\', \'book_tags\') AND indexname LIKE \'%_idx\' ORDER BY indexname').finally(() => mine.end())
  t.strictSame(own.map((row) => row.indexname), ['book_tags_tag_id_idx', 'books_author_id_idx'], 'an author\'s books and a tag\'s books are indexed')

  const note = await two.inject({ method: 'POST', url: '/api/sticky-notes/', headers: DEMO, payload: { text: 'hi', timestamp: '2026-01-02T03:04:05+01:00' } })
  t.equal(note.statusCode, 201)
  t.equal(note.json().stickyNote.timestamp, '2026-01-02T02:04:05.000Z')

  // the server ends the apps' idle connections (a restart would): the apps log it, keep running and connect again
  const { rows: ended } = await admin.query('SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name])
  t.ok(ended.length > 0, 'the apps had idle connections')
  await new Promise((resolve) => setTimeout(resolve, 200))
  for (const app of apps) {
    const again = await app.inject({ url: '/api/authors/1/' })
    t.equal(again.statusCode, 200, 'still serving after its connections were ended')
  }
})

t.test('the example app on PostgreSQL: books as an inline formset with tags', { skip: DATABASE_URL === undefined ? 'DATABASE_URL is not set' : false }, async (t) => {
  const name = `ffr_example_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  const databaseUrl = new URL(DATABASE_URL!)
  databaseUrl.pathname = `/${name}`
  const app = await buildApp({ databaseUrl: databaseUrl.href })
  t.teardown(async () => {
    await app.close()
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`)
    await admin.end()
  })
  await app.inject({ method: 'POST', url: '/api/tags/', headers: DEMO, payload: [{ name: 'sf' }, { name: 'space opera' }] })
  const created = await app.inject({ method: 'POST', url: '/api/authors/', headers: DEMO, payload: { name: 'Ann Leckie', books: [{ title: 'Ancillary Justice', tags: [2, 1] }, { title: 'Provenance' }] } })
  t.equal(created.statusCode, 201)
  t.strictSame(created.json().author.books, [
    { id: 1, authorId: 1, title: 'Ancillary Justice', isbn: null, published: false, cover: null, tags: [1, 2] },
    { id: 2, authorId: 1, title: 'Provenance', isbn: null, published: false, cover: null, tags: [] }
  ])
  const changed = await app.inject({ method: 'PATCH', url: '/api/authors/1/books/', headers: DEMO, payload: [{ id: 2, DELETE: true }, { title: 'The Raven Tower', tags: [1] }] })
  t.strictSame(changed.json(), { stat: 'ok', books: [null, { id: 3, authorId: 1, title: 'The Raven Tower', isbn: null, published: false, cover: null, tags: [1] }], deleted: [2] })
  t.strictSame((await app.inject({ url: '/api/authors/1/' })).json().author.books.map((b: { id: number }) => b.id), [1, 3])
})
