/**
 * One benchmarked server in a child process of bench/run.ts: `plugin` (the example app's
 * AuthorResource, built by example-app/app.ts) or `baseline` (bench/baseline-server.ts).
 * Opens its own SQLite file (WAL), seeds the rows the update rounds change, listens on a free
 * port of 127.0.0.1, reports `{ port }` over IPC, answers `'cpu'` with its CPU time and closes cleanly on `'stop'` (so that
 * `--cpu-prof` can write its profile).
 */
import { readFileSync } from 'node:fs'
import Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../example-app/app.ts'
import { buildBaseline } from './baseline-server.ts'

const kind = process.argv[2]
const dbFile = process.env.BENCH_DB_FILE
const token = process.env.BENCH_TOKEN ?? 'bench'
const seedRows = Number(process.env.BENCH_SEED_ROWS ?? 1000)
if ((kind !== 'plugin' && kind !== 'baseline') || dbFile === undefined || process.send === undefined) {
  throw new Error('bench/child.ts is started by bench/run.ts: child.ts plugin|baseline with BENCH_DB_FILE set and an IPC channel.')
}

const app: FastifyInstance = kind === 'plugin'
  ? await buildApp({ dbFile, token })
  : await buildBaseline({ dbFile, token, statements: process.env.BENCH_BASELINE === 'drizzle' ? 'drizzle' : 'sqlite' })

// rows for the update rounds, written before the server starts (ids 1..seedRows)
const seed = new Database(dbFile)
const insert = seed.prepare('INSERT INTO authors (name, title, birth_date) VALUES (?, ?, ?)')
seed.transaction(() => {
  for (let i = 1; i <= seedRows; i++) insert.run(`seed ${i}`, 'MR', '1970-01-01')
})()
seed.close()

await app.listen({ host: '127.0.0.1', port: 0 })
const address = app.server.address()
process.send({ port: typeof address === 'object' && address !== null ? address.port : 0 })

// the main thread's CPU time in microseconds: from the scheduler where Linux tells it (GC and
// compiler threads left out), else the whole process's
const schedstat = `/proc/self/task/${process.pid}/schedstat`
function mainThreadCpu (): number {
  try {
    return Number(readFileSync(schedstat, 'utf8').split(' ')[0]) / 1000
  } catch {
    const { user, system } = process.cpuUsage()
    return user + system
  }
}

process.on('message', (message) => {
  // 'cpu': the CPU time used so far, to charge each run its CPU time per request
  if (message === 'cpu') process.send!({ cpu: mainThreadCpu() })
  if (message === 'stop') app.close().then(() => process.exit(0), () => process.exit(1))
})
process.on('disconnect', () => process.exit(0))
