/**
 * `BENCH_KIND=plugin|baseline BENCH_PHASE=create|update|read|hooked npx tsx bench/solo.ts`: one
 * app alone in its process, driven with inject() (no HTTP) on an SQLite file seeded with 1,000
 * authors: 6 batches of 1,000 requests to warm up, then BENCH_BATCHES (20) measured. Prints the
 * main thread's CPU µs per request (from the scheduler, /proc/self/task/<pid>/schedstat) and the
 * whole process's (the collector's and compiler's threads with it). `BENCH_BEFORE=create,update`
 * has the app serve those phases first (6 batches each), as the bench's servers have.
 *
 * bench/quick.ts runs both apps in one process, which cancels the machine's drift but shares
 * one heap: a major collection is charged to whichever app runs when it comes. Run this one
 * for each app in turn, several times, and compare the main thread's figures. A tool for
 * changing lib/, not the benchmark.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../example-app/app.ts'
import { buildBaseline } from './baseline-server.ts'
import { batches, seedAuthors } from './inject.ts'

const phase = process.env.BENCH_PHASE ?? 'create'
const kind = process.env.BENCH_KIND ?? 'plugin'
const BATCHES = Number(process.env.BENCH_BATCHES ?? 20)
const dir = mkdtempSync(join(process.env.BENCH_TMP ?? tmpdir(), 'solo-'))
const dbFile = join(dir, 'a.db')
const token = 't'
const app = kind === 'plugin' ? await buildApp({ dbFile, token }) : await buildBaseline({ dbFile, token })
seedAuthors(dbFile)
const run = batches(phase, token, { size: 1000 })
// phases the app serves first (`BENCH_BEFORE=create,update`), as the server of `npm run bench` has served them before `hooked`
for (const before of (process.env.BENCH_BEFORE ?? '').split(',').filter((name) => name !== '')) {
  const earlier = batches(before, token, { size: 1000 })
  for (let i = 0; i < 6; i++) await earlier(app)
}
const schedstat = `/proc/self/task/${process.pid}/schedstat`
/** The main thread's CPU time in µs (Linux), else the process's. */
const thread = (): number => {
  try {
    return Number(readFileSync(schedstat, 'utf8').split(' ')[0]) / 1000
  } catch {
    return processTime()
  }
}
const processTime = (): number => { const { user, system } = process.cpuUsage(); return user + system }
for (let i = 0; i < 6; i++) await run(app)
const [thread0, process0] = [thread(), processTime()]
for (let i = 0; i < BATCHES; i++) await run(app)
const perRequest = (µs: number): string => (µs / (BATCHES * 1000)).toFixed(1)
console.log(`${phase} ${kind}: main thread ${perRequest(thread() - thread0)} µs CPU/req, process ${perRequest(processTime() - process0)} µs CPU/req`)
await app.close()
rmSync(dir, { recursive: true, force: true })
