// The plugin's routes over pgTables (app.inject): exact payloads and the rows afterwards.
import t from 'tap'
import { bigint, integer, jsonb, numeric, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core'
import { FormResource, modelForm } from 'fastify-form-resources'
import { pgDatabase } from './helpers/pg.ts'
import { buildPgApp, itemLinks, SIGNED_IN, tables, url } from './helpers/pg-tables.ts'

const FIELD_ERROR = { code: 105, msg: 'One or more fields had errors', type: 'request-field-error' }

t.test('authors on PostgreSQL: create, read, list, update and delete with exact payloads', async (t) => {
  const { db, query } = await pgDatabase(t, tables)
  const app = await buildPgApp(t, db)
  const created = await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { name: 'Ann', title: 'MRS', birthDate: '1970-01-02', secret: 'no' } })
  t.equal(created.statusCode, 201)
  t.equal(created.headers.location, url('/api/authors/1/'))
  t.strictSame(created.json(), { stat: 'ok', author: { id: 1, name: 'Ann', title: 'MRS', birthDate: '1970-01-02', secret: null, links: itemLinks('/api/authors/1/') } })

  const read = await app.inject({ url: '/api/authors/1/' })
  t.equal(read.statusCode, 200)
  t.strictSame(read.json(), created.json())
  t.equal((await app.inject({ url: '/api/authors/1/', headers: { 'if-none-match': String(read.headers.etag) } })).statusCode, 304)

  const updated = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: { ...SIGNED_IN, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'title=MS' })
  t.equal(updated.statusCode, 200)
  t.strictSame(updated.json(), { stat: 'ok', author: { id: 1, name: 'Ann', title: 'MS', birthDate: '1970-01-02', secret: null, links: itemLinks('/api/authors/1/') } })

  await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { name: 'Bob' } })
  const list = await app.inject({ url: '/api/authors/?max-results=1' })
  t.strictSame(list.json(), {
    stat: 'ok',
    authors: [{ id: 1, name: 'Ann', title: 'MS', birthDate: '1970-01-02', secret: null, links: itemLinks('/api/authors/1/') }],
    total_results: 2,
    links: {
      self: { href: url('/api/authors/?max-results=1'), method: 'GET' },
      create: { href: url('/api/authors/'), method: 'POST' },
      next: { href: url('/api/authors/?start=1&max-results=1'), method: 'GET' }
    }
  })

  const deleted = await app.inject({ method: 'DELETE', url: '/api/authors/2/', headers: SIGNED_IN })
  t.equal(deleted.statusCode, 204)
  t.equal(deleted.body, '')
  t.strictSame(await query('SELECT id, name, title::text, birth_date::text, secret FROM authors ORDER BY id'), [
    { id: 1, name: 'Ann', title: 'MS', birth_date: '1970-01-02', secret: null }
  ])
})

t.test('authors on PostgreSQL: a duplicate, a bad choice and an over-long name answer 400 with field errors', async (t) => {
  const { db, query } = await pgDatabase(t, tables)
  const app = await buildPgApp(t, db)
  await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { name: 'Ann' } })
  const res = await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { name: 'Ann', title: 'DR' } })
  t.equal(res.statusCode, 400)
  t.strictSame(res.json(), {
    stat: 'fail',
    err: FIELD_ERROR,
    codes: { title: ['invalidChoice'], name: ['unique'] },
    fields: { title: ['Select a valid choice. DR is not one of the available choices.'], name: ['Author with this Name already exists.'] }
  })
  const long = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: SIGNED_IN, payload: { name: 'x'.repeat(201) } })
  t.strictSame(long.json(), { stat: 'fail', err: FIELD_ERROR, codes: { name: ['maxLength'] }, fields: { name: ['Ensure this value has at most 200 characters (it has 201).'] } })
  t.strictSame(await query('SELECT name FROM authors'), [{ name: 'Ann' }])
})

