// SQLite under another process's write lock: a write waits without stalling the event loop (a
// stall is counted past 300 ms: the machine's other work delays timers by up to ~200 ms, where
// a synchronous wait would stall for the whole lock, 1 s or more),
// answers 503 SERVICE_UNAVAILABLE with Retry-After past dbTimeout, and goes through once the lock
// is gone; several processes on one WAL file lose nothing.
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import t from 'tap'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import Fastify from 'fastify'
import formResources, { DEFAULT_DB_TIMEOUT, SERVICE_UNAVAILABLE } from 'fastify-form-resources'
import { AuthorResource, buildTestApp, SIGNED_IN } from './helpers/app.ts'
import { measureStalls } from './helpers/event-loop.ts'
import { holdWriteLock, type WriteLock } from './helpers/sqlite-locker.ts'
import { NOTES_SQL, runWriter } from './helpers/sqlite-writers.ts'

const BUSY = {
  stat: 'fail',
  err: { code: 207, msg: 'The service is busy; try again shortly', type: 'service-unavailable', detail: 'The database is locked by another writer.' }
}
const ANN = { id: 1, name: 'Ann Leckie', title: 'MS', birth_date: '1966-03-02', secret: null }
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function locked (t: { teardown (fn: () => unknown): void }, file: string, ms: number): WriteLock {
  const lock = holdWriteLock(file, { ms })
  t.teardown(() => { lock.release(); return lock.released })
  return lock
}

t.test('SERVICE_UNAVAILABLE is code 207, HTTP 503, with Retry-After; dbTimeout defaults to 5000 ms', async (t) => {
  t.strictSame([SERVICE_UNAVAILABLE.code, SERVICE_UNAVAILABLE.httpStatus, SERVICE_UNAVAILABLE.errorType, SERVICE_UNAVAILABLE.msg, SERVICE_UNAVAILABLE.headers],
    [207, 503, 'service-unavailable', 'The service is busy; try again shortly', { 'Retry-After': '1' }])
  t.equal(DEFAULT_DB_TIMEOUT, 5000)
})

t.test('a write meeting another process\'s lock past dbTimeout answers 503 with Retry-After, never stalling the event loop; a GET meanwhile answers at once', async (t) => {
  const file = join(t.testdir(), 'locked.db')
  const { app, sqlite, rows } = await buildTestApp(t, { file, wal: true, options: { dbTimeout: 1000 } })
  sqlite.exec("INSERT INTO authors (name, title, birth_date) VALUES ('Ann Leckie', 'MS', '1966-03-02')")
  const lock = locked(t, file, 10_000)
  await lock.held

  const meter = measureStalls()
  meter.start()
  for (const [method, url, payload] of [['PUT', '/api/authors/1/', { name: 'Ann B' }], ['POST', '/api/authors/', { name: 'Bob' }], ['DELETE', '/api/authors/1/', undefined]] as const) {
    const started = performance.now()
    const write = app.inject({ method, url, headers: SIGNED_IN, payload })
    await sleep(100)
    const readStarted = performance.now()
    const read = await app.inject({ url: '/api/authors/1/' })
    const readMs = performance.now() - readStarted
    t.equal(read.statusCode, 200, `${method}: a read while the write waits`)
    t.ok(readMs < 300, `${method}: the read answered in ${readMs.toFixed(1)} ms`)
    const res = await write
    const ms = performance.now() - started
    t.equal(res.statusCode, 503, method)
    t.equal(res.headers['retry-after'], '1', method)
    t.strictSame(res.json(), BUSY, method)
    t.ok(ms >= 950 && ms < 1600, `${method}: answered after ${ms.toFixed(0)} ms, within the bound of 1000 ms`)
  }
  const stalls = meter.stop()
  t.ok(stalls.maxMs < 300, `the event loop never stalled (longest: ${stalls.maxMs.toFixed(1)} ms)`)
  t.strictSame(rows('authors'), [ANN], 'nothing written')

  lock.release()
  await lock.released
  const after = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: SIGNED_IN, payload: { name: 'Ann B' } })
  t.equal(after.statusCode, 200, 'the next write goes through once the lock is gone')
  t.strictSame(rows('authors'), [{ ...ANN, name: 'Ann B' }])
})

