/**
 * The soak test (`npm run soak`): the example app in its own process on 127.0.0.1, mixed
 * traffic from 8 workers, and the faults of soak/faults.ts injected one after another; on
 * PostgreSQL (when DATABASE_URL is set: a fresh database, the app's pool through a TCP proxy)
 * and on SQLite (a WAL file). Each phase passes when the server never exits, every answer comes
 * in the envelope within its bound with a status its request may have, the last 3 s answer no
 * 503 (traffic recovered), the server's RSS is flat (the median of the last third of the samples
 * after warm-up at most 15% over the first third's) and the database holds what the answers say.
 * Prints a report per phase; exits 1 when a phase fails. About 50 s in all.
 */
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import pg from 'pg'
import { pgFaults } from '../test/helpers/pg-faults.ts'
import { startProxy } from '../test/helpers/tcp-proxy.ts'
import { injectFaults, pgFaultPlan, sqliteFaultPlan, type FaultPlan, type FaultWindow } from './faults.ts'
import { Ledger } from './ledger.ts'
import { startTraffic, type Observation } from './traffic.ts'

const DB_TIMEOUT = 1000
/** An answer's bound: a request makes at most three database calls, each bounded by dbTimeout, plus HTTP. */
const BOUND = 3 * DB_TIMEOUT + 1000
const WORKERS = 8
const PACE = Number(process.env.SOAK_PACE_MS ?? 2)
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const median = (values: number[]): number => { const sorted = [...values].sort((a, b) => a - b); return sorted[Math.floor(sorted.length / 2)] ?? 0 }
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`

interface Phase {
  dialect: string
  env: Record<string, string>
  plan: FaultPlan
  /** The database's authors and sticky note count, once the server is gone. */
  stored: () => Promise<{ rows: Array<{ id: number, name: string, title: string | null, birthDate: string | null }>, notes: number }>
}

/** Runs one phase; prints its report; resolves whether it passed. */
async function runPhase ({ dialect, env, plan, stored }: Phase): Promise<boolean> {
  const problems: string[] = []
  const rss: Array<[number, number]> = []
  let output = ''
  let stopping = false
  const server = fork(fileURLToPath(new URL('./server.ts', import.meta.url)), { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env, DB_TIMEOUT: String(DB_TIMEOUT), LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
  server.stdout!.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000) })
  server.stderr!.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000) })
  const exited = new Promise<number | null>((resolve) => server.on('exit', (code, signal) => {
    if (!stopping) problems.push(`the server exited (${signal ?? code}) during the run: ${output.slice(-1500)}`)
    resolve(code)
  }))
  const port = await new Promise<number>((resolve, reject) => {
    server.on('message', (message: { port?: number }) => { if (message.port !== undefined) resolve(message.port) })
    exited.then(() => reject(new Error(`the ${dialect} server did not start: ${output}`)), () => {})
  })
  const started = performance.now()
  server.on('message', (message: { rss?: number }) => { if (message.rss !== undefined) rss.push([performance.now() - started, message.rss]) })
  const ledger = new Ledger()
  const traffic = startTraffic({ base: `http://127.0.0.1:${port}`, workers: WORKERS, bound: BOUND, pace: PACE, ledger, started })
  let windows: FaultWindow[] = []
  try {
    windows = await injectFaults(plan.faults, started)
  } catch (error) {
    problems.push(`a fault could not be injected: ${(error as Error).message}`)
  }
  const end = (windows.at(-1)?.to ?? performance.now() - started) + plan.calm
  await sleep(end - (performance.now() - started))
  await traffic.stop()
  const seconds = (performance.now() - started) / 1000
  stopping = true
  server.send('stop')
  const code = await Promise.race([exited, sleep(5000).then(() => 'hung')])
  if (code !== 0) problems.push(`the server did not close cleanly (${String(code)})`)
  if (code === 'hung') server.kill('SIGKILL')

  problems.push(...traffic.problems, ...ledger.problems)
  const { rows, notes } = await stored()
  problems.push(...ledger.compare(rows, notes))
  const { observations } = traffic
  const late = observations.filter((o) => o.at > end - 3000 && o.status === 503)
  if (late.length > 0) problems.push(`${late.length} answers of 503 in the last 3 s: traffic did not recover`)
  const samples = rss.filter(([at]) => at >= plan.warmUp).map(([, bytes]) => bytes)
  const third = Math.floor(samples.length / 3)
  const first = median(samples.slice(0, third))
  const last = median(samples.slice(samples.length - third))
  const drift = first === 0 ? 0 : (last - first) / first
  if (third < 5) problems.push(`only ${samples.length} RSS samples`)
  // a leak grows; a fall is the collector giving memory back
  if (drift > 0.15) problems.push(`RSS grew ${(drift * 100).toFixed(1)}% (first third ${mb(first)}, last third ${mb(last)})`)

  report({ dialect, seconds, observations, windows, rssLine: `RSS after warm-up: first third median ${mb(first)}, last third ${mb(last)} (${drift >= 0 ? '+' : ''}${(drift * 100).toFixed(1)}%), peak ${mb(Math.max(...samples))}, ${samples.length} samples`, ledger, rows: rows.length, notes, problems })
  return problems.length === 0
}

