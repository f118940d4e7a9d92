// Values a hostile client can send that once reached a 500 or stored what the client did not
// send: JSON nested past the limit, lone UTF-16 surrogates in text, `_method` of any type, and
// query values that are not strings. Each on SQLite and PostgreSQL where the database matters.
import t from 'tap'
import Database from 'better-sqlite3'
import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { jsonb, pgTable, serial, varchar } from 'drizzle-orm/pg-core'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import formResources, { defineResource, MAX_JSON_DEPTH, modelForm } from 'fastify-form-resources'
import { pgDatabase } from './helpers/pg.ts'

const sqliteThings = sqliteTable('things', {
  id: integer().primaryKey({ autoIncrement: true }),
  name: text({ length: 50 }).notNull().unique(),
  meta: text({ mode: 'json' })
})
const pgThings = pgTable('things', {
  id: serial().primaryKey(),
  name: varchar({ length: 50 }).notNull().unique(),
  meta: jsonb()
})

type Dialect = 'sqlite' | 'postgresql'
interface ThingsApp { app: FastifyInstance, rows: () => Promise<Array<{ id: number, name: string, meta: unknown }>> }

async function thingsApp (t: { teardown (fn: () => unknown): void }, dialect: Dialect, fastify: FastifyServerOptions = {}): Promise<ThingsApp> {
  let db: unknown
  let table: typeof sqliteThings | typeof pgThings
  let rows: ThingsApp['rows']
  if (dialect === 'sqlite') {
    const sqlite = new Database(':memory:')
    t.teardown(() => sqlite.close())
    const sqliteDb = drizzle(sqlite)
    sqliteDb.run(sql`create table things (id integer primary key autoincrement, name text(50) not null unique, meta text)`)
    db = sqliteDb
    table = sqliteThings
    rows = async () => sqlite.prepare('select id, name, meta from things order by id').all().map((row: any) => ({ ...row, meta: row.meta === null ? null : JSON.parse(row.meta) }))
  } else {
    const pg = await pgDatabase(t, { things: pgThings })
    db = pg.db
    table = pgThings
    rows = async () => await pg.query('select id, name, meta from things order by id') as never
  }
  const resource = defineResource({
    name: 'thing',
    table: table as typeof sqliteThings,
    formClass: modelForm(table as typeof sqliteThings, { fields: ['name', 'meta'] }),
    hasModifyPermissions: () => true,
    hasDeletePermissions: () => true
  })
  const app = Fastify(fastify)
  t.teardown(() => app.close())
  await app.register(formResources, { db, prefix: '/api', resources: [resource] })
  return { app, rows }
}

const FIELD_ERROR = { code: 105, msg: 'One or more fields had errors', type: 'request-field-error' }
const fieldErrors = (fields: Record<string, string[]>, codes: Record<string, string[]>): Record<string, unknown> => ({ stat: 'fail', err: FIELD_ERROR, fields, codes })
const TOO_DEEP_BODY = {
  stat: 'fail',
  err: { code: 200, msg: 'The request body could not be parsed', type: 'request-body-malformed', detail: `Invalid JSON: nested more than ${MAX_JSON_DEPTH + 2} levels deep.` }
}
const TOO_DEEP_FIELD = `Ensure this value has at most ${MAX_JSON_DEPTH} levels of nesting.`

/** A JSON text nested `depth` levels deep: arrays, or objects with `objects`. */
function nested (depth: number, { objects = false } = {}): string {
  return objects ? '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1) : '['.repeat(depth) + ']'.repeat(depth)
}

t.test('the JSON depth limit is 64', async (t) => {
  t.equal(MAX_JSON_DEPTH, 64)
})

