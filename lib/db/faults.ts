/**
 * A database that is busy or out of reach, as the adapters see it: one normalized error
 * (`DatabaseUnavailableError`) for every driver's way of saying so, the bound of a call
 * (`dbTimeout`), and SQLite's wait for another process's lock, retried without blocking the
 * event loop. The HTTP side answers the normalized error 503 `SERVICE_UNAVAILABLE`.
 */
import { performance } from 'node:perf_hooks'

/** How long a database call on a request path may take, in milliseconds, unless the plugin's `dbTimeout` says otherwise. */
export const DEFAULT_DB_TIMEOUT = 5000

/** Why the database could not serve a call: it did not answer in time, it was locked, or the connection failed. */
export type UnavailableReason = 'timeout' | 'busy' | 'connection'

const DETAILS: Readonly<Record<UnavailableReason, string>> = {
  timeout: 'The database did not answer in time.',
  busy: 'The database is locked by another writer.',
  connection: 'The connection to the database failed.'
}

/**
 * The database is busy or unreachable: a call took longer than `dbTimeout`, the database stayed
 * locked by another writer, or the connection failed (refused, reset, ended by the server). The
 * outcome of a write that fails so is unknown: it may have been committed before the answer was
 * lost. `message` is the detail a 503 gives; `cause` is the driver's error, when there is one.
 */
export class DatabaseUnavailableError extends Error {
  readonly reason: UnavailableReason

  constructor (reason: UnavailableReason, options?: { cause?: unknown }) {
    super(DETAILS[reason], options)
    this.name = 'DatabaseUnavailableError'
    this.reason = reason
  }
}

// node-postgres's own errors carry no code: these are its messages (pg 8, pg-pool 3)
const PG_TIMEOUTS = new Set([
  'Query read timeout', // query_timeout
  'timeout expired', // a Client's connectionTimeoutMillis
  'Connection terminated due to connection timeout', // a Pool's, connecting a new client
  'timeout exceeded when trying to connect' // a Pool's, waiting for a free client
])
const PG_CONNECTION = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end on the pool',
  'PGlite is closed',
  'The database connection is not open' // better-sqlite3, closed
])
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN'])
/** SQLSTATEs that say "try again": the server is going away or refusing connections, a statement or lock timed out, a deadlock or serialization failure. */
const SQLSTATES: Readonly<Record<string, UnavailableReason>> = {
  '57P01': 'connection', // admin_shutdown (pg_terminate_backend)
  '57P02': 'connection', // crash_shutdown
  '57P03': 'connection', // cannot_connect_now
  53300: 'busy', // too_many_connections
  57014: 'timeout', // query_canceled (statement_timeout)
  '55P03': 'busy', // lock_not_available (lock_timeout)
  '40P01': 'busy', // deadlock_detected
  40001: 'busy' // serialization_failure
}

/** The reason one error (not its causes) says the database is unavailable, or `undefined`. */
function reasonOf (error: { code?: unknown, message?: unknown }): UnavailableReason | undefined {
  const { code, message } = error
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy'
    if (NETWORK_CODES.has(code)) return 'connection'
    if (code.length === 5) return code.startsWith('08') ? 'connection' : SQLSTATES[code]
  }
  if (typeof message === 'string') {
    if (PG_TIMEOUTS.has(message)) return 'timeout'
    if (PG_CONNECTION.has(message)) return 'connection'
  }
  return undefined
}

/**
 * Reads a database error as "busy or unreachable": the error itself when it is a
 * `DatabaseUnavailableError`, one made from it when it (or an error in its `cause` chain, as
 * Drizzle wraps the driver's) is a timeout, a lock or a connection failure of better-sqlite3,
 * node-postgres or PGlite; `undefined` for any other error (a constraint violation, a bug).
 */
export function unavailableError (error: unknown): DatabaseUnavailableError | undefined {
  let current = error
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    if (current instanceof DatabaseUnavailableError) return current
    const reason = reasonOf(current as { code?: unknown, message?: unknown })
    if (reason !== undefined) return new DatabaseUnavailableError(reason, { cause: error })
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/** `error` normalized: a `DatabaseUnavailableError` when it says the database is unavailable, else itself. */
export function normalized (error: unknown): unknown {
  return unavailableError(error) ?? error
}

/**
 * `work`'s value, or a rejection with `DatabaseUnavailableError('timeout')` once `ms` pass first;
 * its errors normalized. Only the answer is bounded: what `work` does goes on (a caller that can
 * end it on a timeout, as the pool runner does, should).
 */
export function bounded<T> (work: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new DatabaseUnavailableError('timeout')), ms)
    work.then((value) => {
      clearTimeout(timer)
      resolve(value)
    }, (error: unknown) => {
      clearTimeout(timer)
      reject(normalized(error))
    })
  })
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Whether an error is SQLite's "another connection holds the lock". */
export function isBusy (error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
}

/**
 * After `attempt` met SQLite's lock (`error`): tries it again after a short, growing, jittered
 * pause (1 ms doubling to 50 ms), never blocking the event loop, until it answers or `ms` have
 * passed since the lock was met; then rejects with `DatabaseUnavailableError('busy')`. Any other
 * error is thrown as it is (normalized); an error that is not the lock is thrown at once.
 */
export function retryLocked<T> (error: unknown, attempt: () => T, ms: number): Promise<T> {
  if (!isBusy(error)) throw normalized(error)
  const deadline = performance.now() + ms
  const again = async (): Promise<T> => {
    for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
      const left = deadline - performance.now()
      if (left <= 0) throw new DatabaseUnavailableError('busy', { cause: error })
      await sleep(Math.min(left, pause * (0.5 + Math.random())))
      try {
        return attempt()
      } catch (again) {
        if (!isBusy(again)) throw normalized(again)
      }
    }
  }
  return again()
}
