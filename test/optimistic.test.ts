import t from 'tap'
import Database from 'better-sqlite3'
import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { integer as pgInteger, pgTable, serial, varchar } from 'drizzle-orm/pg-core'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import Fastify, { type FastifyInstance } from 'fastify'
import formResources, { defineResource, modelForm } from 'fastify-form-resources'
import { pgDatabase } from './helpers/pg.ts'

const sqliteCounters = sqliteTable('counters', {
  id: integer().primaryKey({ autoIncrement: true }),
  label: text({ length: 50 }).notNull(),
  count: integer().notNull().default(0),
  version: integer().notNull().default(1)
})
const pgCounters = pgTable('counters', {
  id: serial().primaryKey(),
  label: varchar({ length: 50 }).notNull(),
  count: pgInteger().notNull().default(0),
  version: pgInteger().notNull().default(1)
})

type Dialect = 'sqlite' | 'postgresql'

async function counterApp (t: { teardown (fn: () => unknown): void }, dialect: Dialect): Promise<FastifyInstance> {
  let db: unknown
  let table: typeof sqliteCounters | typeof pgCounters
  if (dialect === 'sqlite') {
    const sqlite = new Database(':memory:')
    t.teardown(() => sqlite.close())
    const sqliteDb = drizzle(sqlite)
    sqliteDb.run(sql`create table counters (id integer primary key autoincrement, label text not null, count integer not null default 0, version integer not null default 1)`)
    db = sqliteDb
    table = sqliteCounters
  } else {
    db = (await pgDatabase(t, { counters: pgCounters })).db
    table = pgCounters
  }
  const resource = defineResource({
    name: 'counter',
    table: table as typeof sqliteCounters,
    formClass: modelForm(table as typeof sqliteCounters, { fields: ['label', 'count'] }),
    versionColumn: 'version',
    hasModifyPermissions: () => true,
    hasDeletePermissions: () => true
  })
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(formResources, { db, prefix: '/api', resources: [resource] })
  return app
}

for (const dialect of ['sqlite', 'postgresql'] as const) {
  t.test(`${dialect}: the version column is bumped by every update and never written from a request`, async (t) => {
    const app = await counterApp(t, dialect)
    const created = await app.inject({ method: 'POST', url: '/api/counters/', payload: { label: 'hits', version: 99 } })
    t.equal(created.statusCode, 201)
    t.equal(created.json().counter.version, 1)
    const first = await app.inject({ method: 'PATCH', url: '/api/counters/1/', payload: { count: 5, version: 50 } })
    t.same([first.statusCode, first.json().counter.count, first.json().counter.version], [200, 5, 2])
    const second = await app.inject({ method: 'PUT', url: '/api/counters/1/', payload: {} })
    t.same([second.statusCode, second.json().counter.count, second.json().counter.version], [200, 5, 3], 'an update that changes nothing still bumps the version')
  })

  t.test(`${dialect}: a stale If-Match is refused with 412 and the current ETag, and nothing is written`, async (t) => {
    const app = await counterApp(t, dialect)
    await app.inject({ method: 'POST', url: '/api/counters/', payload: { label: 'hits' } })
    const read = await app.inject({ url: '/api/counters/1/' })
    const staleTag = read.headers.etag as string
    const changed = await app.inject({ method: 'PATCH', url: '/api/counters/1/', payload: { count: 1 }, headers: { 'if-match': staleTag } })
    t.equal(changed.statusCode, 200)
    t.not(changed.headers.etag, staleTag, 'the update answers the new ETag')

    for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
      const stale = await app.inject({ method, url: '/api/counters/1/', payload: method === 'DELETE' ? undefined : { count: 7 }, headers: { 'if-match': staleTag } })
      t.equal(stale.statusCode, 412, method)
      t.same(stale.json(), { stat: 'fail', err: { code: 203, msg: 'The item has changed since it was read', type: 'resource-precondition-failed' } })
      t.equal(stale.headers.etag, changed.headers.etag, 'the 412 carries the current ETag')
    }
    const now = await app.inject({ url: '/api/counters/1/' })
    t.same([now.json().counter.count, now.json().counter.version], [1, 2], 'no stale write landed')
    const deleted = await app.inject({ method: 'DELETE', url: '/api/counters/1/', headers: { 'if-match': now.headers.etag as string } })
    t.equal(deleted.statusCode, 204, 'a current If-Match deletes')
  })

  t.test(`${dialect}: 100 concurrent read-modify-write clients using If-Match lose no update`, async (t) => {
    const app = await counterApp(t, dialect)
    await app.inject({ method: 'POST', url: '/api/counters/', payload: { label: 'hits' } })
    const statuses = new Map<number, number>()
    let lastWrite: Record<string, unknown> | undefined
    const client = async (): Promise<void> => {
      for (let attempt = 0; attempt < 500; attempt++) {
        const read = await app.inject({ url: '/api/counters/1/?only-links=' })
        const { count } = read.json().counter
        const write = await app.inject({ method: 'PATCH', url: '/api/counters/1/?only-links=', payload: { count: count + 1 }, headers: { 'if-match': read.headers.etag as string } })
        statuses.set(write.statusCode, (statuses.get(write.statusCode) ?? 0) + 1)
        if (write.statusCode === 200) {
          lastWrite = write.json().counter
          return
        }
        if (write.statusCode !== 412) return
      }
    }
    await Promise.all(Array.from({ length: 100 }, client))
    t.equal(statuses.get(200), 100, 'every client wrote once')
    t.same([...statuses.keys()].filter((status) => status !== 200 && status !== 412), [], 'every failed write was a 412')
    t.ok((statuses.get(412) ?? 0) > 0, 'the clients did race')
    const final = (await app.inject({ url: '/api/counters/1/?only-links=' })).json().counter
    t.same(final, { id: 1, label: 'hits', count: 100, version: 101, links: {} })
    t.same(final, lastWrite, 'the row is the last successful write')
  })
}

t.test('a version column that is a form field, or not a column, is refused at registration', async (t) => {
  const sqlite = new Database(':memory:')
  t.teardown(() => sqlite.close())
  const db = drizzle(sqlite)
  const inForm = defineResource({ name: 'counter', table: sqliteCounters, formClass: modelForm(sqliteCounters, { fields: ['label', 'version'] }), versionColumn: 'version' })
  await t.rejects(async () => { await Fastify().register(formResources, { db, resources: [inForm] }) }, /the version column "version" must not be a form field; leave it out of `fields` or describe it `editable: false`/)
  const unknown = defineResource({ name: 'counter', table: sqliteCounters, formClass: modelForm(sqliteCounters, { fields: ['label'] }), versionColumn: 'revision' as 'version' })
  await t.rejects(async () => { await Fastify().register(formResources, { db, resources: [unknown] }) }, /names versionColumn "revision", which is not a column of its table/)
})
