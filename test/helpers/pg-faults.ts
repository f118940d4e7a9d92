/**
 * Server-side faults for PostgreSQL tests: a separate admin connection that lists the server's
 * client backends with their state and ends them with `pg_terminate_backend`, as an operator,
 * a restart or a failover would. Not a test file itself.
 */
import pg from 'pg'

/** The server the fault tests use: `DATABASE_URL`, else the local one CI starts. */
export const FAULTS_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** `pg_stat_activity.state` of a client backend. */
export type BackendState = 'active' | 'idle' | 'idle in transaction' | 'idle in transaction (aborted)' | 'fastpath function call' | 'disabled'

/** One client backend (a server process serving one connection). */
export interface Backend {
  pid: number
  database: string | null
  applicationName: string
  state: BackendState | null
  /** The running query, or the last one when idle. */
  query: string
}

/** Which backends to act on; every key given must match. The admin's own backend never matches. */
export interface BackendFilter {
  /** `application_name` the client connected with (pg's `application_name` option). */
  applicationName?: string
  database?: string
  state?: BackendState | BackendState[]
  /** Only these backends (a pg `Client`'s `processID` is its backend's pid). */
  pid?: number | number[]
  exceptPid?: number | number[]
}

export interface PgFaults {
  /** The admin connection (its own `'error'` is listened to). */
  admin: pg.Client
  /** Returns the client backends matching `filter`, oldest first. */
  listBackends (filter?: BackendFilter): Promise<Backend[]>
  /**
   * Ends the matching backends and waits (up to 5 s) until they are gone; returns their pids.
   * Throws without `applicationName`, `database` or `pid`: that would end every connection on
   * the server, other suites' too.
   */
  terminateBackends (filter: BackendFilter): Promise<number[]>
  /** Polls until at least `count` (1) backends match, e.g. one reaches `idle in transaction`; throws after `timeoutMs` (5000). */
  waitForBackends (filter: BackendFilter, options?: { count?: number, timeoutMs?: number }): Promise<Backend[]>
  /** Ends the admin connection. */
  close (): Promise<void>
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const list = (value: number | string | Array<number | string>): Array<number | string> => Array.isArray(value) ? value : [value]

function where (filter: BackendFilter): { text: string, values: unknown[] } {
  const values: unknown[] = []
  const conditions = ['backend_type = \'client backend\'', 'pid <> pg_backend_pid()']
  const add = (condition: (n: string) => string, value: unknown): void => {
    values.push(value)
    conditions.push(condition(`$${values.length}`))
  }
  if (filter.applicationName !== undefined) add((n) => `application_name = ${n}`, filter.applicationName)
  if (filter.database !== undefined) add((n) => `datname = ${n}`, filter.database)
  if (filter.state !== undefined) add((n) => `state = ANY(${n}::text[])`, list(filter.state))
  if (filter.pid !== undefined) add((n) => `pid = ANY(${n}::int[])`, list(filter.pid))
  if (filter.exceptPid !== undefined) add((n) => `NOT (pid = ANY(${n}::int[]))`, list(filter.exceptPid))
  return { text: conditions.join(' AND '), values }
}

/** Connects an admin client to `databaseUrl` and returns the fault helpers over it. */
export async function pgFaults (databaseUrl: string = FAULTS_DATABASE_URL): Promise<PgFaults> {
  const admin = new pg.Client({ connectionString: databaseUrl, application_name: 'pg-faults-admin', connectionTimeoutMillis: 5000 })
  // an admin connection ended under a test must fail that test, not crash the process
  admin.on('error', () => {})
  await admin.connect()

  async function listBackends (filter: BackendFilter = {}): Promise<Backend[]> {
    const { text, values } = where(filter)
    const { rows } = await admin.query(`SELECT pid, datname AS database, application_name AS "applicationName", state, query
      FROM pg_stat_activity WHERE ${text} ORDER BY backend_start`, values)
    return rows
  }

  return {
    admin,
    listBackends,
    async terminateBackends (filter) {
      if (filter.applicationName === undefined && filter.database === undefined && filter.pid === undefined) {
        throw new Error('terminateBackends needs applicationName, database or pid: without one it would end every connection on the server')
      }
      const { text, values } = where(filter)
      const { rows } = await admin.query(`SELECT pid, pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE ${text}`, values)
      const pids: number[] = rows.filter((row) => row.ended === true).map((row) => row.pid)
      // polled rather than pg_terminate_backend(pid, timeout) (PostgreSQL 14+), which waits in steps of 100 ms
      const deadline = Date.now() + 5000
      while ((await listBackends({ pid: pids })).length > 0) {
        if (Date.now() > deadline) throw new Error(`terminateBackends: backends ${pids.join(', ')} still running after 5 s`)
        await sleep(5)
      }
      return pids
    },
    async waitForBackends (filter, { count = 1, timeoutMs = 5000 } = {}) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const backends = await listBackends(filter)
        if (backends.length >= count) return backends
        if (Date.now() > deadline) {
          throw new Error(`waitForBackends: ${backends.length} of ${count} backends matched ${JSON.stringify(filter)} after ${timeoutMs} ms`)
        }
        await sleep(10)
      }
    },
    async close () {
      await admin.end()
    }
  }
}

/**
 * Returns why PostgreSQL at `databaseUrl` cannot be used (a skip reason), or `false` when a
 * connection and `SELECT 1` succeed within `timeoutMs`.
 */
export async function pgUnavailable (databaseUrl: string = FAULTS_DATABASE_URL, timeoutMs = 2000): Promise<string | false> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('SELECT 1')
    return false
  } catch (error) {
    return `PostgreSQL at ${new URL(databaseUrl).host} is not reachable (${(error as Error).message}); start it or set DATABASE_URL`
  } finally {
    await client.end().catch(() => {})
  }
}
