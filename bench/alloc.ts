/**
 * `BENCH_KIND=plugin|baseline BENCH_PHASE=create|update|hooked npx tsx bench/alloc.ts`: the bytes
 * one app allocates per request, every object counted (those the collector took since
 * included), by V8's sampling heap profiler (every 256 bytes) around 10,000 requests driven with
 * inject() after 10,000 to warm up, on an SQLite file in /dev/shm seeded with 1,000 authors.
 * Unlike time, the figure holds steady however busy the machine is (±50 bytes from run to run),
 * so a change of a few hundred bytes shows. inject's own objects are in both apps' figures.
 * `BENCH_SITES=N` also lists the N functions that allocate the most, bytes per request each.
 * A tool for changing lib/, not the benchmark.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { buildApp } from '../example-app/app.ts'
import { buildBaseline } from './baseline-server.ts'
import { batches, seedAuthors } from './inject.ts'

interface ProfileNode { callFrame: { functionName: string, url: string, lineNumber: number }, selfSize: number, children: ProfileNode[] }

const kind = process.env.BENCH_KIND ?? 'plugin'
const phase = process.env.BENCH_PHASE ?? 'hooked'
const sites = Number(process.env.BENCH_SITES ?? 0)
const REQUESTS = 10_000
const dir = mkdtempSync(join('/dev/shm', 'ffr-alloc-'))
const dbFile = join(dir, 'a.db')
const app = kind === 'plugin' ? await buildApp({ dbFile, token: 't' }) : await buildBaseline({ dbFile, token: 't' })
seedAuthors(dbFile)
const run = batches(phase, 't', { size: 1000 })
for (let i = 0; i < REQUESTS / 1000; i++) await run(app)
const session = new Session()
session.connect()
await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
for (let i = 0; i < REQUESTS / 1000; i++) await run(app)
const { profile } = await session.post('HeapProfiler.stopSampling') as unknown as { profile: { head: ProfileNode } }
session.disconnect()
const bySite = new Map<string, number>()
let total = 0
const walk = (node: ProfileNode): void => {
  total += node.selfSize
  const { functionName, url, lineNumber } = node.callFrame
  const site = `${functionName || '(anonymous)'} ${url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*?\/(dist|lib|bench|example-app)\//, '$1/')}:${lineNumber + 1}`
  bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize)
  for (const child of node.children) walk(child)
}
walk(profile.head)
console.log(`${kind} ${phase}: ${Math.round(total / REQUESTS)} bytes/request`)
for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, sites)) console.log(`${String(Math.round(bytes / REQUESTS)).padStart(7)} ${site}`)
await app.close()
rmSync(dir, { recursive: true, force: true })
