/**
 * `npx tsx bench/quick.ts`: a quick in-process check while changing lib/, not the benchmark.
 * Both apps (the example app and bench/baseline-server.ts) run in one process, each on its own
 * SQLite file in WAL mode seeded with 1,000 authors, and are driven with inject() in alternating
 * batches (no HTTP). Prints the median CPU µs per request of each and their ratio, overall and
 * paired batch by batch. The process's CPU time is used: the thread's schedstat moves in 4 ms
 * ticks, too coarse for one batch. Rounds still move by ±5%.
 *
 * BENCH_PHASE=create|update|read|hooked (create), BENCH_BATCH (300), BENCH_ROUNDS (20),
 * BENCH_KIND=plugin|baseline (one only, to profile it with --cpu-prof),
 * BENCH_CLOCK=wall (wall time rather than CPU time), BENCH_TMP (the files' folder; /dev/shm keeps
 * the disk out of it).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../example-app/app.ts'
import { buildBaseline } from './baseline-server.ts'
import { batches, median, seedAuthors } from './inject.ts'

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
seedAuthors(join(dir, 'p.db'))
seedAuthors(join(dir, 'b.db'))
const run = batches(phase, token, { size: BATCH, clock: process.env.BENCH_CLOCK })
const batch = async (kind: 'plugin' | 'baseline'): Promise<number> => await run(apps[kind])
const results: Record<string, number[]> = { plugin: [], baseline: [] }
for (let r = 0; r < 3; r++) { await batch('plugin'); await batch('baseline') }
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? ['plugin', 'baseline'] as const : ['baseline', 'plugin'] as const
  for (const kind of order) if (only === undefined || only === kind) results[kind].push(await batch(kind))
}
if (only !== undefined) {
  // one app only (to profile it): its own figure
  console.log(`${phase}: ${only} ${median(results[only]).toFixed(1)} µs`)
} else {
  const p = median(results.plugin)
  const b = median(results.baseline)
  const paired = median(results.plugin.map((x, i) => results.baseline[i] / x))
  console.log(`${phase}: plugin ${p.toFixed(1)} µs, baseline ${b.toFixed(1)} µs, cpu ratio ${(b / p).toFixed(3)}, paired ${paired.toFixed(3)}`)
}
await apps.plugin.close()
await apps.baseline.close()
rmSync(dir, { recursive: true, force: true })
