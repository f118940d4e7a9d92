/**
 * `node --expose-gc --import tsx bench/bulk-memory.ts`: how much memory a bulk create of 10,000
 * authors holds beyond its request body, in copies of the rows. The example app on an SQLite
 * file; the adapter's write is wrapped to collect garbage and read the heap at the moment the
 * forms are largest (every form made and cleaned, every write planned, nothing written yet),
 * again as the answer's items are serialized, and once the answer is sent. A copy of the rows is the heap that 10,000 authors' objects take
 * (`structuredClone` of the parsed body, measured the same way). Prints one line per measure.
 *
 * BENCH_ITEMS (10000).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../example-app/app.ts'

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with node --expose-gc')
const ITEMS = Number(process.env.BENCH_ITEMS ?? 10_000)
const heap = (): number => {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`

const dir = mkdtempSync(join(tmpdir(), 'ffr-memory-'))
const app = await buildApp({ dbFile: join(dir, 'memory.db'), token: 't' })
let atAnswer = 0
// the answer's items made, before they are written out as JSON
app.addHook('preSerialization', async (_request, _reply, payload) => {
  atAnswer = heap()
  return payload
})
const items = (tag: string): Array<Record<string, unknown>> => Array.from({ length: ITEMS }, (_, i) => ({ name: `${tag} ${i}`, title: ['MR', 'MRS', 'MS'][i % 3], birthDate: '1980-05-17' }))

// one copy of the rows: what the parsed items take
const before = heap()
const copy: unknown[] = [structuredClone(items('copy'))]
const oneCopy = heap() - before
copy.length = 0

// the example app's author resource runs on the built package; its adapter is this class once built
interface Writes { write (ops: unknown[]): unknown }
const { SQLiteAdapter: Built } = await import('../dist/db/sqlite.js') as unknown as { SQLiteAdapter: { prototype: Writes } }
let atWrite = 0
const original = Built.prototype.write
Built.prototype.write = function (this: Writes, ops) {
  atWrite = heap()
  return original.call(this, ops)
}
const run = async (tag: string): Promise<{ start: number, peak: number, answer: number, after: number }> => {
  const payload = JSON.stringify(items(tag))
  const start = heap()
  // the body as the plugin parses it: one copy of the rows is the request's own
  const response = await app.inject({ method: 'POST', url: '/api/authors/', payload, headers: { 'content-type': 'application/json', authorization: 'Bearer t' } })
  if (response.statusCode !== 201) throw new Error(response.body.slice(0, 200))
  const after = heap()
  return { start, peak: atWrite, answer: atAnswer, after }
}
await run('warm')
const { start, peak, answer, after } = await run('measured')
const extra = peak - start - oneCopy
console.log(`bulk-memory: one copy of ${ITEMS.toLocaleString('en-US')} rows is ${mb(oneCopy)}`)
console.log(`bulk-memory: at the write the request holds ${mb(peak - start)} beyond its JSON text: the parsed body (one copy) and ${mb(extra)} more, ${(extra / oneCopy).toFixed(2)} copies of the rows`)
console.log(`bulk-memory: as the answer is written out it holds ${mb(answer - start)}: the parsed body and ${((answer - start - oneCopy) / oneCopy).toFixed(2)} copies more (the rows written, and the items made of them)`)
console.log(`bulk-memory: after the answer ${mb(after - start)} is still held (prepared statements and their plans)`)
await app.close()
rmSync(dir, { recursive: true, force: true })
