// The fault-injection helpers (helpers/tcp-proxy, pg-faults, sqlite-locker, event-loop) do what
// they say. The PostgreSQL parts need a server (DATABASE_URL, else 127.0.0.1:5432) and skip without one.
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import t, { type Test } from 'tap'
import { measureStalls } from './helpers/event-loop.ts'
import { FAULTS_DATABASE_URL, pgFaults, pgUnavailable } from './helpers/pg-faults.ts'
import { holdWriteLock } from './helpers/sqlite-locker.ts'
import { startProxy, type Proxy } from './helpers/tcp-proxy.ts'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const PENDING = Symbol('pending')
/** `promise`'s value, or PENDING if it has not settled within `ms`. */
const within = <T>(promise: Promise<T>, ms: number): Promise<T | typeof PENDING> => Promise.race([promise, sleep(ms).then((): typeof PENDING => PENDING)])
/** The error `promise` rejects with (fails the test if it resolves). */
const rejection = (promise: Promise<unknown>): Promise<any> => promise.then(() => { throw new Error('expected a rejection') }, (error) => error)
const busyWait = (ms: number): void => { const end = Date.now() + ms; while (Date.now() < end); }
async function until (check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(5)
  }
}

interface Peer { socket: net.Socket, received: () => string, closed: Promise<unknown> }
async function connect (port: number): Promise<Peer> {
  const socket = net.connect(port, '127.0.0.1')
  let data = ''
  socket.setEncoding('utf8').on('data', (chunk: string) => { data += chunk })
  // once() would reject on 'error': a test that resets a socket asks for its 'error' itself
  const closed = new Promise((resolve) => socket.on('close', resolve))
  await once(socket, 'connect')
  return { socket, received: () => data, closed }
}

/** An echo server that remembers every byte it got; closed with its sockets after the test. */
async function echo (t: Test): Promise<{ port: number, received: () => string }> {
  let received = ''
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket)).on('error', () => {})
    socket.on('data', (chunk) => { received += chunk.toString() }).pipe(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy()
    server.close(() => resolve())
  }))
  return { port: (server.address() as net.AddressInfo).port, received: () => received }
}

async function proxyTo (t: Test, port: number, host = '127.0.0.1'): Promise<Proxy> {
  const proxy = await startProxy({ target: { host, port } })
  t.teardown(() => proxy.close())
  return proxy
}

t.test('the proxy forwards bytes both ways, counts open connections and rewrites a postgres URL', async (t) => {
  const server = await echo(t)
  const proxy = await proxyTo(t, server.port)
  const peer = await connect(proxy.port)
  peer.socket.write('ping')
  await until(() => peer.received() === 'ping')
  t.equal(server.received(), 'ping', 'the server got the bytes')
  t.equal(proxy.connections, 1)
  peer.socket.end()
  await until(() => proxy.connections === 0)
  t.equal(proxy.url('postgres://u:p@db.example:6543/app?sslmode=disable&host=/run/postgresql'),
    `postgres://u:p@127.0.0.1:${proxy.port}/app?sslmode=disable`)
})

t.test('a dropping partition keeps sockets open and passes no bytes; heal destroys those sockets and forwards new ones', async (t) => {
  const server = await echo(t)
  const proxy = await proxyTo(t, server.port)
  const before = await connect(proxy.port)
  proxy.partition()
  t.ok(proxy.partitioned)
  before.socket.write('lost')
  const during = await connect(proxy.port)
  during.socket.write('lost too')
  await sleep(300)
  t.equal(before.received() + during.received() + server.received(), '', 'no byte went through either way')
  t.notOk(before.socket.destroyed || during.socket.destroyed, 'both sockets are still open')
  t.equal(proxy.connections, 2, 'the new connection was accepted')
  proxy.heal()
  await Promise.all([before.closed, during.closed])
  t.equal(server.received(), '', 'the dropped bytes are gone for good')
  const after = await connect(proxy.port)
  after.socket.write('back')
  await until(() => after.received() === 'back')
  after.socket.end()
})

t.test('a buffering partition holds bytes and delivers them in order at heal; connections survive', async (t) => {
  const server = await echo(t)
  const proxy = await proxyTo(t, server.port)
  const before = await connect(proxy.port)
  proxy.partition({ buffer: true })
  before.socket.write('one,')
  const during = await connect(proxy.port)
  during.socket.write('new')
  before.socket.write('two')
  await sleep(300)
  t.equal(before.received() + during.received() + server.received(), '', 'nothing arrived during the partition')
  proxy.heal()
  await until(() => before.received() === 'one,two' && during.received() === 'new')
  t.equal(proxy.connections, 2, 'both connections are still open')
  before.socket.end()
  during.socket.end()
})

