/**
 * `npm run bench`: the example app's AuthorResource against a hand-written Fastify + TypeBox +
 * Drizzle route (bench/baseline-server.ts), each in a child process on its own on-disk SQLite
 * file in WAL mode, driven by autocannon over 127.0.0.1 with 10 connections. Creates (POST, a
 * new unique name each request) and updates (PUT on seeded rows, a new unique name and title),
 * the two servers alternating round by round, sticky notes through parse and clean hooks
 * (hooked, SQLite), bulk creates of 1,000 authors per request (bulk-1000, 2 connections), and
 * bulk-linear: the plugin's CPU time per 10,000-item request ÷ per 1,000-item request (linear is
 * at most 11). The last line is
 * `bench: create X.XX, update Y.YY, hooked Z.ZZ, bulk-1000 B.BB, bulk-linear L.LL`: plugin
 * req/s ÷ hand-written req/s, medians over rounds, and the linearity ratio.
 *
 * Environment:
 * - BENCH_ROUNDS (8), BENCH_DURATION (seconds per run, 3), BENCH_WARMUP (seconds, 5), BENCH_CONNECTIONS (10);
 * - BENCH_BASELINE=sqlite|drizzle: the hand-written route's statements, better-sqlite3's (the
 *   default, the fastest) or Drizzle's prepared queries;
 * - BENCH_PROFILE=plugin|baseline|both: node --cpu-prof on that server, profiles in
 *   bench/profiles/<kind>/ (the largest file is the main thread);
 * - BENCH_ONLY=create|update|hooked|bulk-1000|list: one phase only, or a comma-separated list (`list,create`) run in the bench's own order;
 * - BENCH_BULK_CONNECTIONS (2), BENCH_LINEAR_REPS (4): the bulk phase's connections, bulk-linear's requests per size;
 * - BENCH_ROUNDS_PER_PAIR (2): the rounds one pair of server processes serves. Each phase starts
 *   on a new pair, and every ROUNDS_PER_PAIR rounds a new pair takes over on the same files or
 *   databases (seeded once), warmed up on the phase again: the two processes of a pair differ
 *   by more than their code (the same code in a new pair moves by up to a tenth), and a median
 *   over several pairs averages that out where one pair for the whole run does not.
 *
 * When DATABASE_URL is set, the same phases run again on PostgreSQL: the plugin is
 * buildApp({ databaseUrl }) and the hand-written route is bench/baseline-pg.ts (node-postgres,
 * named prepared statements), each on a fresh database `bench_<kind>_<random>` made through
 * DATABASE_URL and dropped at the end. The last line then ends with
 * `, pg-create A.AA, pg-update B.BB, pg-bulk-1000 C.CC, pg-bulk-linear D.DD`.
 * - BENCH_PG_ROUNDS (4), BENCH_PG_DURATION (seconds per run, BENCH_DURATION): the PostgreSQL rounds;
 * - BENCH_DIALECT=sqlite|pg: one database only.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon, { type Result } from 'autocannon'
import pg from 'pg'
import { BULK_ITEMS, bulkBody, headers, requestFor, SEED_ROWS, TOKEN, type Phase } from './requests.ts'

type Kind = 'plugin' | 'baseline'
type Dialect = 'sqlite' | 'pg'
/** Where a server keeps its rows: an SQLite file, or a PostgreSQL database of its own. */
type Store = { dbFile: string } | { databaseUrl: string, database: string }
interface Server { kind: Kind, child: ChildProcess, port: number, store: Store }
interface Run { reqs: number, cpuPerRequest: number, serverBusy: number, clientBusy: number, p50: number, p99: number, non2xx: number, errors: number }

