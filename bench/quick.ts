/**
 * `npx tsx bench/quick.ts`: a quick in-process check while changing lib/, not the benchmark.
 * Both apps (the example app and bench/baseline-server.ts) run in one process, each on its own
 * SQLite file in WAL mode seeded with 1,000 authors, and are driven with inject() in alternating
 * batches (no HTTP). Prints the median CPU µs per request of each and their ratio, overall and
 * paired batch by batch. The process's CPU time is used: the thread's schedstat moves in 4 ms
 * ticks, too coarse for one batch. Rounds still move by ±5%.
 *
 * BENCH_PHASE=create|update (create), BENCH_BATCH (300), BENCH_ROUNDS (20),
 * BENCH_KIND=plugin|baseline (one only, to profile it with --cpu-prof),
 * BENCH_CLOCK=wall (wall time rather than CPU time), BENCH_TMP (the files' folder; /dev/shm keeps
 * the disk out of it).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { buildApp } from '../example-app/app.ts'
import { buildBaseline } from './baseline-server.ts'

const phase = process.env.BENCH_PHASE ?? 'create'
const BATCH = Number(process.env.BENCH_BATCH ?? 300)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20)
const only = process.env.BENCH_KIND
const dir = mkdtempSync(join(process.env.BENCH_TMP ?? tmpdir(), 'quick-'))
const token = 't'
const apps = {
  plugin: await buildApp({ dbFile: join(dir, 'p.db'), token }),
  baseline: await buildBaseline({ dbFile: join(dir, 'b.db'), token })
}
for (const file of ['p.db', 'b.db']) {
  const seed = new Database(join(dir, file))
  const insert = seed.prepare('INSERT INTO authors (name, title, birth_date) VALUES (?, ?, ?)')
  seed.transaction(() => { for (let i = 1; i <= 1000; i++) insert.run(`seed ${i}`, 'MR', '1970-01-01') })()
  seed.close()
}
// the whole process's CPU time: the thread's schedstat moves in 4 ms ticks, too coarse for a batch
const cpu = (): number => { const { user, system } = process.cpuUsage(); return user + system }
let n = 0
const TITLES = ['MR', 'MRS', 'MS']
async function batch (kind: 'plugin' | 'baseline'): Promise<number> {
  const app = apps[kind]
  const start = process.env.BENCH_CLOCK === 'wall' ? Number(process.hrtime.bigint()) / 1000 : cpu()
  const pending = []
  for (let i = 0; i < BATCH; i++) {
    n++
    const body = JSON.stringify({ name: `n${n}`, title: TITLES[n % 3], birthDate: '1980-02-03' })
    const req = phase === 'create'
      ? { method: 'POST' as const, url: '/api/authors/', payload: body }
      : { method: 'PUT' as const, url: `/api/authors/${(n % 1000) + 1}/`, payload: body }
    pending.push(app.inject({ ...req, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } }))
    if (pending.length === 10) {
      const res = await Promise.all(pending)
      for (const r of res) if (r.statusCode >= 300) throw new Error(`${kind} ${r.statusCode} ${r.body}`)
      pending.length = 0
    }
  }
  await Promise.all(pending)
  return ((process.env.BENCH_CLOCK === 'wall' ? Number(process.hrtime.bigint()) / 1000 : cpu()) - start) / BATCH
}
const results: Record<string, number[]> = { plugin: [], baseline: [] }
for (let r = 0; r < 3; r++) { await batch('plugin'); await batch('baseline') }
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? ['plugin', 'baseline'] as const : ['baseline', 'plugin'] as const
  for (const kind of order) if (only === undefined || only === kind) results[kind].push(await batch(kind))
}
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
const p = median(results.plugin)
const b = median(results.baseline)
const paired = median(results.plugin.map((x, i) => results.baseline[i] / x))
console.log(`${phase}: plugin ${p.toFixed(1)} µs, baseline ${b.toFixed(1)} µs, cpu ratio ${(b / p).toFixed(3)}, paired ${paired.toFixed(3)}`)
await apps.plugin.close()
await apps.baseline.close()
rmSync(dir, { recursive: true, force: true })
