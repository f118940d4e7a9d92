/**
 * `AB_A=/path/to/other/checkout npx tsx bench/ab.ts`: before and after a change of lib/, in one
 * process. The example app of checkout A (built: `npm run build` there; a worktree with
 * `git worktree add`) and of this checkout (B, or `AB_B`) each on a SQLite file in /dev/shm with
 * 1,000 authors, driven with inject() in alternating batches of 300. Prints the median CPU µs per
 * request of each and B's CPU ÷ A's, paired batch by batch: below 1.00, B is cheaper. Each app
 * resolves `fastify-form-resources` to its own checkout's dist/. Moves by ±3-5% between runs on a
 * quiet machine.
 *
 * BENCH_PHASE=create|update|read|hooked (create), BENCH_ROUNDS (30).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { batches, median, seedAuthors } from './inject.ts'
const A = process.env.AB_A
if (A === undefined) throw new Error('AB_A: the other checkout\'s folder')
const B = process.env.AB_B ?? new URL('..', import.meta.url).pathname
const phase = process.env.BENCH_PHASE ?? 'create'
const BATCH = 300
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30)
const dir = mkdtempSync(join(process.env.BENCH_TMP ?? '/dev/shm', 'ab-'))
const token = 't'
const a = (await import(`${A}/example-app/app.ts`)).buildApp
const b = (await import(`${B}/example-app/app.ts`)).buildApp
const apps = { a: await a({ dbFile: join(dir, 'a.db'), token }), b: await b({ dbFile: join(dir, 'b.db'), token }) }
seedAuthors(join(dir, 'a.db'))
seedAuthors(join(dir, 'b.db'))
const run = batches(phase, token, { size: BATCH })
const batch = async (kind: 'a' | 'b'): Promise<number> => await run(apps[kind])
const results: Record<string, number[]> = { a: [], b: [] }
for (let r = 0; r < 3; r++) { await batch('a'); await batch('b') }
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? ['a', 'b'] as const : ['b', 'a'] as const
  for (const kind of order) results[kind].push(await batch(kind))
}
console.log(`${phase}: A ${median(results.a).toFixed(1)} µs, B ${median(results.b).toFixed(1)} µs, paired B/A ${median(results.a.map((x, i) => results.b[i] / x)).toFixed(3)}`)
await apps.a.close()
await apps.b.close()
rmSync(dir, { recursive: true, force: true })