const env = process.env
const ROUNDS = Number(env.BENCH_ROUNDS ?? 8)
const DURATION = Number(env.BENCH_DURATION ?? 3)
const WARMUP = Number(env.BENCH_WARMUP ?? 5)
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 10)
// a new pair of server processes every so many rounds: one process can run slower for its whole life
const ROUNDS_PER_PAIR = Math.max(1, Number(env.BENCH_ROUNDS_PER_PAIR ?? 2))
const PG_ROUNDS = Number(env.BENCH_PG_ROUNDS ?? 4)
const PG_DURATION = Number(env.BENCH_PG_DURATION ?? DURATION)
const DATABASE_URL = env.DATABASE_URL ?? ''
const DIALECTS: Dialect[] = (['sqlite', 'pg'] as const).filter((d) => (env.BENCH_DIALECT === undefined || env.BENCH_DIALECT === '' || env.BENCH_DIALECT === d) && (d === 'sqlite' || DATABASE_URL !== ''))
// the list first: it reads a page of the 1,000 seeded authors, before the writes of the other phases add theirs
const ALL_PHASES: Phase[] = ['list', 'create', 'update', 'hooked', 'bulk-1000']
// `BENCH_ONLY=list,create`: those phases, in the bench's own order (what a server served before may move a phase's figure)
const ONLY = (env.BENCH_ONLY ?? '').split(',').filter((name) => ALL_PHASES.includes(name as Phase))
const PHASES: Phase[] = ONLY.length > 0 ? ALL_PHASES.filter((phase) => ONLY.includes(phase)) : ALL_PHASES
/** The phases of a dialect: `hooked` runs on SQLite only. */
const phasesOf = (dialect: Dialect): Phase[] => PHASES.filter((phase) => dialect === 'sqlite' || phase !== 'hooked')
/** Connections of the bulk phase (each request carries 1,000 rows), and requests per size for bulk-linear. */
const BULK_CONNECTIONS = Number(env.BENCH_BULK_CONNECTIONS ?? 2)
const LINEAR_REPS = Number(env.BENCH_LINEAR_REPS ?? 4)
const KINDS: Kind[] = ['plugin', 'baseline']
const childFile = fileURLToPath(new URL('./child.ts', import.meta.url))
const profileDir = fileURLToPath(new URL('./profiles/', import.meta.url))
const root = fileURLToPath(new URL('..', import.meta.url))

// two cores: the servers on the first, autocannon (this process) on the second
const pin = cpus().length >= 2 && hasTaskset()
function hasTaskset (): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
if (pin) execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' })

function startServer (kind: Kind, store: Store, seed: boolean): Promise<Server> {
  const profile = env.BENCH_PROFILE === kind || env.BENCH_PROFILE === 'both'
  const nodeArgs = ['--import', 'tsx', ...(profile ? ['--cpu-prof', '--cpu-prof-dir', join(profileDir, kind)] : []), ...(env.BENCH_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== ''), childFile, kind]
  const [command, args] = pin ? ['taskset', ['-c', '0', process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs]
  const child = spawn(command, args, {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...env, ...('dbFile' in store ? { BENCH_DB_FILE: store.dbFile } : { BENCH_DATABASE_URL: store.databaseUrl }), BENCH_TOKEN: TOKEN, BENCH_SEED_ROWS: String(seed ? SEED_ROWS : 0), NODE_ENV: 'production' }
  })
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ kind, child, port: (message as { port: number }).port, store }))
    child.once('exit', (code) => reject(new Error(`the ${kind} server exited (${String(code)}) before listening`)))
  })
}

function stopServer (server: Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { server.child.kill('SIGKILL') }, 10_000)
    server.child.once('exit', () => { clearTimeout(timer); resolve() })
    server.child.send('stop')
  })
}

/** The server's CPU time so far (its main thread where Linux tells it), in microseconds. */
function cpuTime (server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.child.once('message', (message) => {
      resolve((message as { cpu: number }).cpu)
    })
    server.child.send('cpu')
  })
}