for (const dialect of ['sqlite', 'postgresql'] as const) {
  t.test(`${dialect}: JSON nested past the limit is a 400, never a 500, and nothing is written`, async (t) => {
    const { app, rows } = await thingsApp(t, dialect)
    const send = (payload: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
      app.inject({ method: 'POST', url: '/api/things/', headers, payload })

    t.test('a body 10,000 levels deep: MALFORMED_BODY', async (t) => {
      for (const body of [`{"name": "deep", "meta": ${nested(10_000)}}`, `{"name": "deep", "meta": ${nested(10_000, { objects: true })}}`, nested(10_000)]) {
        const res = await send(body)
        t.equal(res.statusCode, 400)
        t.strictSame(res.json(), TOO_DEEP_BODY)
      }
      const item = await app.inject({ method: 'PUT', url: '/api/things/1/', headers: { 'content-type': 'application/json' }, payload: `{"meta": ${nested(10_000)}}` })
      t.strictSame([item.statusCode, item.json()], [400, TOO_DEEP_BODY], 'the item routes parse bodies the same way')
    })
    t.test('brackets inside strings do not count', async (t) => {
      const res = await send(JSON.stringify({ name: 'brackets', meta: { text: '['.repeat(500) + '{'.repeat(500) } }))
      t.equal(res.statusCode, 201)
    })
    t.test('a json field one level past the limit: the field\'s message', async (t) => {
      for (const objects of [false, true]) {
        const res = await send(`{"name": "deep", "meta": ${nested(MAX_JSON_DEPTH + 1, { objects })}}`)
        t.equal(res.statusCode, 400)
        t.strictSame(res.json(), fieldErrors({ meta: [TOO_DEEP_FIELD] }, { meta: ['maxDepth'] }))
      }
    })
    t.test('an HTML form sending a json field as text 10,000 levels deep: the field\'s message', async (t) => {
      const res = await send(new URLSearchParams({ name: 'deep', meta: nested(10_000) }).toString(), { 'content-type': 'application/x-www-form-urlencoded' })
      t.equal(res.statusCode, 400)
      t.strictSame(res.json(), fieldErrors({ meta: [TOO_DEEP_FIELD] }, { meta: ['maxDepth'] }))
    })
    t.test('a json field at the limit is stored and read back as sent', async (t) => {
      const deepest = JSON.parse(nested(MAX_JSON_DEPTH, { objects: true }))
      const res = await send(JSON.stringify({ name: 'at the limit', meta: deepest }))
      t.equal(res.statusCode, 201)
      t.strictSame(res.json().thing.meta, deepest)
      const read = await app.inject({ url: `/api/things/${res.json().thing.id as number}/` })
      t.strictSame(read.json().thing.meta, deepest)
    })
    t.test('only the accepted bodies were written', async (t) => {
      t.strictSame((await rows()).map((row) => row.name), ['brackets', 'at the limit'])
    })
  })

  t.test(`${dialect}: lone UTF-16 surrogates in text are refused, so what is stored is what the client sent and uniqueness holds as it sees it`, async (t) => {
    const { app, rows } = await thingsApp(t, dialect)
    const create = (payload: unknown) => app.inject({ method: 'POST', url: '/api/things/', payload: payload as Record<string, unknown> })
    for (const name of ['dup\ud800', 'dup\udc00', '\udfffdup', 'd\ud800\ud800up']) {
      const res = await create({ name })
      t.equal(res.statusCode, 400, JSON.stringify(name))
      t.strictSame(res.json(), fieldErrors({ name: ['Enter a valid value.'] }, { name: ['invalid'] }))
    }
    const form = await app.inject({ method: 'POST', url: '/api/things/', headers: { 'content-type': 'application/json' }, payload: '{"name": "dup\\ud800"}' })
    t.strictSame([form.statusCode, form.json()], [400, fieldErrors({ name: ['Enter a valid value.'] }, { name: ['invalid'] })], 'the escape as the client wrote it')
    const inJson = await create({ name: 'json', meta: { key: 'x\ud800' } })
    t.strictSame([inJson.statusCode, inJson.json()], [400, fieldErrors({ meta: ['Enter a valid JSON.'] }, { meta: ['invalid'] })], 'in a json field\'s strings too')
    const inKey = await create({ name: 'json', meta: { 'k\udc00': 1 } })
    t.strictSame([inKey.statusCode, inKey.json()], [400, fieldErrors({ meta: ['Enter a valid JSON.'] }, { meta: ['invalid'] })], 'and in its keys')

    const pair = await create({ name: 'dup\ud83d\ude00', meta: { smile: '\ud83d\ude00' } })
    t.equal(pair.statusCode, 201, 'a surrogate pair is a character like any other')
    t.equal(pair.json().thing.name, 'dup😀')
    const again = await create({ name: 'dup😀' })
    t.strictSame(again.json(), fieldErrors({ name: ['Thing with this Name already exists.'] }, { name: ['unique'] }))
    const update = await app.inject({ method: 'PATCH', url: `/api/things/${pair.json().thing.id as number}/`, payload: { name: 'x\ud800' } })
    t.strictSame([update.statusCode, update.json()], [400, fieldErrors({ name: ['Enter a valid value.'] }, { name: ['invalid'] })])
    t.strictSame(await rows(), [{ id: pair.json().thing.id, name: 'dup😀', meta: { smile: '😀' } }])
  })
}

t.test('_method of any type never reaches String(): 405 with Allow, nothing written', async (t) => {
  const { app, rows } = await thingsApp(t, 'sqlite')
  await app.inject({ method: 'POST', url: '/api/things/', payload: { name: 'kept' } })
  const hostile = ['{"_method": {"toString": 1}}', '{"_method": {"toUpperCase": 1, "toString": null, "valueOf": null}}', '{"_method": ["PUT"]}', '{"_method": 7}',
    '{"_method": null}', '{"_method": true}', '{"_method": {}}', '{"_method": [{"toString": 1}]}', '{"_method": "PUT\\u0000"}', '{"_method": ""}']
  for (const payload of hostile) {
    const res = await app.inject({ method: 'POST', url: '/api/things/1/', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ ...JSON.parse(payload), name: 'changed' }) })
    t.equal(res.statusCode, 405, payload)
    t.equal(res.headers.allow, 'GET, PUT, PATCH, DELETE', payload)
    t.strictSame(res.json(), { stat: 'fail', err: { code: 204, msg: 'This method is not allowed here', type: 'request-method-not-allowed' } }, payload)
  }
  const repeated = await app.inject({ method: 'POST', url: '/api/things/1/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '_method=PUT&_method=DELETE&name=changed' })
  t.equal(repeated.statusCode, 405, 'a repeated form field is a list')
  t.strictSame(await rows(), [{ id: 1, name: 'kept', meta: null }])
  const honest = await app.inject({ method: 'POST', url: '/api/things/1/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '_method=put&name=changed' })
  t.equal(honest.statusCode, 200, 'a string _method still tunnels')
  t.strictSame(await rows(), [{ id: 1, name: 'changed', meta: null }])
})

t.test('query values that are not strings (an app\'s own querystring parser) fall back to the defaults, never a 500', async (t) => {
  const hostile = { start: { toString: 1 }, 'max-results': [{ valueOf: 1 }], 'only-fields': { toString: 1 }, 'only-links': ['self'] }
  const { app } = await thingsApp(t, 'sqlite', { querystringParser: () => hostile as never })
  await app.inject({ method: 'POST', url: '/api/things/', payload: { name: 'one' } })
  const list = await app.inject({ url: '/api/things/?x' })
  t.equal(list.statusCode, 200)
  t.equal(list.json().things.length, 1)
  t.strictSame(Object.keys(list.json().things[0]), ['id', 'name', 'meta', 'links'], 'only-fields that is no string trims nothing')
  const item = await app.inject({ url: '/api/things/1/?x' })
  t.equal(item.statusCode, 200)
  const numbers = await thingsApp(t, 'sqlite', { querystringParser: () => ({ start: 0, 'max-results': 1 }) as never })
  await numbers.app.inject({ method: 'POST', url: '/api/things/', payload: { name: 'one' } })
  await numbers.app.inject({ method: 'POST', url: '/api/things/', payload: { name: 'two' } })
  const page = await numbers.app.inject({ url: '/api/things/?x' })
  t.strictSame([page.statusCode, page.json().things.length, page.json().total_results], [200, 1, 2], 'numbers are read as numbers')
})
