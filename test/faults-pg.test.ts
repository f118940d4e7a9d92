// PostgreSQL under faults, over HTTP: connections ended by the server in every state, a network
// partition, connections reset, timeouts shorter than dbTimeout. The process never crashes, the
// request in flight answers 503 SERVICE_UNAVAILABLE with Retry-After within dbTimeout, and the
// next requests succeed once the database is back. Needs a server (DATABASE_URL, else
// 127.0.0.1:5432): the faults are a TCP proxy and pg_terminate_backend. Skips without one.
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import { drizzle } from 'drizzle-orm/node-postgres'
import { pgTable, serial, varchar } from 'drizzle-orm/pg-core'
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import formResources, { defineResource, modelForm } from 'fastify-form-resources'
import pg from 'pg'
import { FAULTS_DATABASE_URL, pgFaults, pgUnavailable } from './helpers/pg-faults.ts'
import { startProxy, type Proxy } from './helpers/tcp-proxy.ts'

/** The shape of each app's authors table (each app has a table of its own, `authors_<n>`). */
function authorsTable (name: string) {
  return pgTable(name, { id: serial().primaryKey(), name: varchar({ length: 200 }).notNull().unique(), title: varchar({ length: 3 }) })
}

const unavailable = (detail: string): Record<string, unknown> => ({
  stat: 'fail',
  err: { code: 207, msg: 'The service is busy; try again shortly', type: 'service-unavailable', detail }
})
const LOST = unavailable('The connection to the database failed.')
const TIMED_OUT = unavailable('The database did not answer in time.')
const SIGNED_IN = { 'x-user': 'ann' }

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const PENDING = Symbol('pending')
/** `promise`'s value, or PENDING if it has not settled within `ms`. */
const within = async <T>(promise: Promise<T>, ms: number): Promise<T | typeof PENDING> => await Promise.race([promise, sleep(ms).then((): typeof PENDING => PENDING)])
async function until (check: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(20)
  }
}

/** Checks a 503 answer: status, Retry-After and the exact envelope. */
function isUnavailable (t: Test, res: LightMyRequestResponse, envelope: Record<string, unknown>, label: string): void {
  t.equal(res.statusCode, 503, label)
  t.equal(res.headers['retry-after'], '1', `${label}: Retry-After`)
  t.strictSame(res.json(), envelope, label)
}

