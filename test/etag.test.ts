// The ETag: no column a client cannot read can be recovered from it, every instance gives the
// same one for the same row, and If-Match still catches every change to what a client can send.
import { createHash, createHmac } from 'node:crypto'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import t from 'tap'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { pgTable, serial, varchar } from 'drizzle-orm/pg-core'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import Fastify, { type FastifyInstance } from 'fastify'
import formResources, { defineResource, modelForm, type FormResourcesOptions } from 'fastify-form-resources'
import { pgDatabase } from './helpers/pg.ts'

const sqliteMembers = sqliteTable('members', {
  id: integer().primaryKey({ autoIncrement: true }),
  name: text({ length: 50 }).notNull().unique(),
  pin: text({ length: 4 })
})
const pgMembers = pgTable('members', {
  id: serial().primaryKey(),
  name: varchar({ length: 50 }).notNull().unique(),
  pin: varchar({ length: 4 })
})
const MEMBERS_SQL = 'create table members (id integer primary key autoincrement, name text(50) not null unique, pin text(4))'

type Dialect = 'sqlite' | 'postgresql'
const SECRET = 'a secret every instance shares, 32+ chars'

/** A members resource: `pin` is a form field (write-only) that `serializeObject` leaves out when `hide`. */
function membersResource (table: typeof sqliteMembers | typeof pgMembers, hide = true) {
  return defineResource({
    name: 'member',
    table: table as typeof sqliteMembers,
    formClass: modelForm(table as typeof sqliteMembers, { fields: ['name', 'pin'] }),
    hasModifyPermissions: () => true,
    hasDeletePermissions: () => true,
    ...(hide ? { serializeObject: ({ pin: _, ...row }: Record<string, unknown>) => row } : {})
  })
}

/** The apps, and the warnings about ETags their registrations logged. */
interface Instances { apps: FastifyInstance[], warnings: string[] }

/**
 * `count` apps (instances) over one database, each with its own connection where the dialect
 * has more than one (an SQLite file; node-postgres pools), each with `options`.
 */
async function instances (t: { teardown (fn: () => unknown): void, testdir (): string }, dialect: Dialect, count: number, { hide = true, options = {} }: { hide?: boolean, options?: Partial<FormResourcesOptions> } = {}): Promise<Instances> {
  const warnings: string[] = []
  const stream = new Writable({ write (chunk, _encoding, done) { const line = JSON.parse(String(chunk)); if (line.level === 40 && String(line.msg).includes('etagSecret')) warnings.push(line.msg); done() } })
  const dbs: unknown[] = []
  let table: typeof sqliteMembers | typeof pgMembers
  if (dialect === 'sqlite') {
    const file = join(t.testdir(), 'members.db')
    for (let i = 0; i < count; i++) {
      const sqlite = new Database(file)
      t.teardown(() => sqlite.close())
      if (i === 0) sqlite.exec(MEMBERS_SQL)
      dbs.push(drizzle(sqlite))
    }
    table = sqliteMembers
  } else {
    const pg = await pgDatabase(t, { members: pgMembers })
    for (let i = 0; i < count; i++) dbs.push(i === 0 || pg.driver === 'pglite' ? pg.db : pg.connect())
    table = pgMembers
  }
  const apps: FastifyInstance[] = []
  for (const db of dbs) {
    const app = Fastify({ logger: { level: 'warn', stream } })
    t.teardown(() => app.close())
    await app.register(formResources, { db, prefix: '/api', resources: [membersResource(table, hide)], ...options })
    await app.ready()
    apps.push(app)
  }
  return { apps, warnings }
}

/** Every ETag a guess of the hidden PIN could give under plain (unkeyed) hashes of the row. */
function unkeyedGuesses (row: Record<string, unknown>, pin: string): string[] {
  const json = JSON.stringify({ ...row, pin })
  return ['sha1', 'sha256', 'md5'].flatMap((algorithm) => ['base64url', 'base64', 'hex'].map((encoding) =>
    `"${createHash(algorithm).update(json).digest(encoding as 'hex')}"`))
}