async function drive (server: Server, phase: Phase, tag: string, duration: number): Promise<Run> {
  const cpuBefore = await cpuTime(server)
  const clientBefore = process.cpuUsage()
  const result: Result = await autocannon({
    url: `http://127.0.0.1:${server.port}`,
    connections: phase === 'bulk-1000' ? BULK_CONNECTIONS : CONNECTIONS,
    duration,
    requests: [requestFor(phase, tag)]
  })
  const client = process.cpuUsage(clientBefore)
  const cpu = await cpuTime(server) - cpuBefore
  return { reqs: result['2xx'] / result.duration, cpuPerRequest: cpu / (result['2xx'] + result.non2xx), serverBusy: cpu / 1e6 / result.duration, clientBusy: (client.user + client.system) / 1e6 / result.duration, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors + result.timeouts }
}

/** Sends the same requests to both servers and fails when their answers differ. */
async function checkParity (servers: Record<Kind, Server>, dialect: Dialect): Promise<void> {
  const cases: Array<{ method: string, path: string, body?: unknown, auth?: boolean }> = [
    { method: 'POST', path: '/api/authors/', body: { name: 'Parity Writer', title: 'MRS', birthDate: '1950-02-28' } },
    { method: 'POST', path: '/api/authors/', body: { name: ' Parity Writer ', title: 'MR' } },
    { method: 'POST', path: '/api/authors/', body: { name: 'x'.repeat(201), title: 'DR', birthDate: '1950-02-31' } },
    { method: 'POST', path: '/api/authors/', body: { title: 'MS' } },
    { method: 'POST', path: '/api/authors/', body: { name: 'Nobody' }, auth: false },
    { method: 'PUT', path: '/api/authors/1/', body: { name: 'Parity Writer' } },
    { method: 'PUT', path: '/api/authors/2/', body: { name: 'Parity Changed', title: 'MS' } },
    { method: 'PUT', path: '/api/authors/2/', body: { birthDate: null } },
    { method: 'PUT', path: '/api/authors/3/', body: { title: 'MS' } },
    { method: 'PUT', path: '/api/authors/999999/', body: { name: 'Ghost' } },
    // text no text field takes: a null character (Django's message), a lone surrogate (no character)
    { method: 'POST', path: '/api/authors/', body: { name: 'Null\u0000Writer' } },
    { method: 'PUT', path: '/api/authors/4/', body: { name: 'Lone \ud800 Writer' } },
    // bulk creates: every row written, in request order; errors by item, as Django's formsets give them
    { method: 'POST', path: '/api/authors/', body: [{ name: 'Bulk One', title: 'MR' }, { name: ' Bulk Two ', birthDate: '1990-01-02' }, { name: 'Bulk Three', title: null }] },
    { method: 'POST', path: '/api/authors/', body: [{ name: 'Bulk Four' }, { name: 'Parity Changed' }, { name: '', title: 'DR' }, { name: 'Bulk Four' }, { name: 'x'.repeat(201) }, { name: 'Bulk Five', birthDate: '1950-02-31' }] },
    { method: 'POST', path: '/api/authors/', body: [{ name: 'Bulk Six' }], auth: false },
    { method: 'POST', path: '/api/authors/', body: [{ name: 'Bulk Seven' }, { name: 'Bulk\u0000Eight' }, { name: '\udc00' }] },
    // the list: a filter and an ordering, the links keeping the query, a title that is no choice
    { method: 'GET', path: '/api/authors/?title=MR&ordering=-name&max-results=3&start=3' },
    { method: 'GET', path: '/api/authors/?title=MS&ordering=name' },
    { method: 'GET', path: '/api/authors/?title=DR&ordering=-name' },
    ...(dialect === 'sqlite'
      ? [
          { method: 'POST', path: '/api/sticky-notes/', body: { text: 'a\r\n\r\n\r\nb', timestamp: '2024-01-02T03:04:05+01:00' } },
          { method: 'POST', path: '/api/sticky-notes/', body: { text: '  ', timestamp: '2999-01-01T00:00:00Z' } },
          { method: 'POST', path: '/api/sticky-notes/', body: { text: 'soon', timestamp: 'tomorrow' } },
          { method: 'POST', path: '/api/sticky-notes/', body: { text: 'a\u0000b' } },
          { method: 'POST', path: '/api/sticky-notes/', body: { text: 'lone \udbff' } },
          { method: 'POST', path: '/api/sticky-notes/', body: { text: 'unsigned' }, auth: false }
        ]
      : [])
  ]
  const answer = async (server: Server, c: typeof cases[number]): Promise<string> => {
    const response = await fetch(`http://127.0.0.1:${server.port}${c.path}`, {
      method: c.method,
      headers: c.auth === false ? { 'content-type': 'application/json' } : headers,
      ...(c.method === 'GET' ? {} : { body: JSON.stringify(c.body) })
    })
    // compared as JSON with sorted keys: key order is not part of the answer
    const text = JSON.stringify(sortKeys(JSON.parse((await response.text()).replaceAll(`127.0.0.1:${server.port}`, 'HOST'))))
    const picked = ['location', 'etag', 'www-authenticate', 'content-type'].map((h) => `${h}=${response.headers.get(h)?.replaceAll(`127.0.0.1:${server.port}`, 'HOST') ?? ''}`)
    return `${response.status} ${picked.join(' ')} ${text}`
  }
  for (const c of cases) {
    const [plugin, baseline] = [await answer(servers.plugin, c), await answer(servers.baseline, c)]
    if (plugin !== baseline) throw new Error(`parity: ${c.method} ${c.path} ${JSON.stringify(c.body)} answers differently:\n  plugin:   ${plugin}\n  baseline: ${baseline}`)
  }
  console.log(`parity: ${cases.length} requests answered identically by both servers`)
}