t.test('a write meeting a lock released within dbTimeout waits without blocking and goes through', async (t) => {
  const file = join(t.testdir(), 'briefly.db')
  const { app, rows } = await buildTestApp(t, { file, wal: true, options: { dbTimeout: 3000 } })
  const lock = locked(t, file, 1000)
  await lock.held
  const meter = measureStalls()
  meter.start()
  const started = performance.now()
  const create = app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { name: 'Ann Leckie', title: 'MS', birthDate: '1966-03-02' } })
  await sleep(100)
  const list = await app.inject({ url: '/api/authors/' })
  t.equal(list.json().total_results, 0, 'a read answers while the write waits')
  const res = await create
  const ms = performance.now() - started
  t.equal(res.statusCode, 201)
  t.ok(ms >= 850 && ms < 2500, `written once the lock was gone, after ${ms.toFixed(0)} ms`)
  const stalls = meter.stop()
  t.ok(stalls.maxMs < 300, `the event loop never stalled (longest: ${stalls.maxMs.toFixed(1)} ms)`)
  t.strictSame(rows('authors'), [ANN])
})

t.test('a lock held past dbTimeout in rollback-journal mode: reads and writes answer 503, then recover', async (t) => {
  const file = join(t.testdir(), 'journal.db')
  const { app, sqlite } = await buildTestApp(t, { file, options: { dbTimeout: 300 } })
  sqlite.exec("INSERT INTO authors (name, title, birth_date) VALUES ('Ann Leckie', 'MS', '1966-03-02')")
  const holder = new Database(file)
  t.teardown(() => holder.close())
  // an EXCLUSIVE lock keeps readers out too, where WAL would let them read
  holder.exec('BEGIN EXCLUSIVE')
  const meter = measureStalls()
  meter.start()
  const [read, list] = await Promise.all([app.inject({ url: '/api/authors/1/' }), app.inject({ url: '/api/authors/' })])
  t.strictSame([read.statusCode, read.json()], [503, BUSY])
  t.strictSame([list.statusCode, list.json()], [503, BUSY])
  t.ok(meter.stop().maxMs < 300, 'without stalling the event loop')
  holder.exec('ROLLBACK')
  t.equal((await app.inject({ url: '/api/authors/1/' })).statusCode, 200)
})

t.test('dbTimeout must be a positive whole number of milliseconds', async (t) => {
  for (const dbTimeout of [0, -1, 1.5, Number.NaN, Infinity, '1000', 2 ** 31]) {
    const sqlite = new Database(':memory:')
    t.teardown(() => sqlite.close())
    const app = Fastify()
    t.teardown(() => app.close())
    await t.rejects(async () => { await app.register(formResources, { db: drizzle(sqlite), resources: [new AuthorResource()], dbTimeout: dbTimeout as number }) }, {
      code: 'FFR_ERR_DB_TIMEOUT',
      message: 'fastify-form-resources: `dbTimeout` must be a whole number of milliseconds from 1 to 2147483647 (the default is 5000).'
    }, String(dbTimeout))
  }
})

t.test('three processes writing to one WAL file, and a fourth holding the lock meanwhile, lose nothing', async (t) => {
  const file = join(t.testdir(), 'shared.db')
  const setup = new Database(file)
  setup.pragma('journal_mode = WAL')
  setup.exec(NOTES_SQL)
  const lock = locked(t, file, 300)
  await lock.held
  const reports = await Promise.all(['a', 'b', 'c'].map(async (tag) => await runWriter(file, { tag, count: 150 })))
  for (const [i, report] of reports.entries()) t.strictSame(report.statuses, { 201: 150 }, `writer ${'abc'[i]}: every note written`)
  const stored = (setup.prepare('SELECT text FROM notes ORDER BY id').all() as Array<{ text: string }>).map((row) => row.text)
  t.equal(stored.length, 450)
  t.strictSame(new Set(stored), new Set(reports.flatMap((report) => report.written)), 'the rows are the notes each writer was told were written')
  setup.close()
})
