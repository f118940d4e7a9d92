/**
 * `valgrind --tool=callgrind node --import tsx bench/count.ts`: drives one app in process with
 * inject() for BENCH_COUNT requests of BENCH_PHASE (create, update, hooked), for counting
 * instructions per request (bench/instructions.ts runs it twice and subtracts), which holds
 * steady however busy the machine is. Not the benchmark: a tool for changing lib/.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { buildApp } from '../example-app/app.ts'
import { buildBaseline } from './baseline-server.ts'

const phase = process.env.BENCH_PHASE ?? 'create'
const count = Number(process.env.BENCH_COUNT ?? 1000)
const kind = process.env.BENCH_KIND ?? 'plugin'
const dir = mkdtempSync(join(process.env.BENCH_TMP ?? tmpdir(), 'count-'))
const token = 't'
const dbFile = join(dir, 'a.db')
const app = kind === 'plugin' ? await buildApp({ dbFile, token }) : await buildBaseline({ dbFile, token })
const seed = new Database(dbFile)
const insert = seed.prepare('INSERT INTO authors (name, title, birth_date) VALUES (?, ?, ?)')
seed.transaction(() => { for (let i = 1; i <= 1000; i++) insert.run(`seed ${i}`, 'MR', '1970-01-01') })()
seed.close()
const TITLES = ['MR', 'MRS', 'MS']
const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` }
const pending: Array<Promise<unknown>> = []
for (let n = 1; n <= count; n++) {
  const payload = JSON.stringify({ name: `n${n}`, title: TITLES[n % 3], birthDate: '1980-02-03' })
  const req = phase === 'create'
    ? { method: 'POST' as const, url: '/api/authors/', payload }
    : { method: 'PUT' as const, url: `/api/authors/${(n % 1000) + 1}/`, payload }
  pending.push(app.inject({ ...req, headers }).then((r) => { if (r.statusCode >= 300) throw new Error(`${r.statusCode} ${r.body}`) }))
  if (pending.length === 10) { await Promise.all(pending); pending.length = 0 }
}
await Promise.all(pending)
await app.close()
rmSync(dir, { recursive: true, force: true })