function sortKeys (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]))
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
const size = (store: Store, suffix = ''): string => {
  if (!('dbFile' in store)) return '-'
  const file = store.dbFile + suffix
  try {
    return `${(statSync(file).size / 1024 / 1024).toFixed(1)} MB`
  } catch {
    return '-'
  }
}

/** A fresh PostgreSQL database for one server, on the server of DATABASE_URL. */
async function createDatabase (kind: Kind): Promise<{ databaseUrl: string, database: string }> {
  const database = `bench_${kind}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${database}`)
  } finally {
    await admin.end()
  }
  const url = new URL(DATABASE_URL)
  url.pathname = `/${database}`
  return { databaseUrl: url.toString(), database }
}

async function dropDatabases (databases: string[]): Promise<void> {
  if (databases.length === 0) return
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  try {
    for (const database of databases) await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  } finally {
    await admin.end()
  }
}

/** Both phases on one database kind: the servers, the parity check, the rounds and the table; returns the ratios. */
/**
 * bulk-linear: the plugin's CPU time per bulk create of 1,000 items and of 10,000, each the
 * median of `LINEAR_REPS` requests sent one after another (after one of each to warm up).
 * Returns the ratio; at most 11 is linear.
 */
async function bulkLinear (server: Server, tag: string): Promise<{ small: number, large: number, ratio: number }> {
  let n = 0
  const one = async (count: number): Promise<number> => {
    const body = bulkBody(tag, ++n, count)
    const before = await cpuTime(server)
    const response = await fetch(`http://127.0.0.1:${server.port}/api/authors/`, { method: 'POST', headers, body })
    await response.arrayBuffer()
    if (response.status !== 201) throw new Error(`bulk-linear: ${count} items answered ${response.status}`)
    return await cpuTime(server) - before
  }
  await one(BULK_ITEMS)
  await one(10 * BULK_ITEMS)
  const small: number[] = []
  const large: number[] = []
  for (let i = 0; i < LINEAR_REPS; i++) {
    small.push(await one(BULK_ITEMS))
    large.push(await one(10 * BULK_ITEMS))
  }
  const [s, l] = [median(small), median(large)]
  return { small: s, large: l, ratio: l / s }
}