for (const dialect of ['sqlite', 'postgresql'] as const) {
  t.test(`${dialect}: a column serializeObject hides cannot be recovered from the ETag: 10,000 guesses of a PIN find nothing`, async (t) => {
    for (const options of [{}, { etagSecret: SECRET }]) {
      const { apps: [app] } = await instances(t, dialect, 1, { options })
      const created = await app.inject({ method: 'POST', url: '/api/members/', payload: { name: 'Ann', pin: '4821' } })
      t.equal(created.statusCode, 201)
      t.strictSame(created.json().member, { id: 1, name: 'Ann', links: created.json().member.links }, 'the PIN is not served')
      const etag = (await app.inject({ url: '/api/members/1/' })).headers.etag as string
      t.match(etag, /^"[\w-]{43}"$/)
      const found: string[] = []
      for (let guess = 0; guess < 10_000; guess++) {
        const pin = String(guess).padStart(4, '0')
        if (unkeyedGuesses({ id: 1, name: 'Ann' }, pin).includes(etag)) found.push(pin)
      }
      t.strictSame(found, [], `no guess matches (${options.etagSecret === undefined ? 'a random secret' : 'etagSecret'})`)
    }
  })

  t.test(`${dialect}: with etagSecret the ETag is the documented HMAC of the row, the same on every instance`, async (t) => {
    const { apps: [one, two], warnings } = await instances(t, dialect, 2, { options: { etagSecret: SECRET } })
    await one.inject({ method: 'POST', url: '/api/members/', payload: { name: 'Ann', pin: '4821' } })
    const [a, b] = await Promise.all([one, two].map(async (app) => await app.inject({ url: '/api/members/1/' })))
    t.equal(a.headers.etag, b.headers.etag, 'two instances agree')
    t.equal(a.headers.etag, `"${createHmac('sha256', SECRET).update(JSON.stringify({ id: 1, name: 'Ann', pin: '4821' })).digest('base64url')}"`)
    t.strictSame(warnings, [], 'no warning with a secret')
    const updated = await two.inject({ method: 'PUT', url: '/api/members/1/', headers: { 'if-match': a.headers.etag as string }, payload: { name: 'Ann B' } })
    t.equal(updated.statusCode, 200, 'an If-Match read on one instance is current on the other')
  })

  t.test(`${dialect}: a resource that serializes every column needs no secret: every instance gives the same ETag`, async (t) => {
    const { apps: [one, two], warnings } = await instances(t, dialect, 2, { hide: false })
    await one.inject({ method: 'POST', url: '/api/members/', payload: { name: 'Ann', pin: '4821' } })
    const [a, b] = await Promise.all([one, two].map(async (app) => await app.inject({ url: '/api/members/1/' })))
    t.equal(a.json().member.pin, '4821', 'the PIN is served: nothing to hide')
    t.equal(a.headers.etag, b.headers.etag)
    t.equal(a.headers.etag, `"${createHash('sha1').update(JSON.stringify({ id: 1, name: 'Ann', pin: '4821' })).digest('base64url')}"`)
    t.strictSame(warnings, [])
  })

  t.test(`${dialect}: without etagSecret a hiding resource is keyed with a random secret per process, and registration warns`, async (t) => {
    const { apps: [one], warnings } = await instances(t, dialect, 1)
    t.strictSame(warnings, ['fastify-form-resources: resource "member" overrides serializeObject, so its ETags are keyed with a secret; no etagSecret is set, so this process made a random one: set the same etagSecret on every instance, or their ETags will differ and If-Match will fail across them.'])
    await one.inject({ method: 'POST', url: '/api/members/', payload: { name: 'Ann', pin: '4821' } })
    const read = await one.inject({ url: '/api/members/1/' })
    t.equal((await one.inject({ url: '/api/members/1/', headers: { 'if-none-match': read.headers.etag as string } })).statusCode, 304, 'stable within the process')
  })

  t.test(`${dialect}: If-Match catches a concurrent change to a write-only column the client never sees`, async (t) => {
    for (const options of [{}, { etagSecret: SECRET }]) {
      const { apps: [app] } = await instances(t, dialect, 1, { options })
      await app.inject({ method: 'POST', url: '/api/members/', payload: { name: 'Ann', pin: '4821' } })
      const read = await app.inject({ url: '/api/members/1/' })
      const pinChanged = await app.inject({ method: 'PATCH', url: '/api/members/1/', payload: { pin: '1111' } })
      t.equal(pinChanged.statusCode, 200)
      t.strictSame(pinChanged.json(), read.json(), 'the item looks the same')
      t.not(pinChanged.headers.etag, read.headers.etag, 'but its ETag changed')
      for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
        const stale = await app.inject({ method, url: '/api/members/1/', headers: { 'if-match': read.headers.etag as string }, payload: method === 'DELETE' ? undefined : { name: 'Lost update' } })
        t.equal(stale.statusCode, 412, method)
        t.equal(stale.headers.etag, pinChanged.headers.etag, `${method}: the 412 carries the current ETag`)
      }
      const now = await app.inject({ url: '/api/members/1/' })
      t.equal(now.json().member.name, 'Ann', 'nothing was written')
      t.equal(now.headers.etag, pinChanged.headers.etag)
    }
  })
}

t.test('etagSecret must be a string or Buffer of at least 32 bytes', async (t) => {
  for (const etagSecret of ['short', 42, Buffer.alloc(8), {}]) {
    const app = Fastify()
    t.teardown(() => app.close())
    const sqlite = new Database(':memory:')
    t.teardown(() => sqlite.close())
    sqlite.exec(MEMBERS_SQL)
    await t.rejects(async () => { await app.register(formResources, { db: drizzle(sqlite), resources: [membersResource(sqliteMembers)], etagSecret: etagSecret as string }) }, {
      code: 'FFR_ERR_ETAG_SECRET',
      message: 'fastify-form-resources: `etagSecret` must be a string or Buffer of at least 32 bytes, the same on every instance (such as 32 random bytes in base64 from your configuration).'
    })
  }
})
