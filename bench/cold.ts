/**
 * `npx tsx bench/cold.ts`: the plugin and the hand-written route with warm caches and with cold
 * ones. Each run is one app alone in a new process pinned to core 0, on an SQLite file in
 * /dev/shm seeded with 1,000 authors, sent BENCH_PHASE (hooked) requests with inject() one at a
 * time: 12,000 to warm up, then 10,000 measured. With BENCH_COLD_KB (1024) set, each request is
 * followed by a walk over a buffer of that many KB, one byte per 64-byte line, which evicts
 * from the core's caches what the request left there, as the kernel's socket work and SQLite's
 * do between the requests of a real server. The walk's own time is taken in the loop and
 * left out. Prints, for warm and cold, the median main thread CPU µs per request of each app
 * over BENCH_ROUNDS (4) pairs of runs, and the plugin's extra µs.
 *
 * The question it answers: is a cost the plugin adds per request paid mostly in instructions
 * (the same extra warm and cold) or in the code and data it touches (the extra growing when
 * the caches are cold)? A tool for changing lib/, not the benchmark; its cold figures move by
 * a fifth from run to run on a shared machine, so read only differences far larger than that.
 */
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../example-app/app.ts'
import { buildBaseline } from './baseline-server.ts'
import { median, oneAtATime, pinnedRunner } from './inject.ts'

const env = process.env
const phase = env.BENCH_PHASE ?? 'hooked'

if (process.argv[2] === 'run') console.log(JSON.stringify(await measure(process.argv[3], Number(process.argv[4]))))
else drive()

/** One app's main thread CPU µs per request, with the walk over `kb` KB after each request (none for 0) left out. */
async function measure (kind: string, kb: number): Promise<number> {
  const token = 't'
  const lines = new Uint8Array(kb * 1024)
  const walk = (): number => {
    const start = process.hrtime.bigint()
    for (let at = 0; at < lines.length; at += 64) lines[at]++
    return Number(process.hrtime.bigint() - start) / 1000
  }
  const build = (dbFile: string): Promise<FastifyInstance> => kind === 'plugin' ? buildApp({ dbFile, token }) : buildBaseline({ dbFile, token })
  return oneAtATime(build, phase, token, kb > 0 ? walk : undefined)
}

function drive (): void {
  const rounds = Number(env.BENCH_ROUNDS ?? 4)
  const coldKb = Number(env.BENCH_COLD_KB ?? 1024)
  const measured = pinnedRunner(fileURLToPath(import.meta.url))
  const run = (kind: string, kb: number): number => measured(kind, String(kb))
  for (const kb of [0, coldKb]) {
    const plugin: number[] = []
    const baseline: number[] = []
    for (let round = 0; round < rounds; round++) {
      // ABBA, so that a drift of the machine falls on both
      const order = round % 2 === 0 ? ['plugin', 'baseline'] : ['baseline', 'plugin']
      for (const kind of order) (kind === 'plugin' ? plugin : baseline).push(run(kind, kb))
    }
    const p = median(plugin)
    const b = median(baseline)
    const label = kb === 0 ? 'warm' : `cold (${kb} KB walked after each request)`
    console.log(`${phase} ${label}: plugin ${p.toFixed(1)} µs, hand-written ${b.toFixed(1)} µs, plugin's extra ${(p - b).toFixed(1)} µs  (rounds: plugin ${plugin.map((x) => x.toFixed(0)).join(' ')}; hand-written ${baseline.map((x) => x.toFixed(0)).join(' ')})`)
  }
}
