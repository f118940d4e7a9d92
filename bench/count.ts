/**
 * Drives one app (BENCH_KIND plugin or baseline) in process with inject(): BENCH_WARM requests
 * of BENCH_PHASE (create, update, hooked), then BENCH_COUNT more; with `BENCH_BEFORE=list`,
 * BENCH_BEFORE_COUNT (3,000) list pages first, as `npm run bench`'s servers serve the list
 * before the writes. Under bench/instructions.sh (valgrind's callgrind, instrumentation switched
 * on only around the counted requests) it gives instructions per request, which hold steady
 * however busy the machine is. Not the benchmark: a tool for changing lib/.
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
const warm = Number(process.env.BENCH_WARM ?? 0)
let n = 0
async function drive (requests: number): Promise<void> {
  const pending: Array<Promise<unknown>> = []
  for (const end = n + requests; n < end;) {
    n++
    const req = phase === 'hooked'
      ? { method: 'POST' as const, url: '/api/sticky-notes/', payload: JSON.stringify({ text: `note ${n}\r\n\r\n\r\nand more`, timestamp: '2024-01-02T03:04:05Z' }) }
      : phase === 'create'
        ? { method: 'POST' as const, url: '/api/authors/', payload: JSON.stringify({ name: `n${n}`, title: TITLES[n % 3], birthDate: '1980-02-03' }) }
        : { method: 'PUT' as const, url: `/api/authors/${(n % 1000) + 1}/`, payload: JSON.stringify({ name: `n${n}`, title: TITLES[n % 3] }) }
    pending.push(app.inject({ ...req, headers }).then((r) => { if (r.statusCode >= 300) throw new Error(`${r.statusCode} ${r.body}`) }))
    if (pending.length === 10) { await Promise.all(pending); pending.length = 0 }
  }
  await Promise.all(pending)
}
const line = async (): Promise<void> => await new Promise((resolve) => process.stdin.once('data', () => resolve()))
// list pages served first (`BENCH_BEFORE=list`: BENCH_BEFORE_COUNT of them), as `npm run bench`'s servers serve the list before the writes
if (process.env.BENCH_BEFORE === 'list') {
  const pages: Array<Promise<unknown>> = []
  for (let i = 0; i < Number(process.env.BENCH_BEFORE_COUNT ?? 3000); i++) {
    pages.push(app.inject({ method: 'GET', url: `/api/authors/?title=MR&ordering=-name&start=${(i * 25) % 500}`, headers }).then((r) => { if (r.statusCode !== 200) throw new Error(`${r.statusCode} ${r.body}`) }))
    if (pages.length === 10) { await Promise.all(pages); pages.length = 0 }
  }
  await Promise.all(pages)
}
await drive(warm)
if (process.env.BENCH_HANDSHAKE === '1') {
  // the counted part starts and ends when the parent says so (it switches callgrind on and off)
  console.log('ready')
  await line()
  await drive(count)
  console.log('done')
  await line()
  process.stdin.pause()
} else {
  await drive(count)
}
await app.close()
rmSync(dir, { recursive: true, force: true })