t.test('books on PostgreSQL: a missing author is a field error and a referenced author cannot be deleted', async (t) => {
  const { db, query } = await pgDatabase(t, tables)
  const app = await buildPgApp(t, db)
  const orphan = await app.inject({ method: 'POST', url: '/api/books/', headers: SIGNED_IN, payload: { title: 'Emma', authorId: 9 } })
  t.equal(orphan.statusCode, 400)
  t.strictSame(orphan.json(), { stat: 'fail', err: FIELD_ERROR, codes: { authorId: ['invalidChoice'] }, fields: { authorId: ['Select a valid choice. That choice is not one of the available choices.'] } })
  await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { name: 'Ann' } })
  const book = await app.inject({ method: 'POST', url: '/api/books/', headers: SIGNED_IN, payload: { title: 'Emma', pages: '474', authorId: '1' } })
  t.strictSame(book.json(), { stat: 'ok', book: { id: 1, title: 'Emma', pages: 474, authorId: 1, links: itemLinks('/api/books/1/') } })
  const inUse = await app.inject({ method: 'DELETE', url: '/api/authors/1/', headers: SIGNED_IN })
  t.equal(inUse.statusCode, 409)
  t.strictSame(inUse.json(), { stat: 'fail', err: { code: 206, msg: 'The item is still referred to by other items', type: 'resource-in-use' } })
  t.strictSame(await query('SELECT count(*)::int AS n FROM authors'), [{ n: 1 }])
})

t.test('an id beyond the serial column\'s range or not a number answers 404 on PostgreSQL', async (t) => {
  const { db } = await pgDatabase(t, tables)
  const app = await buildPgApp(t, db)
  const notFound = { stat: 'fail', err: { code: 100, msg: 'Object does not exist', type: 'resource-does-not-exist' } }
  for (const id of ['99999999999', 'abc', '1']) {
    const res = await app.inject({ url: `/api/authors/${id}/` })
    t.equal(res.statusCode, 404, id)
    t.strictSame(res.json(), notFound)
  }
})

const measures = pgTable('measures', {
  id: serial().primaryKey(),
  label: text().notNull(),
  count: bigint({ mode: 'bigint' }),
  price: numeric({ precision: 8, scale: 2 }),
  takenAt: timestamp('taken_at', { mode: 'date' }),
  extra: jsonb(),
  tags: integer().array()
})

class MeasureResource extends FormResource<typeof measures> {
  name = 'measure'
  table = measures
  formClass = modelForm(measures, { fields: '__all__' })
  hasModifyPermissions (): boolean { return true }
}

t.test('bigint, numeric, timestamp, jsonb and array columns travel through HTML forms and JSON', async (t) => {
  const { db, query } = await pgDatabase(t, { measures })
  const app = await buildPgApp(t, db, [new MeasureResource()])
  const created = await app.inject({
    method: 'POST',
    url: '/api/measures/',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'label=a&count=9223372036854775807&price=12.5&takenAt=2024-05-06T07:08:09Z&extra=%7B%22k%22%3A1%7D&tags=3,1'
  })
  t.equal(created.statusCode, 201)
  const item = { id: 1, label: 'a', count: '9223372036854775807', price: '12.50', takenAt: '2024-05-06T07:08:09.000Z', extra: { k: 1 }, tags: [3, 1], links: itemLinks('/api/measures/1/') }
  t.strictSame(created.json(), { stat: 'ok', measure: item })
  t.strictSame((await app.inject({ url: '/api/measures/1/' })).json(), { stat: 'ok', measure: item })
  const bad = await app.inject({ method: 'POST', url: '/api/measures/', payload: { label: 'b', tags: [1, 'two'], count: '1e3' } })
  t.strictSame(bad.json(), { stat: 'fail', err: FIELD_ERROR, codes: { count: ['invalid'], tags: ['itemInvalid'] }, fields: { count: ['Enter a whole number.'], tags: ['Item 2 in the array did not validate: Enter a whole number.'] } })
  t.strictSame(await query('SELECT count::text, price::text, tags FROM measures'), [{ count: '9223372036854775807', price: '12.50', tags: [3, 1] }])
})
