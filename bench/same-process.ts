/**
 * `npx tsx bench/same-process.ts`: the plugin's routes and the hand-written ones in one server
 * process, one heap and one Fastify instance: the example app, with bench/baseline-server.ts's
 * routes mounted beside it under `/hw` on a second connection to the same SQLite file (WAL,
 * 1,000 seeded authors). autocannon drives the two in turn, ABBA, over 127.0.0.1, the server
 * pinned to core 0 and autocannon to core 1 as in bench/run.ts. For each phase it prints the
 * median of the main thread's CPU time per request of each side and their ratio (hand-written ÷
 * plugin: 1.00 equally fast, as `npm run bench` reads its req/s ratios).
 *
 * Two processes, as `npm run bench` runs them, differ by their processes too: the same code
 * measured again in a new pair moves by up to a tenth. Here both sides share everything but
 * their route, so what is left between them is the route's own work. A tool for changing lib/;
 * the benchmark's figures are `npm run bench`'s. Knobs: BENCH_ONLY (create,update,hooked),
 * BENCH_ROUNDS (8), BENCH_DURATION (3 s), BENCH_WARMUP (2 s), BENCH_CONNECTIONS (10), and
 * BENCH_NODE_FLAGS (the server's node flags: `--cpu-prof --cpu-prof-dir=<dir>` profiles it).
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import Database from 'better-sqlite3'
import { requestFor, TOKEN, type Phase } from './requests.ts'

const env = process.env
const PREFIX = '/hw'

if (process.argv[2] === 'server') {
  // the server: the example app and, under PREFIX, the hand-written routes on the same file
  const { buildApp } = await import('../example-app/app.ts')
  const { registerBaseline } = await import('./baseline-server.ts')
  const { seedAuthors } = await import('./inject.ts')
  const dbFile = env.BENCH_DB_FILE!
  const app = await buildApp({ dbFile, token: TOKEN })
  seedAuthors(dbFile)
  const sqlite = new Database(dbFile)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  await app.register(async (context) => { registerBaseline(context, sqlite, { token: TOKEN }) }, { prefix: PREFIX })
  app.addHook('onClose', async () => { sqlite.close() })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  process.send!({ port: typeof address === 'object' && address !== null ? address.port : 0 })
  // a clean exit, so that --cpu-prof writes its profile
  process.on('disconnect', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
} else {
  await drive()
}

async function drive (): Promise<void> {
  const phases = (env.BENCH_ONLY ?? 'create,update,hooked').split(',').filter((name): name is Phase => ['create', 'update', 'hooked'].includes(name))
  const rounds = Number(env.BENCH_ROUNDS ?? 8)
  const duration = Number(env.BENCH_DURATION ?? 3)
  const warmup = Number(env.BENCH_WARMUP ?? 2)
  const connections = Number(env.BENCH_CONNECTIONS ?? 10)
  const dir = mkdtempSync(join(tmpdir(), 'ffr-same-'))
  let pin = true
  try {
    execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' })
  } catch {
    pin = false
  }
  const self = fileURLToPath(import.meta.url)
  const args = ['--import', 'tsx', ...(env.BENCH_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== ''), self, 'server']
  const [command, commandArgs] = pin ? ['taskset', ['-c', '0', process.execPath, ...args]] : [process.execPath, args]
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...env, BENCH_DB_FILE: join(dir, 'bench.db'), NODE_ENV: 'production' } })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => { resolve((message as { port: number }).port) })
    child.once('exit', (code) => { reject(new Error(`the server exited (${String(code)}) before listening`)) })
  })
  // taskset execs node in its own place: the child is the server, and its main thread has its pid
  const pid = child.pid!
  const cpu = (): number => Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1000
  const run = async (side: 'plugin' | 'hw', phase: Phase, tag: string, seconds: number): Promise<number> => {
    const before = cpu()
    const result = await autocannon({ url: `http://127.0.0.1:${port}`, connections, duration: seconds, requests: [requestFor(phase, `${side} ${tag}`, side === 'hw' ? PREFIX : '')] })
    const used = cpu() - before
    if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) throw new Error(`${side} ${phase}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`)
    return used / result['2xx']
  }
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b)
    const mid = sorted.length >> 1
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  }
  const lines: string[] = []
  try {
    for (const phase of phases) {
      await run('plugin', phase, `${phase} warm-up`, warmup)
      await run('hw', phase, `${phase} warm-up`, warmup)
      const figures = { plugin: [] as number[], hw: [] as number[] }
      for (let round = 0; round < rounds; round++) {
        for (const side of round % 2 === 0 ? ['plugin', 'hw'] as const : ['hw', 'plugin'] as const) figures[side].push(await run(side, phase, `${phase} ${round}`, duration))
      }
      const [p, h] = [median(figures.plugin), median(figures.hw)]
      const line = `${phase}: plugin ${p.toFixed(1)} µs CPU/req, hand-written ${h.toFixed(1)} µs CPU/req, ratio ${(h / p).toFixed(2)}`
      console.log(`${line}  (rounds: plugin ${figures.plugin.map((f) => f.toFixed(0)).join(' ')}; hand-written ${figures.hw.map((f) => f.toFixed(0)).join(' ')})`)
      lines.push(`${phase} ${(h / p).toFixed(2)}`)
    }
  } finally {
    child.disconnect()
    await new Promise((resolve) => child.once('exit', resolve))
    rmSync(dir, { recursive: true, force: true })
  }
  console.log(`same-process: ${lines.join(', ')}`)
}
