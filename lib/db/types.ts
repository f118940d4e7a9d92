import type { Column, Table } from 'drizzle-orm'
import type { Mode } from '../maybe.ts'

/**
 * What an adapter call gives in `TMode`. `'sync'` (better-sqlite3): the value at once, unless the
 * call met another process's lock, when it retries without blocking and answers with a promise.
 * `'async'` (node-postgres, PGlite): a promise.
 */
export type Answer<TMode extends Mode, T> = TMode extends 'sync' ? T | Promise<T> : Promise<T>

/** A logger as Fastify's (`app.log`): the adapters warn through it. */
export interface Log {
  warn (object: object, message: string): void
}

/** How the plugin readies an adapter to serve requests (`guard`). */
export interface GuardOptions {
  /** The bound of every call, in milliseconds (the plugin's `dbTimeout`). */
  readonly timeout: number
  /** Where warnings go (a connection the server closed, a pool without timeouts). */
  readonly log?: Log
}

/** A row as Drizzle reads it, keyed by the table's property names. */
export type Row = Record<string, unknown>

/**
 * The form field a column maps to, as data: a field kind's name (`string`, `integer`, ...) and
 * its options. The form layer makes the field; the database layer only names it.
 */
export interface ColumnField {
  readonly kind: string
  readonly options?: Readonly<Record<string, unknown>>
  /** An array column's items. */
  readonly item?: ColumnField
}

/** A foreign key of a table, by property names on both sides. */
export interface ForeignKeyInfo {
  readonly columns: readonly string[]
  readonly foreignTable: Table
  readonly foreignColumns: readonly string[]
  readonly name: string
}

/** What a form and a resource need to know of a table, worked out once per table. */
export interface TableInfo {
  readonly table: Table
  readonly name: string
  readonly columns: Readonly<Record<string, Column>>
  /** The key of the single-column primary key. */
  readonly primaryKey: string
  /** Keys the database fills in and no form may write: auto-increment keys, generated and identity columns. */
  readonly automatic: ReadonlySet<string>
  /** Unique column sets, by keys: single-column `unique()` and unique constraints or indexes. */
  readonly uniques: ReadonlyArray<readonly string[]>
  /** Constraint and index names → the keys they cover, to map a database error to fields. */
  readonly constraints: ReadonlyMap<string, readonly string[]>
  readonly foreignKeys: readonly ForeignKeyInfo[]
}

/** A database error that a form reports as a field error rather than a 500. */
export interface Violation {
  readonly kind: 'unique' | 'foreignKey' | 'notNull' | 'check'
  /** The keys involved, when the database names them. */
  readonly columns?: readonly string[]
}

/**
 * Whether a row is still as the client last read it (an `If-Match`); checked on the row locked
 * inside the write's transaction, so no other writer can slip in between check and write.
 */
export type Precondition = (current: Row) => boolean

/**
 * One write of a save; `values` may be a function of the rows written before it in the same save.
 * An update or delete with `expect` fails with `PreconditionFailedError` when the row no longer
 * satisfies it; an update with `bump` adds 1 to that (version) column in the same statement.
 */
export type WriteOp =
  | { readonly op: 'insert', readonly table: Table, readonly values: Row | ((done: Row[]) => Row) }
  | { readonly op: 'update', readonly table: Table, readonly key: unknown, readonly values: Row | ((done: Row[]) => Row), readonly expect?: Precondition, readonly bump?: string }
  | { readonly op: 'delete', readonly table: Table, readonly key: unknown, readonly expect?: Precondition }

/**
 * The only door to the database. One adapter per dialect, made by `createAdapter(db)`;
 * statements are prepared once per table and shape. `TMode` says whether its calls answer at
 * once (`'sync'`: better-sqlite3, but for a call waiting on another process's lock) or with
 * promises (`'async'`: node-postgres, PGlite); code that serves both takes `Adapter` and goes
 * on through `then()` (lib/maybe.ts). A call that finds the database busy or unreachable, or
 * takes longer than `timeout`, fails with `DatabaseUnavailableError` (lib/db/faults.ts).
 */
export interface Adapter<TMode extends Mode = Mode> {
  readonly dialect: 'sqlite' | 'postgresql'
  readonly mode: TMode
  /** The bound of each call, in milliseconds (`DEFAULT_DB_TIMEOUT` until `guard()` sets it). */
  readonly timeout: number
  /**
   * Readies the adapter to serve requests; the plugin calls it at registration (the last call
   * wins for a database shared by several registrations). Sets `timeout`; on SQLite sets the
   * connection's `busy_timeout` to 0, so a lock is waited for by retrying without blocking; on a
   * node-postgres pool listens for `'error'` on the pool and on every client it hands out.
   */
  guard (options: GuardOptions): void
  /** Describes a table (cached). */
  describe (table: Table): TableInfo
  /** Reads one row by primary key. */
  get (table: Table, key: unknown): Answer<TMode, Row | undefined>
  /** Reads a page of rows in primary key order. */
  list (table: Table, offset: number, limit: number): Answer<TMode, Row[]>
  /** Counts the rows. */
  count (table: Table): Answer<TMode, number>
  /** Whether a row has these values in these columns, leaving out the row with primary key `exclude`. */
  exists (table: Table, columns: readonly string[], values: readonly unknown[], exclude?: unknown): Answer<TMode, boolean>
  /**
   * Runs the writes in one transaction and returns the rows written (an update or delete that
   * matched nothing gives `undefined`). Throws the database's error; see `violation`.
   */
  write (ops: readonly WriteOp[]): Answer<TMode, Array<Row | undefined>>
  /** Reads a constraint violation out of a database error, or returns `undefined` for any other error. */
  violation (error: unknown, table: Table): Violation | undefined
}