t.test('killAll ends every connection (FIN, or RST with reset) and the proxy goes on accepting; close refuses new ones', async (t) => {
  const server = await echo(t)
  const proxy = await startProxy({ target: { host: '127.0.0.1', port: server.port } })
  const [one, two] = await Promise.all([connect(proxy.port), connect(proxy.port)])
  // a client's 'connect' can come before the proxy's accept: killAll ends what the proxy accepted
  await until(() => proxy.connections === 2)
  const ended = once(one.socket, 'end')
  proxy.killAll()
  await Promise.all([ended, one.closed, two.closed])
  t.equal(proxy.connections, 0)
  const three = await connect(proxy.port)
  await until(() => proxy.connections === 1)
  const error = once(three.socket, 'error')
  proxy.killAll({ reset: true })
  t.equal((await error)[0].code, 'ECONNRESET')
  const four = await connect(proxy.port)
  four.socket.write('still here')
  await until(() => four.received() === 'still here')
  await proxy.close()
  await four.closed
  t.equal((await rejection(connect(proxy.port))).code, 'ECONNREFUSED')
})

const pgSkip = await pgUnavailable()
t.test('PostgreSQL faults', { skip: pgSkip }, async (t) => {
  const target = new URL(FAULTS_DATABASE_URL)
  const faults = await pgFaults()
  t.teardown(() => faults.close())
  let n = 0
  /** A client through `url` named uniquely, its 'error' events collected, ended after the test. */
  async function client (t: Test, url: string, options: pg.ClientConfig = {}): Promise<{ client: pg.Client, errors: Error[], name: string }> {
    const name = `fault-tools-${process.pid}-${++n}`
    const client = new pg.Client({ connectionString: url, application_name: name, ...options })
    const errors: Error[] = []
    client.on('error', (error) => errors.push(error))
    t.teardown(() => client.end().catch(() => {}))
    await client.connect()
    return { client, errors, name }
  }
  const proxied = async (t: Test): Promise<{ proxy: Proxy, url: string }> => {
    const proxy = await proxyTo(t, Number(target.port || 5432), target.hostname)
    return { proxy, url: proxy.url(FAULTS_DATABASE_URL) }
  }

  t.test('a query goes through the proxy', async (t) => {
    const { proxy, url } = await proxied(t)
    const { client: c, name } = await client(t, url)
    t.same((await c.query('SELECT 1 AS one')).rows, [{ one: 1 }])
    t.equal(proxy.connections, 1)
    t.same((await faults.listBackends({ applicationName: name })).map((b) => b.state), ['idle'])
  })

  t.test('a dropping partition answers nothing; query_timeout and connectionTimeoutMillis bound it, statement_timeout does not; heal lets new clients in', async (t) => {
    const { proxy, url } = await proxied(t)
    const plain = await client(t, url)
    const bounded = await client(t, url, { query_timeout: 300 })
    const serverBounded = await client(t, url, { statement_timeout: 200 })
    const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 300 })
    t.teardown(() => pool.end())
    proxy.partition()
    const started = Date.now()
    const unanswered = plain.client.query('SELECT 1')
    unanswered.catch(() => {})
    const [timedOut, connectFailed, poolFailed, plainResult, serverResult] = await Promise.all([
      rejection(bounded.client.query('SELECT 1')),
      rejection(new pg.Client({ connectionString: url, connectionTimeoutMillis: 300 }).connect()),
      rejection(pool.query('SELECT 1')),
      within(unanswered, 500),
      within(serverBounded.client.query('SELECT 1'), 500)
    ])
    t.equal(timedOut.message, 'Query read timeout')
    t.equal(connectFailed.message, 'timeout expired', 'a Client\'s connectionTimeoutMillis')
    t.equal(poolFailed.message, 'Connection terminated due to connection timeout', 'a Pool\'s, while connecting a new client')
    t.equal(plainResult, PENDING, 'no timeout: no answer within 500 ms')
    t.equal(serverResult, PENDING, 'statement_timeout is the server\'s: its error cannot cross the partition')
    t.ok(Date.now() - started < 1000, 'every bound held')
    t.same([plain, bounded, serverBounded].map((c) => c.errors.length), [0, 0, 0], 'no \'error\' event during the partition')

    proxy.heal()
    t.equal((await rejection(unanswered)).message, 'Connection terminated unexpectedly', 'heal ends the partitioned connections')
    await until(() => serverBounded.errors.length > 0)
    t.same([plain, bounded, serverBounded].map((c) => c.errors.map((e) => e.message)), Array(3).fill(['Connection terminated unexpectedly']))
    const fresh = await client(t, url)
    t.same((await fresh.client.query('SELECT 2 AS two')).rows, [{ two: 2 }], 'a new client connects and queries')
    t.same((await pool.query('SELECT 3 AS three')).rows, [{ three: 3 }], 'so does the pool')
  })

  t.test('a buffering partition delays a query until heal; the connection survives', async (t) => {
    const { proxy, url } = await proxied(t)
    const { client: c, errors } = await client(t, url)
    proxy.partition({ buffer: true })
    const answer = c.query('SELECT 1 AS one')
    t.equal(await within(answer, 300), PENDING)
    proxy.heal()
    t.same((await answer).rows, [{ one: 1 }])
    t.same(errors, [])
  })

  t.test('killAll: a client, an idle pool client and a checked-out client in a transaction each get \'error\'', async (t) => {
    const { proxy, url } = await proxied(t)
    const single = await client(t, url)
    const poolName = `fault-tools-${process.pid}-pool`
    const pool = new pg.Pool({ connectionString: url, max: 2, application_name: poolName })
    const poolErrors: Error[] = []
    pool.on('error', (error) => poolErrors.push(error))
    t.teardown(() => pool.end())
    await Promise.all([pool.query('SELECT 1'), pool.query('SELECT 1')])
    const checkedOut = await pool.connect()
    const checkedOutErrors: Error[] = []
    // without this listener the 'error' below would crash the test process (see NOTES.md)
    checkedOut.on('error', (error) => checkedOutErrors.push(error))
    await checkedOut.query('BEGIN')
    const running = rejection(checkedOut.query('SELECT pg_sleep(10)'))
    await faults.waitForBackends({ applicationName: poolName, state: 'active' })
    proxy.killAll()
    t.equal((await running).message, 'Connection terminated unexpectedly', 'the running query rejects')
    checkedOut.release(true)
    await until(() => single.errors.length > 0 && poolErrors.length > 0 && checkedOutErrors.length > 0)
    t.equal(single.errors[0].message, 'Connection terminated unexpectedly')
    t.equal(poolErrors[0].message, 'Connection terminated unexpectedly', 'pool \'error\' for its idle client')
    t.equal(checkedOutErrors[0].message, 'Connection terminated unexpectedly')
    t.equal(pool.totalCount, 0, 'the pool dropped both clients')
    t.same((await pool.query('SELECT 1 AS one')).rows, [{ one: 1 }], 'and connects again')
  })

  t.test('terminateBackends ends a session idle in transaction, a running query and an idle one; each client sees 57P01', async (t) => {
    const inTransaction = await client(t, FAULTS_DATABASE_URL)
    await inTransaction.client.query('BEGIN')
    await faults.waitForBackends({ applicationName: inTransaction.name, state: 'idle in transaction' })
    t.same(await faults.terminateBackends({ applicationName: inTransaction.name, state: 'idle' }), [], 'the state filter applies')
    t.equal((await faults.terminateBackends({ applicationName: inTransaction.name, state: 'idle in transaction' })).length, 1)
    await until(() => inTransaction.errors.length > 0)
    t.match(inTransaction.errors[0], { code: '57P01', message: 'terminating connection due to administrator command' })

    const active = await client(t, FAULTS_DATABASE_URL)
    const { rows: [{ pid }] } = await active.client.query('SELECT pg_backend_pid() AS pid')
    await active.client.query('BEGIN')
    const running = rejection(active.client.query('SELECT pg_sleep(10)'))
    await faults.waitForBackends({ pid, state: 'active' })
    t.same(await faults.terminateBackends({ pid }), [pid])
    t.match(await running, { code: '57P01' }, 'the running query rejects with the server\'s reason')

    const idle = await client(t, FAULTS_DATABASE_URL)
    await t.rejects(faults.terminateBackends({ state: 'idle' }), /needs applicationName, database or pid/, 'no filter: refused')
    const [{ pid: idlePid }] = await faults.listBackends({ applicationName: idle.name })
    t.same(await faults.terminateBackends({ applicationName: idle.name, exceptPid: [idlePid] }), [], 'exceptPid spares it')
    t.same(await faults.terminateBackends({ database: target.pathname.slice(1), applicationName: idle.name }), [idlePid])
    await until(() => idle.errors.length > 0)
    t.equal((idle.errors[0] as pg.DatabaseError).code, '57P01')
    t.same(await faults.listBackends({ applicationName: idle.name }), [])
  })
})