function report ({ dialect, seconds, observations, windows, rssLine, ledger, rows, notes, problems }: {
  dialect: string, seconds: number, observations: Observation[], windows: FaultWindow[], rssLine: string, ledger: Ledger, rows: number, notes: number, problems: string[]
}): void {
  const byStatus: Record<number, number> = {}
  for (const o of observations) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1
  const ms = observations.map((o) => o.ms).sort((a, b) => a - b)
  const unavailable = observations.filter((o) => o.status === 503)
  const { authors, doubtful } = ledger.counts()
  console.log(`\nsoak ${dialect}: ${seconds.toFixed(1)} s, ${observations.length} answers (${Object.entries(byStatus).map(([s, n]) => `${s}: ${n}`).join(', ')}), crashes: ${problems.some((p) => p.startsWith('the server exited')) ? 1 : 0}`)
  console.log(`  latency: median ${median(ms).toFixed(1)} ms, p99 ${(ms[Math.floor(ms.length * 0.99)] ?? 0).toFixed(0)} ms, max ${(ms.at(-1) ?? 0).toFixed(0)} ms (bound ${BOUND} ms); 503s: max ${Math.max(0, ...unavailable.map((o) => o.ms)).toFixed(0)} ms`)
  // each 503 goes to the last fault begun before it was answered
  const during = windows.map(() => 0)
  let outside = 0
  for (const o of unavailable) {
    const i = windows.findLastIndex((w) => w.from <= o.at)
    if (i >= 0 && o.at <= windows[i].to + BOUND) during[i]++
    else outside++
  }
  for (const [i, w] of windows.entries()) console.log(`  fault at ${(w.from / 1000).toFixed(1)}-${(w.to / 1000).toFixed(1)} s: ${w.name}: ${during[i]} × 503`)
  console.log(`  503s outside a fault (or later than ${BOUND} ms after it): ${outside}`)
  console.log(`  ${rssLine}`)
  console.log(`  database: ${rows} authors stored for ${authors} created or attempted (${doubtful} in doubt after a 503, each in a state the answers allow); ${notes} sticky notes for ${ledger.notesCreated} confirmed + ${ledger.notesInDoubt} in doubt`)
  console.log(problems.length === 0 ? `  ok: ${dialect} passed` : `  FAILED: ${problems.length} problems:\n${problems.slice(0, 30).map((p) => `    - ${p}`).join('\n')}`)
}

/** The PostgreSQL phase: a fresh database on DATABASE_URL, the app's pool through a proxy. */
async function pgPhase (databaseUrl: string): Promise<boolean> {
  const name = `ffr_soak_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: databaseUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  const url = new URL(databaseUrl)
  url.pathname = `/${name}`
  const proxy = await startProxy({ target: { host: url.hostname, port: Number(url.port || 5432) } })
  const faults = await pgFaults(url.href)
  const applicationName = `ffr-soak-${process.pid}`
  const appUrl = new URL(proxy.url(url.href))
  appUrl.searchParams.set('application_name', applicationName)
  try {
    return await runPhase({
      dialect: 'postgresql',
      env: { DATABASE_URL: appUrl.href },
      plan: pgFaultPlan({ proxy, faults, applicationName, databaseUrl: url.href }),
      stored: async () => ({
        rows: (await faults.admin.query('SELECT id, name, title, birth_date::text AS "birthDate" FROM authors')).rows,
        notes: Number((await faults.admin.query('SELECT count(*) AS n FROM sticky_notes')).rows[0].n)
      })
    })
  } finally {
    await faults.close()
    await proxy.close()
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`)
    await admin.end()
  }
}

/** The SQLite phase: a WAL file in a temporary directory, locked by another process now and then. */
async function sqlitePhase (): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'ffr-soak-'))
  const file = join(dir, 'soak.db')
  try {
    return await runPhase({
      dialect: 'sqlite',
      env: { DB_FILE: file, DATABASE_URL: '' },
      plan: sqliteFaultPlan({ file }),
      stored: async () => {
        const db = new Database(file, { readonly: true })
        try {
          return {
            rows: db.prepare('SELECT id, name, title, birth_date AS birthDate FROM authors').all() as never,
            notes: (db.prepare('SELECT count(*) AS n FROM sticky_notes').get() as { n: number }).n
          }
        } finally {
          db.close()
        }
      }
    })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

const began = performance.now()
const results: boolean[] = []
if (process.env.DATABASE_URL === undefined || process.env.DATABASE_URL === '') console.log('soak postgresql: skipped (DATABASE_URL is not set)')
else results.push(await pgPhase(process.env.DATABASE_URL))
results.push(await sqlitePhase())
console.log(`\nsoak: ${results.every(Boolean) ? 'passed' : 'FAILED'} in ${((performance.now() - began) / 1000).toFixed(1)} s`)
process.exit(results.every(Boolean) ? 0 : 1)