const pgSkip = await pgUnavailable()
t.test('PostgreSQL under faults', { skip: pgSkip }, async (t) => {
  const target = new URL(FAULTS_DATABASE_URL)
  const faults = await pgFaults()
  const schema = `ffr_faults_${process.pid}_${randomBytes(4).toString('hex')}`
  await faults.admin.query(`CREATE SCHEMA ${schema}`)
  t.teardown(async () => {
    await faults.admin.query(`DROP SCHEMA ${schema} CASCADE`)
    await faults.close()
  })
  const searchPath = `-c search_path=${schema}`
  let n = 0

  interface FaultApp { app: FastifyInstance, pool: pg.Pool, proxy: Proxy, name: string, warnings: string[], rows: () => Promise<unknown[]> }
  /**
   * An app serving authors over a fresh table, its pool (`max` 4, no 'error' listener of its
   * own) connecting through a proxy under a unique application_name.
   */
  async function faultApp (t: Test, { dbTimeout, pool: poolOptions = {}, db: makeDb, gate }: {
    dbTimeout: number
    pool?: pg.PoolConfig
    db?: (pool: pg.Pool, url: string, name: string) => Promise<unknown>
    gate?: () => Promise<void>
  }): Promise<FaultApp> {
    const table = `authors_${++n}`
    await faults.admin.query(`CREATE TABLE ${schema}.${table} (id serial PRIMARY KEY, name varchar(200) NOT NULL CONSTRAINT ${table}_name_unique UNIQUE, title varchar(3))`)
    const proxy = await startProxy({ target: { host: target.hostname, port: Number(target.port || 5432) } })
    const name = `ffr-faults-${process.pid}-${n}`
    const url = proxy.url(FAULTS_DATABASE_URL)
    const pool = new pg.Pool({ connectionString: url, application_name: name, options: searchPath, max: 4, ...poolOptions })
    const db = makeDb === undefined ? drizzle(pool) : await makeDb(pool, url, name)
    const warnings: string[] = []
    const stream = new Writable({ write (chunk, _encoding, done) { const line = JSON.parse(String(chunk)); if (line.level === 40) warnings.push(line.msg); done() } })
    const app = Fastify({ logger: { level: 'warn', stream } })
    app.decorateRequest('user', undefined)
    app.addHook('onRequest', async (request) => { if (request.headers['x-user'] !== undefined) (request as { user?: unknown }).user = { name: 'ann' } })
    const tableOfApp = authorsTable(table)
    const resource = defineResource({
      name: 'author',
      table: tableOfApp,
      formClass: modelForm(tableOfApp, { fields: ['name', 'title'] }),
      hasModifyPermissions: () => true,
      hasDeletePermissions: () => true,
      ...(gate === undefined ? {} : { parse: { title: async (value: unknown) => { await gate(); return value } } })
    })
    await app.register(formResources, { db, prefix: '/api', resources: [resource], dbTimeout })
    await app.ready()
    t.teardown(async () => {
      await app.close()
      if (!pool.ending) await pool.end()
      await proxy.close()
    })
    const rows = async (): Promise<unknown[]> => (await faults.admin.query(`SELECT id, name, title FROM ${schema}.${table} ORDER BY id`)).rows
    return { app, pool, proxy, name, warnings, rows }
  }

  /** A second connection holding locks on the app's table, as another writer would. */
  async function locker (t: Test): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: FAULTS_DATABASE_URL, options: searchPath, application_name: `ffr-faults-locker-${process.pid}` })
    client.on('error', () => {})
    await client.connect()
    t.teardown(() => client.end().catch(() => {}))
    return client
  }

  async function createAnn (app: FastifyInstance): Promise<string> {
    const created = await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { name: 'Ann', title: 'MS' } })
    if (created.statusCode !== 201) throw new Error(`create: ${created.statusCode} ${created.body}`)
    return (await app.inject({ url: '/api/authors/1/' })).headers.etag as string
  }

  t.test('connections ended by the server inside the transactions of If-Match writes: 503 with Retry-After, no crash, the next requests succeed', async (t) => {
    const { app, name, rows } = await faultApp(t, { dbTimeout: 5000 })
    const etag = await createAnn(app)
    const other = await locker(t)
    await other.query('BEGIN')
    await other.query(`SELECT * FROM authors_${n} WHERE id = 1 FOR UPDATE`)
    const ifMatch = { ...SIGNED_IN, 'if-match': etag }
    const writes = [
      app.inject({ method: 'PUT', url: '/api/authors/1/', headers: ifMatch, payload: { name: 'Ann B' } }),
      app.inject({ method: 'PATCH', url: '/api/authors/1/', headers: ifMatch, payload: { title: 'MR' } }),
      app.inject({ method: 'DELETE', url: '/api/authors/1/', headers: ifMatch })
    ]
    // each waits on the row lock inside its transaction
    await faults.waitForBackends({ applicationName: name, state: 'active' }, { count: 3 })
    t.equal((await faults.terminateBackends({ applicationName: name })).length, 3)
    for (const [i, res] of (await Promise.all(writes)).entries()) isUnavailable(t, res, LOST, ['PUT', 'PATCH', 'DELETE'][i])
    await other.query('ROLLBACK')
    t.strictSame(await rows(), [{ id: 1, name: 'Ann', title: 'MS' }], 'nothing written')
    t.equal((await app.inject({ url: '/api/authors/1/' })).statusCode, 200, 'the next read succeeds')
    const again = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: ifMatch, payload: { name: 'Ann B' } })
    t.equal(again.statusCode, 200, 'and the next write')
    t.strictSame(await rows(), [{ id: 1, name: 'Ann B', title: 'MS' }])
  })

  t.test('a connection ended by the server while a read waits (checked out, no transaction): 503, then 200', async (t) => {
    const { app, name } = await faultApp(t, { dbTimeout: 5000 })
    await createAnn(app)
    const other = await locker(t)
    await other.query('BEGIN')
    await other.query(`LOCK TABLE authors_${n} IN ACCESS EXCLUSIVE MODE`)
    const reads = [app.inject({ url: '/api/authors/' }), app.inject({ url: '/api/authors/1/' })]
    // three queries wait on the lock: the list's page and its count, each on a connection of its
    // own, and the item's read; ending the backends before the third has started would leave it
    // to wait for dbTimeout instead
    await faults.waitForBackends({ applicationName: name, state: 'active' }, { count: 3 })
    await faults.terminateBackends({ applicationName: name })
    for (const res of await Promise.all(reads)) isUnavailable(t, res, LOST, 'read')
    await other.query('ROLLBACK')
    t.equal((await app.inject({ url: '/api/authors/' })).statusCode, 200)
  })

  t.test('idle connections ended by the server, the app\'s pool listening for nothing: no crash, the next request succeeds', async (t) => {
    const { app, pool, name, warnings } = await faultApp(t, { dbTimeout: 5000 })
    await createAnn(app)
    t.ok(pool.idleCount > 0, 'the pool holds idle connections')
    await faults.terminateBackends({ applicationName: name, state: 'idle' })
    await until(() => pool.totalCount === 0)
    t.ok(warnings.includes('fastify-form-resources: PostgreSQL closed an idle connection of the pool'), 'the plugin listened and logged')
    t.equal((await app.inject({ url: '/api/authors/1/' })).statusCode, 200)
  })

  t.test('a network partition: every request answers 503 within dbTimeout; traffic recovers after heal; the pool ends', async (t) => {
    const { app, pool, proxy, rows } = await faultApp(t, { dbTimeout: 400 })
    const etag = await createAnn(app)
    proxy.partition()
    const started = performance.now()
    const ifMatch = { ...SIGNED_IN, 'if-match': etag }
    const answers = await within(Promise.all([
      app.inject({ url: '/api/authors/1/' }),
      app.inject({ url: '/api/authors/' }),
      app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { name: 'Bob' } }),
      app.inject({ method: 'PUT', url: '/api/authors/1/', headers: ifMatch, payload: { name: 'Ann B' } }),
      app.inject({ method: 'PATCH', url: '/api/authors/1/', headers: ifMatch, payload: { title: 'MR' } }),
      app.inject({ method: 'DELETE', url: '/api/authors/1/', headers: ifMatch })
    ]), 3000)
    if (answers === PENDING) return t.fail('requests hung through the partition')
    const ms = performance.now() - started
    for (const res of answers) isUnavailable(t, res, TIMED_OUT, 'partitioned')
    t.ok(ms < 1000, `answered within the bound: ${ms.toFixed(0)} ms for six requests, more than the pool holds`)
    const second = await within(app.inject({ url: '/api/authors/1/' }), 1000)
    t.ok(second !== PENDING && second.statusCode === 503, 'still bounded while the partition lasts')

    proxy.heal()
    await until(async () => (await app.inject({ url: '/api/authors/1/' })).statusCode === 200)
    const write = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: ifMatch, payload: { name: 'Ann B' } })
    t.equal(write.statusCode, 200, 'writes recover too')
    const bob = await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { name: 'Bob' } })
    t.equal(bob.statusCode, 201, 'the create refused during the partition wrote nothing')
    t.strictSame(await rows(), [{ id: 1, name: 'Ann B', title: 'MS' }, { id: bob.json().author.id, name: 'Bob', title: null }])
    t.ok(pool.totalCount <= 4, `the pool stayed within max (${pool.totalCount})`)
    await app.close()
    t.not(await within(pool.end(), 2000), PENDING, 'the pool ends: no client left checked out')
  })

  t.test('query_timeout under dbTimeout: a BEGIN that times out leaves no client checked out, heal raises nothing, the pool ends', async (t) => {
    let open!: () => void
    let gate = Promise.resolve()
    const { app, pool, proxy } = await faultApp(t, { dbTimeout: 5000, pool: { query_timeout: 300 }, gate: async () => await gate })
    const etag = await createAnn(app)
    gate = new Promise<void>((resolve) => { open = resolve })
    const uncaught: unknown[] = []
    const onUncaught = (error: unknown): void => { uncaught.push(error) }
    process.on('uncaughtException', onUncaught)
    t.teardown(() => { process.removeListener('uncaughtException', onUncaught) })
    // the row is read and the request waits in its parse hook: the partition comes before BEGIN
    const write = app.inject({ method: 'PATCH', url: '/api/authors/1/', headers: { ...SIGNED_IN, 'if-match': etag }, payload: { title: 'MR' } })
    await sleep(100)
    proxy.partition()
    open()
    const started = performance.now()
    const res = await within(write, 3000)
    if (res === PENDING) return t.fail('the write hung')
    isUnavailable(t, res, TIMED_OUT, 'BEGIN timed out')
    t.ok(performance.now() - started < 1000, 'at query_timeout, well before dbTimeout')
    await until(() => pool.totalCount === pool.idleCount)
    t.equal(pool.totalCount - pool.idleCount, 0, 'no client left checked out')
    proxy.heal()
    await sleep(300)
    t.strictSame(uncaught, [], 'heal raises nothing')
    t.equal((await app.inject({ method: 'PATCH', url: '/api/authors/1/', headers: SIGNED_IN, payload: { name: 'Ann B' } })).statusCode, 200, 'writes go on')
    await app.close()
    t.not(await within(pool.end(), 2000), PENDING, 'the pool ends')
  })

  t.test('every connection reset (a failover) during a transaction: 503, then the next requests succeed', async (t) => {
    const { app, name, proxy } = await faultApp(t, { dbTimeout: 5000 })
    const etag = await createAnn(app)
    const other = await locker(t)
    await other.query('BEGIN')
    await other.query(`SELECT * FROM authors_${n} WHERE id = 1 FOR UPDATE`)
    const write = app.inject({ method: 'PUT', url: '/api/authors/1/', headers: { ...SIGNED_IN, 'if-match': etag }, payload: { name: 'Ann B' } })
    await faults.waitForBackends({ applicationName: name, state: 'active' })
    proxy.killAll({ reset: true })
    isUnavailable(t, await write, LOST, 'reset')
    await other.query('ROLLBACK')
    await until(async () => (await app.inject({ url: '/api/authors/1/' })).statusCode === 200)
    t.equal((await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: { ...SIGNED_IN, 'if-match': etag }, payload: { name: 'Ann B' } })).statusCode, 200)
  })

  t.test('a pool without connectionTimeoutMillis or query_timeout: registration warns', async (t) => {
    const bare = await faultApp(t, { dbTimeout: 5000 })
    t.ok(bare.warnings.some((w) => w.startsWith('fastify-form-resources: the node-postgres pool has no connectionTimeoutMillis and no query_timeout')), bare.warnings.join('\n'))
    const bounded = await faultApp(t, { dbTimeout: 5000, pool: { connectionTimeoutMillis: 1000, query_timeout: 2000 } })
    t.strictSame(bounded.warnings, [])
  })

  t.test('a Drizzle database over one pg.Client: a partition answers 503 within dbTimeout, and a dead client 503 at once', async (t) => {
    let single!: pg.Client
    const { app, proxy } = await faultApp(t, {
      dbTimeout: 400,
      db: async (_pool, url, name) => {
        single = new pg.Client({ connectionString: url, application_name: name, options: searchPath })
        single.on('error', () => {})
        await single.connect()
        t.teardown(() => single.end().catch(() => {}))
        return drizzle(single)
      }
    })
    await createAnn(app)
    proxy.partition()
    const started = performance.now()
    isUnavailable(t, await app.inject({ url: '/api/authors/1/' }), TIMED_OUT, 'partitioned')
    t.ok(performance.now() - started < 1000)
    proxy.heal()
    await until(() => !(single as unknown as { _queryable: boolean })._queryable)
    isUnavailable(t, await app.inject({ url: '/api/authors/1/' }), LOST, 'the client is gone')
  })

  t.test('a Drizzle database with a logger (its statements run through Drizzle): still bounded, and a connection ended inside a transaction crashes nothing', async (t) => {
    const logged: string[] = []
    // a bound long enough that the termination, not the bound, ends the write on a busy machine (at 400 ms it once lost that race)
    const { app, name, proxy } = await faultApp(t, { dbTimeout: 1500, db: async (pool) => drizzle(pool, { logger: { logQuery: (query) => { logged.push(query) } } }) })
    const etag = await createAnn(app)
    t.ok(logged.length > 0, 'the logger hears the statements')
    const other = await locker(t)
    await other.query('BEGIN')
    await other.query(`SELECT * FROM authors_${n} WHERE id = 1 FOR UPDATE`)
    const write = app.inject({ method: 'PUT', url: '/api/authors/1/', headers: { ...SIGNED_IN, 'if-match': etag }, payload: { name: 'Ann B' } })
    await faults.waitForBackends({ applicationName: name, state: 'active' })
    await faults.terminateBackends({ applicationName: name })
    isUnavailable(t, await write, LOST, 'ended in a transaction')
    await other.query('ROLLBACK')
    await until(async () => (await app.inject({ url: '/api/authors/1/' })).statusCode === 200)
    proxy.partition()
    const started = performance.now()
    isUnavailable(t, await app.inject({ url: '/api/authors/1/' }), TIMED_OUT, 'partitioned')
    t.ok(performance.now() - started < 2500, 'answered within the bound')
    proxy.heal()
  })
})