async function sqliteFile (t: Test): Promise<Database.Database> {
  const dir = await mkdtemp(join(tmpdir(), 'fault-tools-'))
  const db = new Database(join(dir, 'test.db'))
  t.teardown(async () => {
    db.close()
    await rm(dir, { recursive: true, force: true })
  })
  db.pragma('journal_mode = WAL')
  db.exec('CREATE TABLE notes (text TEXT)')
  return db
}

t.test('holdWriteLock: a write with busy_timeout = 0 fails with SQLITE_BUSY while held, reads go on, the write succeeds after release', async (t) => {
  const db = await sqliteFile(t)
  db.pragma('busy_timeout = 0')
  const lock = holdWriteLock(db.name, { ms: 10_000 })
  t.teardown(() => { lock.release(); return lock.released })
  await lock.held
  const insert = db.prepare('INSERT INTO notes VALUES (?)')
  t.throws(() => insert.run('blocked'), { code: 'SQLITE_BUSY' })
  t.same(db.prepare('SELECT count(*) AS n FROM notes').get(), { n: 0 }, 'WAL readers are not blocked')
  lock.release()
  await lock.released
  t.throws(() => process.kill(lock.pid, 0), { code: 'ESRCH' }, 'the child is gone')
  insert.run('written')
  t.same(db.prepare('SELECT text FROM notes').all(), [{ text: 'written' }])
})

