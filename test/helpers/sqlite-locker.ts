/**
 * Another process holding an SQLite database's write lock, to show what a write of this process
 * does when it meets the lock (SQLITE_BUSY, or a synchronous wait of `busy_timeout`).
 * Not a test file itself.
 */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'

export interface WriteLock {
  /** Resolves once the child holds the lock (`BEGIN IMMEDIATE` succeeded); rejects if it could not take it. */
  held: Promise<void>
  /** Resolves once the child has rolled back, closed the database and exited; rejects if it failed. */
  released: Promise<void>
  /** Releases the lock now instead of after `ms` (idempotent; `released` tells when it is done). */
  release (): void
  /** The child's process id. */
  pid: number
}

export interface HoldOptions {
  /** How long to hold the lock once taken, in milliseconds, unless `release()` comes first. */
  ms: number
}

// CommonJS for `node -e`; argv: [better-sqlite3's entry, file, ms]. Stdin's end (release(), or
// this test process dying) releases early, so a child never outlives its test.
const CHILD = `
const Database = require(process.argv[1])
const db = new Database(process.argv[2], { timeout: 5000 })
db.exec('BEGIN IMMEDIATE')
process.stdout.write('held\\n')
let done = false
const release = () => {
  if (done) return
  done = true
  db.exec('ROLLBACK')
  db.close()
  process.stdout.write('released\\n', () => process.exit(0))
}
setTimeout(release, Number(process.argv[3]))
process.stdin.on('end', release).on('error', release).resume()
`

/**
 * Spawns a Node process that opens the SQLite database `file`, takes its write lock with
 * `BEGIN IMMEDIATE` (in WAL mode readers go on; writers get SQLITE_BUSY), holds it for `ms`,
 * then rolls back and exits. The child waits up to 5 s for a lock someone else holds.
 */
export function holdWriteLock (file: string, { ms }: HoldOptions): WriteLock {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3')
  const child = spawn(process.execPath, ['-e', CHILD, driver, file, String(ms)], { stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let onHeld: () => void
  const held = new Promise<void>((resolve) => { onHeld = resolve })
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    if (stdout.includes('held\n')) onHeld()
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  // writing to a child that already exited fails with EPIPE: nothing to release then
  child.stdin.on('error', () => {})
  const released = new Promise<void>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (code === 0 && stdout.includes('released\n')) resolve()
      else reject(new Error(`the SQLite lock holder exited with ${signal ?? code}: ${stderr.trim()}`))
    })
  })
  const heldOrFailed = Promise.race([held, released.then(() => {
    throw new Error('the SQLite lock holder exited before taking the lock')
  })])
  // either promise may be left unawaited by a test that only needs the other one
  heldOrFailed.catch(() => {})
  released.catch(() => {})
  return {
    held: heldOrFailed,
    released,
    release () { child.stdin.end() },
    pid: child.pid!
  }
}
