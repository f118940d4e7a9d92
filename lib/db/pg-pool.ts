/**
 * node-postgres pools, as the PostgreSQL adapter uses them when the Drizzle database's client is
 * one: every call on a client checked out for it, bounded by `dbTimeout`, the client destroyed
 * when the call times out or its connection fails (so a pool slot is never held by a query the
 * network swallowed, and a client with a stuck query never goes back to the pool), and an
 * `'error'` listener on every client and on the pool, so a connection the server ends never
 * crashes the process. The plugin does not import `pg`: a pool is recognized by its shape.
 */
import { DatabaseUnavailableError, unavailableError } from './faults.ts'
import type { Log } from './types.ts'

/** What the adapter uses of a node-postgres client. */
export interface PgClient {
  query (config: unknown, values?: unknown[]): Promise<{ rows: unknown[] }>
  on (event: 'error', listener: (error: Error) => void): unknown
}

/** What the adapter uses of a node-postgres `Pool`. */
export interface PgPool {
  connect (callback: (error: Error | undefined | null, client: PgClient, release: (error?: unknown) => void) => void): void
  on (event: 'error' | 'acquire', listener: (value: any) => void): unknown
  listenerCount (event: string): number
  readonly totalCount: number
  readonly idleCount: number
  readonly options?: { connectionTimeoutMillis?: number, query_timeout?: number }
}

/** Whether a Drizzle database's client is a node-postgres `Pool`. */
export function isPgPool (client: unknown): client is PgPool {
  const pool = client as Partial<PgPool> | null | undefined
  return typeof pool?.connect === 'function' && typeof pool.on === 'function' && typeof pool.totalCount === 'number' && typeof pool.idleCount === 'number'
}

const guardedClients = new WeakSet<object>()
const guardedPools = new WeakSet<object>()

// the query in flight rejects with the same error, and the pool drops a broken client when it is
// released: the listener only has to exist, since an 'error' nobody hears ends the process (a
// client may emit two: the server's 57P01, then 'Connection terminated unexpectedly')
function heard (): void {}

/** Listens for `'error'` on a client for the rest of its life (once per client). */
export function guardClient (client: PgClient): void {
  if (guardedClients.has(client)) return
  guardedClients.add(client)
  client.on('error', heard)
}

/**
 * Guards a pool once: every client it hands out (to the plugin, to Drizzle's `transaction()`,
 * to the app) gets an `'error'` listener; the pool gets one that logs when it has none (an idle
 * client whose connection the server ended); and `log` hears of a pool with no
 * `connectionTimeoutMillis` or `query_timeout`.
 */
export function guardPool (pool: PgPool, log: Log | undefined, timeout: number): void {
  if (guardedPools.has(pool)) return
  guardedPools.add(pool)
  pool.on('acquire', guardClient)
  if (pool.listenerCount('error') === 0) {
    pool.on('error', (error: Error) => log?.warn({ err: error }, 'fastify-form-resources: PostgreSQL closed an idle connection of the pool'))
  }
  const missing = (['connectionTimeoutMillis', 'query_timeout'] as const).filter((option) => pool.options?.[option] === undefined)
  if (missing.length > 0) {
    log?.warn({ missing }, `fastify-form-resources: the node-postgres pool has no ${missing.join(' and no ')}: requests are still answered within dbTimeout, but a connection the network swallows keeps its pool slot until the operating system gives up; set both in the Pool's options, at or under dbTimeout (${timeout} ms).`)
  }
}

/** What a call on a checked-out client may ask of its release. */
export interface Checkout {
  /** Destroy the client on release rather than return it to the pool (a ROLLBACK that failed). */
  destroy: boolean
}

/**
 * Runs `work` on a client checked out of `pool`, answering within `ms` (waiting for a free
 * client included). On success the client goes back to the pool; when `work` fails for a timeout
 * or a lost connection, or `ms` pass first, the client is destroyed (its query in flight is
 * abandoned) and the promise rejects with `DatabaseUnavailableError`; any other error (a
 * constraint violation) rejects as it is and the client goes back. `work` may fail at once (a
 * throw) or later (a rejection), alike. A client the pool hands over after the call gave up is
 * released at once.
 */
export function onClient<T> (pool: PgPool, ms: number, work: (client: PgClient, checkout: Checkout) => Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    let settled = false
    let release: ((error?: unknown) => void) | undefined
    const timer = setTimeout(() => {
      settled = true
      const error = new DatabaseUnavailableError('timeout')
      release?.(error)
      reject(error)
    }, ms)
    pool.connect((error, client, done) => {
      if (settled) {
        if (error === undefined || error === null) done()
        return
      }
      if (error !== undefined && error !== null) {
        settled = true
        clearTimeout(timer)
        reject(unavailableError(error) ?? error)
        return
      }
      release = done
      guardClient(client)
      const checkout: Checkout = { destroy: false }
      const failed = (failure: unknown): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        const unavailable = unavailableError(failure)
        done(unavailable !== undefined || checkout.destroy ? failure ?? true : undefined)
        reject(unavailable ?? failure)
      }
      let working: Promise<T>
      try {
        working = work(client, checkout)
      } catch (error) {
        // `work` may throw before its first query (a value it cannot bind): the client goes back
        failed(error)
        return
      }
      working.then((value) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        done(checkout.destroy ? true : undefined)
        resolve(value)
      }, failed)
    })
  })
}
