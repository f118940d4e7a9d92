/**
 * One benchmarked server in a child process of bench/run.ts: `plugin` (the example app's
 * AuthorResource, built by example-app/app.ts) or `baseline` (bench/baseline-server.ts on
 * SQLite, bench/baseline-pg.ts on PostgreSQL). Opens its own SQLite file (WAL) at
 * BENCH_DB_FILE, or its own PostgreSQL database at BENCH_DATABASE_URL, seeds the rows the
 * update rounds change, listens on a free port of 127.0.0.1, reports `{ port }` over IPC,
 * answers `'cpu'` with its CPU time and closes cleanly on `'stop'` (so that `--cpu-prof` can
 * write its profile).
 */
import { readFileSync } from 'node:fs'
import Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { buildApp } from '../example-app/app.ts'
import { buildBaselinePg } from './baseline-pg.ts'
import { buildBaseline } from './baseline-server.ts'

const kind = process.argv[2]
const dbFile = process.env.BENCH_DB_FILE
const databaseUrl = process.env.BENCH_DATABASE_URL
const token = process.env.BENCH_TOKEN ?? 'bench'
const seedRows = Number(process.env.BENCH_SEED_ROWS ?? 1000)
if ((kind !== 'plugin' && kind !== 'baseline') || (dbFile === undefined && databaseUrl === undefined) || process.send === undefined) {
  throw new Error('bench/child.ts is started by bench/run.ts: child.ts plugin|baseline with BENCH_DB_FILE (SQLite) or BENCH_DATABASE_URL (PostgreSQL) set and an IPC channel.')
}

let app: FastifyInstance
if (databaseUrl !== undefined) {
  // PostgreSQL: a fresh database made by run.ts for this server alone
  app = kind === 'plugin' ? await buildApp({ databaseUrl, token }) : await buildBaselinePg({ databaseUrl, token })
  // rows for the update rounds (ids 1..seedRows: the database is new); none when a later pair of servers takes over (BENCH_SEED_ROWS=0)
  if (seedRows > 0) {
    const seed = new pg.Client({ connectionString: databaseUrl })
    await seed.connect()
    await seed.query('INSERT INTO authors (name, title, birth_date) SELECT \'seed \' || i, \'MR\', \'1970-01-01\' FROM generate_series(1, $1::int) AS i ORDER BY i', [seedRows])
    // one row with an avatar, for the parity check of its URL
    await seed.query('UPDATE authors SET avatar = \'avatars/seed.png\' WHERE id = 3')
    await seed.query('ANALYZE authors')
    await seed.end()
  }
} else {
  app = kind === 'plugin'
    ? await buildApp({ dbFile, token })
    : await buildBaseline({ dbFile: dbFile!, token, statements: process.env.BENCH_BASELINE === 'drizzle' ? 'drizzle' : 'sqlite' })
  // rows for the update rounds, written before the server starts (ids 1..seedRows); none for a later pair
  if (seedRows > 0) {
    const seed = new Database(dbFile)
    const insert = seed.prepare('INSERT INTO authors (name, title, birth_date) VALUES (?, ?, ?)')
    seed.transaction(() => {
      for (let i = 1; i <= seedRows; i++) insert.run(`seed ${i}`, 'MR', '1970-01-01')
      // one row with an avatar, for the parity check of its URL
      seed.prepare('UPDATE authors SET avatar = ? WHERE id = 3').run('avatars/seed.png')
    })()
    seed.close()
  }
}

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