async function bench (dialect: Dialect): Promise<{ ratios: Partial<Record<Phase | 'linear', number>>, failed: boolean }> {
  const rounds = dialect === 'pg' ? PG_ROUNDS : ROUNDS
  const duration = dialect === 'pg' ? PG_DURATION : DURATION
  const dir = mkdtempSync(join(tmpdir(), 'ffr-bench-'))
  const servers = {} as Record<Kind, Server>
  const stores = {} as Record<Kind, Store>
  const databases: string[] = []
  let pairs = 0
  // a new pair on the same stores (seeded by the first): the kind started first alternates
  const newPair = async (): Promise<void> => {
    await Promise.all(Object.values(servers).map(stopServer))
    for (const kind of KINDS) delete servers[kind]
    for (const kind of pairs % 2 === 0 ? KINDS : [...KINDS].reverse()) servers[kind] = await startServer(kind, stores[kind], pairs === 0)
    pairs++
  }
  try {
    for (const kind of KINDS) {
      if (dialect === 'pg') {
        const store = await createDatabase(kind)
        databases.push(store.database)
        stores[kind] = store
      } else {
        stores[kind] = { dbFile: join(dir, `${kind}.db`) }
      }
    }
    await newPair()
    console.log(`\nbench (${dialect === 'pg' ? 'PostgreSQL' : 'SQLite'}): ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}, ${pin ? 'servers pinned to core 0, autocannon to core 1' : 'no CPU pinning'}`)
    console.log(`bench: ${CONNECTIONS} connections, ${rounds} rounds of ${duration} s per server and phase, a new pair of server processes every ${ROUNDS_PER_PAIR} rounds, ${WARMUP} s warm-up per pair, ${dialect === 'pg' ? `PostgreSQL databases ${databases.join(', ')}` : `SQLite WAL in ${dir}`}`)
    console.log(`bench: the hand-written route runs ${dialect === 'pg' ? 'node-postgres named prepared statements' : env.BENCH_BASELINE === 'drizzle' ? 'Drizzle\'s prepared queries' : 'better-sqlite3 statements'}`)
    await checkParity(servers, dialect)

    const runs: Record<Phase, Record<Kind, Run[]>> = { create: { plugin: [], baseline: [] }, update: { plugin: [], baseline: [] }, hooked: { plugin: [], baseline: [] }, 'bulk-1000': { plugin: [], baseline: [] }, list: { plugin: [], baseline: [] } }
    const label = dialect === 'pg' ? 'pg-' : ''
    const warmUp = async (phase: Phase, round: number): Promise<void> => {
      for (const kind of KINDS) {
        const warm = await drive(servers[kind], phase, `${phase} warm-up${round > 1 ? ` ${round}` : ''}`, WARMUP)
        console.log(`${label}${phase} warm-up ${kind} (pair ${pairs}): ${fmt(warm.reqs)} req/s`)
      }
    }
    for (const [index, phase] of phasesOf(dialect).entries()) {
      for (let round = 1; round <= rounds; round++) {
        // every ROUNDS_PER_PAIR rounds of a phase on a new pair of processes, warmed up on the phase
        if ((round - 1) % ROUNDS_PER_PAIR === 0) {
          if (index > 0 || round > 1) await newPair()
          await warmUp(phase, round)
        }
        // ABBA: who goes first alternates, so a drift of the machine favours neither
        const order: Kind[] = round % 2 === 1 ? ['plugin', 'baseline'] : ['baseline', 'plugin']
        for (const kind of order) {
          const run = await drive(servers[kind], phase, `${phase} ${round}`, duration)
          runs[phase][kind].push(run)
          const bad = run.non2xx + run.errors > 0 ? `  (!! ${run.non2xx} non-2xx, ${run.errors} errors)` : ''
          console.log(`${label}${phase} round ${round} ${kind.padEnd(8)}: ${fmt(run.reqs).padStart(6)} req/s, ${run.cpuPerRequest.toFixed(0)} µs CPU/req, server busy ${(100 * run.serverBusy).toFixed(0)}%, autocannon busy ${(100 * run.clientBusy).toFixed(0)}%, p50 ${run.p50} ms, p99 ${run.p99} ms${bad}`)
        }
      }
    }

    const lines = ['', `${dialect === 'pg' ? 'PostgreSQL' : 'SQLite'}:`, '', '| phase | round | plugin req/s | hand-written req/s | ratio | plugin CPU µs/req | hand-written CPU µs/req | plugin p99 ms | hand-written p99 ms |', '|---|---|---:|---:|---:|---:|---:|---:|---:|']
    const ratios: Partial<Record<Phase | 'linear', number>> = {}
    let failed = false
    for (const phase of phasesOf(dialect)) {
      const { plugin, baseline } = runs[phase]
      for (let i = 0; i < plugin.length; i++) {
        lines.push(`| ${phase} | ${i + 1} | ${fmt(plugin[i].reqs)} | ${fmt(baseline[i].reqs)} | ${(plugin[i].reqs / baseline[i].reqs).toFixed(2)} | ${plugin[i].cpuPerRequest.toFixed(0)} | ${baseline[i].cpuPerRequest.toFixed(0)} | ${plugin[i].p99} | ${baseline[i].p99} |`)
        failed ||= plugin[i].non2xx + plugin[i].errors + baseline[i].non2xx + baseline[i].errors > 0
      }
      const [p, b] = [median(plugin.map((r) => r.reqs)), median(baseline.map((r) => r.reqs))]
      ratios[phase] = p / b
      lines.push(`| **${phase}** | **median** | **${fmt(p)}** | **${fmt(b)}** | **${(p / b).toFixed(2)}** | ${median(plugin.map((r) => r.cpuPerRequest)).toFixed(0)} | ${median(baseline.map((r) => r.cpuPerRequest)).toFixed(0)} | ${median(plugin.map((r) => r.p99))} | ${median(baseline.map((r) => r.p99))} |`)
    }
    console.log(lines.join('\n'))
    const linear = await bulkLinear(servers.plugin, `${label}linear`)
    console.log(`${label}bulk-linear: CPU per request ${fmt(linear.small)} µs for ${BULK_ITEMS.toLocaleString('en-US')} items, ${fmt(linear.large)} µs for ${(10 * BULK_ITEMS).toLocaleString('en-US')} (x${linear.ratio.toFixed(2)}; at most 11 is linear)`)
    ratios.linear = linear.ratio
    if (dialect === 'sqlite') console.log(`\nSQLite files after the run: plugin ${size(servers.plugin.store)} (+ WAL ${size(servers.plugin.store, '-wal')}), hand-written ${size(servers.baseline.store)} (+ WAL ${size(servers.baseline.store, '-wal')})`)
    return { ratios, failed }
  } finally {
    await Promise.all(Object.values(servers).map(stopServer))
    rmSync(dir, { recursive: true, force: true })
    await dropDatabases(databases)
  }
}

const results: Partial<Record<Dialect, Partial<Record<Phase | 'linear', number>>>> = {}
let failed = false
for (const dialect of DIALECTS) {
  const result = await bench(dialect)
  results[dialect] = result.ratios
  failed ||= result.failed
}
if (failed) {
  console.log('bench: some requests failed (non-2xx or socket errors): the numbers above are not valid')
  process.exitCode = 1
}
const ratio = (value: number | undefined): string => value?.toFixed(2) ?? '-'
const pgPart = DATABASE_URL !== '' ? `, pg-create ${ratio(results.pg?.create)}, pg-update ${ratio(results.pg?.update)}, pg-bulk-1000 ${ratio(results.pg?.['bulk-1000'])}, pg-bulk-linear ${ratio(results.pg?.linear)}, pg-list ${ratio(results.pg?.list)}` : ''
console.log(`bench: create ${ratio(results.sqlite?.create)}, update ${ratio(results.sqlite?.update)}, hooked ${ratio(results.sqlite?.hooked)}, bulk-1000 ${ratio(results.sqlite?.['bulk-1000'])}, bulk-linear ${ratio(results.sqlite?.linear)}, list ${ratio(results.sqlite?.list)}${pgPart}`)
