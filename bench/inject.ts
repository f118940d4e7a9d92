/**
 * What the in-process checks (bench/quick.ts, bench/ab.ts, bench/cold.ts, bench/app-size.ts)
 * share: seeding an app's SQLite file with 1,000 authors, a batch of requests sent with
 * inject() that returns the process's CPU µs per request, requests sent one at a time that
 * return the main thread's, and running a script's measurement in a child process pinned to
 * core 0. Not the benchmark.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'

/** Seeds the authors table of an app's SQLite file with 1,000 rows (ids 1 to 1,000). */
export function seedAuthors (file: string): void {
  const seed = new Database(file)
  const insert = seed.prepare('INSERT INTO authors (name, title, birth_date) VALUES (?, ?, ?)')
  seed.transaction(() => { for (let i = 1; i <= 1000; i++) insert.run(`seed ${i}`, 'MR', '1970-01-01') })()
  seed.close()
}

// the whole process's CPU time: the thread's schedstat moves in 4 ms ticks, too coarse for a batch
const cpu = (): number => { const { user, system } = process.cpuUsage(); return user + system }
const wall = (): number => Number(process.hrtime.bigint()) / 1000
const TITLES = ['MR', 'MRS', 'MS']

/** An inject() request of one phase. */
export interface InjectRequest { method: 'GET' | 'POST' | 'PUT', url: string, payload?: string }

/**
 * The `n`th request of a phase (from 1): creates with a new name each, updates of the seeded
 * rows, reads by key, list pages as `npm run bench` asks for them, sticky notes for `hooked`.
 * Each phase sends names of its own, so one phase served after another takes none of its names.
 */
export function requestOf (phase: string, n: number): InjectRequest {
  const id = (n % 1000) + 1
  const payload = JSON.stringify({ name: `${phase[0]}${n}`, title: TITLES[n % 3], birthDate: '1980-02-03' })
  if (phase === 'create') return { method: 'POST', url: '/api/authors/', payload }
  if (phase === 'hooked') return { method: 'POST', url: '/api/sticky-notes/', payload: JSON.stringify({ text: `n${n}\r\n\r\n\r\n\r\nand more`, timestamp: '2024-01-02T03:04:05Z' }) }
  if (phase === 'read') return { method: 'GET', url: `/api/authors/${id}/` }
  if (phase === 'list') return { method: 'GET', url: `/api/authors/?title=MR&ordering=-name&start=${(n * 25) % 500}` }
  return { method: 'PUT', url: `/api/authors/${id}/`, payload }
}

/** A signed-in JSON request's headers for `token`. */
export const headersFor = (token: string): Record<string, string> => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` })

/**
 * A batch runner for one phase: `size` requests (`requestOf`) in groups of 10, each checked for
 * a 2xx; resolves the µs per request (CPU time, or wall time with `clock: 'wall'`).
 */
export function batches (phase: string, token: string, { size = 300, clock = 'cpu' }: { size?: number, clock?: string } = {}): (app: FastifyInstance) => Promise<number> {
  let n = 0
  const now = clock === 'wall' ? wall : cpu
  const headers = headersFor(token)
  return async function batch (app) {
    const start = now()
    const pending = []
    for (let i = 0; i < size; i++) {
      pending.push(app.inject({ ...requestOf(phase, ++n), headers }))
      if (pending.length === 10) {
        for (const res of await Promise.all(pending)) if (res.statusCode >= 300) throw new Error(`${res.statusCode} ${res.body}`)
        pending.length = 0
      }
    }
    await Promise.all(pending)
    return (now() - start) / size
  }
}

/** The median of a list of numbers. */
export const median = (xs: readonly number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }

/**
 * Runs `script` (a file path) as `node --import tsx <script> run <args...>` in a new process,
 * pinned to core 0 when `taskset` is there, and returns the number its last line prints.
 */
export function pinnedRunner (script: string): (...args: string[]) => number {
  let pin: string[] = []
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' })
    pin = ['taskset', '-c', '0']
  } catch {}
  return (...args) => {
    const [command, ...rest] = [...pin, process.execPath, '--import', 'tsx', script, 'run', ...args]
    const out = spawnSync(command, rest, { encoding: 'utf8' })
    if (out.status !== 0) throw new Error(`${args.join(' ')} run failed: ${out.stderr}`)
    return Number(out.stdout.trim().split('\n').at(-1))
  }
}

/**
 * An app's main thread CPU µs per request of `phase`, sent with inject() one at a time: the app
 * `build` makes on a new SQLite file in /dev/shm seeded with 1,000 authors, signed in with
 * `token`, 12,000 requests to warm up, then 10,000 measured. `after`, when given, runs after
 * each measured request and returns the µs of its own work, which is left out.
 */
export async function oneAtATime (build: (dbFile: string) => Promise<FastifyInstance>, phase: string, token: string, after?: () => number): Promise<number> {
  const dir = mkdtempSync('/dev/shm/ffr-one-')
  const app = await build(join(dir, 'a.db'))
  seedAuthors(join(dir, 'a.db'))
  const headers = headersFor(token)
  let n = 0
  let own = 0
  const send = async (count: number, measured: boolean): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const res = await app.inject({ ...requestOf(phase, ++n), headers })
      if (res.statusCode >= 300) throw new Error(`${res.statusCode} ${res.body}`)
      if (measured && after !== undefined) own += after()
    }
  }
  await send(12_000, false)
  const thread = (): number => Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1000
  const before = thread()
  await send(10_000, true)
  const perRequest = (thread() - before - own) / 10_000
  await app.close()
  rmSync(dir, { recursive: true, force: true })
  return perRequest
}
