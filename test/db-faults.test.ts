// lib/db/faults.ts and lib/body.ts on their own: which driver errors mean "busy or unreachable",
// the bound of a call, SQLite's retried lock, and the JSON body's nesting scan.
import t from 'tap'
import Database from 'better-sqlite3'
import { DatabaseUnavailableError } from 'fastify-form-resources'
import { bounded, normalized, retryLocked, unavailableError } from '../dist/db/faults.js'
import { isPgPool, onClient, type PgClient, type PgPool } from '../dist/db/pg-pool.js'
import { MAX_BODY_DEPTH, nestsDeeper } from '../dist/body.js'

const coded = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code })

t.test('unavailableError reads every driver\'s "busy or unreachable" and nothing else', async (t) => {
  const cases: Array<[string, unknown, string | undefined]> = [
    ['better-sqlite3 SQLITE_BUSY', coded('SQLITE_BUSY', 'database is locked'), 'busy'],
    ['better-sqlite3 SQLITE_BUSY_SNAPSHOT', coded('SQLITE_BUSY_SNAPSHOT'), 'busy'],
    ['better-sqlite3 SQLITE_LOCKED_SHAREDCACHE', coded('SQLITE_LOCKED_SHAREDCACHE'), 'busy'],
    ['better-sqlite3 closed', new TypeError('The database connection is not open'), 'connection'],
    ['a unique violation on SQLite', coded('SQLITE_CONSTRAINT_UNIQUE'), undefined],
    ['pg query_timeout', new Error('Query read timeout'), 'timeout'],
    ['pg Client connectionTimeoutMillis', new Error('timeout expired'), 'timeout'],
    ['pg Pool connecting a client', new Error('Connection terminated due to connection timeout'), 'timeout'],
    ['pg Pool waiting for a client', new Error('timeout exceeded when trying to connect'), 'timeout'],
    ['pg connection lost', new Error('Connection terminated unexpectedly'), 'connection'],
    ['pg client not queryable', new Error('Client has encountered a connection error and is not queryable'), 'connection'],
    ['pg pool ended', new Error('Cannot use a pool after calling end on the pool'), 'connection'],
    ['connection refused', coded('ECONNREFUSED'), 'connection'],
    ['connection reset', coded('ECONNRESET'), 'connection'],
    ['57P01 admin shutdown', coded('57P01', 'terminating connection due to administrator command'), 'connection'],
    ['08006 connection failure', coded('08006'), 'connection'],
    ['53300 too many clients', coded('53300'), 'busy'],
    ['57014 statement_timeout', coded('57014', 'canceling statement due to statement timeout'), 'timeout'],
    ['55P03 lock_timeout', coded('55P03'), 'busy'],
    ['40P01 deadlock', coded('40P01'), 'busy'],
    ['40001 serialization failure', coded('40001'), 'busy'],
    ['23505 unique violation', coded('23505'), undefined],
    ['22001 value too long', coded('22001'), undefined],
    ['Drizzle\'s wrapper of a lost connection', Object.assign(new Error('Failed query: select 1'), { cause: new Error('Connection terminated unexpectedly') }), 'connection'],
    ['Drizzle\'s wrapper of a constraint', Object.assign(new Error('Failed query: insert'), { cause: coded('23505') }), undefined],
    ['a plain bug', new TypeError('x is not a function'), undefined],
    ['not an error', 'Query read timeout', undefined],
    ['null', null, undefined]
  ]
  for (const [label, error, reason] of cases) {
    const read = unavailableError(error)
    t.equal(read?.reason, reason, label)
    if (read !== undefined) {
      t.ok(read instanceof DatabaseUnavailableError, `${label}: normalized`)
      t.equal(read.cause, error, `${label}: keeps the driver's error`)
    }
  }
  const own = new DatabaseUnavailableError('timeout')
  t.equal(unavailableError(own), own, 'its own error is kept as it is')
  t.strictSame([own.name, own.message], ['DatabaseUnavailableError', 'The database did not answer in time.'])
  t.strictSame([new DatabaseUnavailableError('busy').message, new DatabaseUnavailableError('connection').message], ['The database is locked by another writer.', 'The connection to the database failed.'])
  const other = coded('23505')
  t.equal(normalized(other), other)
})

t.test('bounded answers what the work answers, normalized, or a timeout past the bound', async (t) => {
  t.equal(await bounded(Promise.resolve(7), 100), 7)
  await t.rejects(bounded(Promise.reject(new Error('Connection terminated unexpectedly')), 100), { name: 'DatabaseUnavailableError', reason: 'connection' })
  await t.rejects(bounded(Promise.reject(coded('23505')), 100), { code: '23505' })
  const started = Date.now()
  await t.rejects(bounded(new Promise(() => {}), 50), { name: 'DatabaseUnavailableError', reason: 'timeout' })
  t.ok(Date.now() - started < 500)
})