t.test('holdWriteLock lets go by itself after ms, and rejects held when it cannot take the lock', async (t) => {
  const db = await sqliteFile(t)
  const lock = holdWriteLock(db.name, { ms: 150 })
  await lock.held
  const start = Date.now()
  await lock.released
  t.ok(Date.now() - start >= 100, 'held for about ms')
  db.pragma('busy_timeout = 0')
  db.prepare('INSERT INTO notes VALUES (?)').run('written')
  const broken = holdWriteLock(join(db.name, 'no', 'such.db'), { ms: 150 })
  await t.rejects(broken.held, /lock holder exited with 1/)
})

t.test('measureStalls: under 50 ms for an idle loop; a 200 ms busy loop is seen, also right before stop()', async (t) => {
  const meter = measureStalls()
  meter.start()
  await sleep(300)
  const idle = meter.stop()
  t.ok(idle.maxMs < 50, `idle: ${idle.maxMs.toFixed(1)} ms`)
  t.ok(idle.samples >= 10, `${idle.samples} samples`)
  meter.start()
  await sleep(30)
  busyWait(200)
  await sleep(30)
  const busy = meter.stop()
  t.ok(busy.maxMs >= 180 && busy.maxMs < 400, `busy: ${busy.maxMs.toFixed(1)} ms`)
  meter.start()
  busyWait(200)
  t.ok(meter.stop().maxMs >= 180, 'a stall no timer could see yet')
})

t.test('the tools together: a write waiting out busy_timeout on the lock stalls the loop; failing fast and retrying later does not', async (t) => {
  const db = await sqliteFile(t)
  const insert = db.prepare('INSERT INTO notes VALUES (?)')
  const lock = holdWriteLock(db.name, { ms: 10_000 })
  t.teardown(() => { lock.release(); return lock.released })
  await lock.held
  const meter = measureStalls()
  meter.start()
  db.pragma('busy_timeout = 250')
  t.throws(() => insert.run('waited'), { code: 'SQLITE_BUSY' })
  await sleep(20)
  t.ok(meter.stop().maxMs >= 200, 'busy_timeout waits synchronously')

  db.pragma('busy_timeout = 0')
  meter.start()
  setTimeout(() => lock.release(), 150)
  for (let tries = 1; ; tries++) {
    try {
      insert.run('retried')
      break
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || tries > 100) throw error
      await sleep(10)
    }
  }
  const retried = meter.stop()
  t.ok(retried.maxMs < 50, `retrying: ${retried.maxMs.toFixed(1)} ms`)
  t.same(db.prepare('SELECT text FROM notes').all(), [{ text: 'retried' }])
})