t.test('retryLocked tries again without blocking until the lock is gone or the bound has passed', async (t) => {
  t.throws(() => retryLocked(coded('SQLITE_CONSTRAINT_UNIQUE'), () => 1, 100), { code: 'SQLITE_CONSTRAINT_UNIQUE' }, 'another error is thrown at once')
  t.throws(() => retryLocked(new TypeError('The database connection is not open'), () => 1, 100), { name: 'DatabaseUnavailableError', reason: 'connection' })
  let tries = 0
  t.equal(await retryLocked(coded('SQLITE_BUSY'), () => { if (++tries < 3) throw coded('SQLITE_BUSY'); return 'done' }, 1000), 'done')
  t.equal(tries, 3)
  await t.rejects(retryLocked(coded('SQLITE_BUSY'), () => { throw coded('SQLITE_IOERR') }, 1000), { code: 'SQLITE_IOERR' }, 'a later error that is not the lock ends the retries')
  const started = Date.now()
  await t.rejects(retryLocked(coded('SQLITE_BUSY'), () => { throw coded('SQLITE_BUSY') }, 120), { name: 'DatabaseUnavailableError', reason: 'busy' })
  const ms = Date.now() - started
  t.ok(ms >= 100 && ms < 600, `gave up after ${ms} ms`)
  const sqlite = new Database(':memory:')
  t.teardown(() => sqlite.close())
  t.equal(sqlite.pragma('busy_timeout', { simple: true }), 5000, 'better-sqlite3 waits 5 s by default, synchronously: the plugin sets 0 (tests/faults-sqlite)')
})

t.test('nestsDeeper counts brackets outside strings, escapes included, in one pass', async (t) => {
  t.equal(MAX_BODY_DEPTH, 66)
  t.equal(nestsDeeper('[[[]]]', 3), false)
  t.equal(nestsDeeper('[[[[]]]]', 3), true)
  t.equal(nestsDeeper('{"a":{"b":{"c":{}}}}', 3), true)
  t.equal(nestsDeeper('{"a":"[[[[[[","b":"\\"[[[[[[[["}', 1), false, 'brackets in strings, after an escaped quote too')
  t.equal(nestsDeeper('[[],[],[],[],[],[]]', 2), false, 'siblings do not add up')
  t.equal(nestsDeeper('[1]', 0), true)
  t.equal(nestsDeeper('[', 5), false, 'shorter than the limit: not scanned')
  t.equal(nestsDeeper(`{"a":{"b":"${'x'.repeat(100)}"}}`, 2), false, 'longer than the limit, but no more brackets than it')
  t.equal(nestsDeeper(`{"a":{"b":{"c":"${'x'.repeat(100)}"}}}`, 2), true, 'one bracket more than the limit, nested')
  t.equal(nestsDeeper(`{"a":["[{","${'x'.repeat(100)}"]}`, 2), false, 'more brackets than the limit, some in strings: scanned')
})

t.test('isPgPool recognizes a node-postgres Pool by its shape', async (t) => {
  const pg = (await import('pg')).default
  const pool = new pg.Pool()
  t.teardown(() => pool.end())
  t.equal(isPgPool(pool), true)
  t.equal(isPgPool(new pg.Client()), false)
  t.equal(isPgPool(undefined), false)
  t.equal(isPgPool({ connect () {}, on () {} }), false)
})

t.test('onClient gives the client back when the work throws before its first query, and destroys it on a timeout', async (t) => {
  const released: unknown[] = []
  const client: PgClient = { query: async () => ({ rows: [] }), on: () => client }
  const pool = { connect (callback: (error: Error | undefined, client: PgClient, release: (error?: unknown) => void) => void) { callback(undefined, client, (error) => { released.push(error) }) } } as unknown as PgPool
  const unbindable = new TypeError('a value the statement cannot bind')
  await t.rejects(onClient(pool, 1000, () => { throw unbindable }), unbindable, 'thrown at once: rejected with that error')
  t.same(released, [undefined], 'the client went back to the pool, not destroyed')
  t.equal(await onClient(pool, 1000, async (c) => (await c.query('SELECT 1')).rows.length), 0, 'a work that answers resolves its value')
  t.same(released, [undefined, undefined])
  await t.rejects(onClient(pool, 20, () => new Promise(() => {})), DatabaseUnavailableError, 'past the bound: unavailable')
  t.equal(released.length, 3)
  t.ok(released[2] instanceof DatabaseUnavailableError, 'and the client released with the error, so the pool destroys it')
})
