import type { Column, Table } from 'drizzle-orm'
import type { Mode } from '../maybe.ts'
import type { ListQuery } from './list.ts'

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

/** The target keys of one source row in a junction table: `[sourceKey, [targetKey, ...]]`. */
export type RelatedSet = readonly [unknown, readonly unknown[]]

/**
 * One write of a save; `values` may be a function of the rows written before it in the same save.
 * Consecutive inserts into one table are written in one statement on PostgreSQL when their values
 * are objects, or functions marked `batch` (which then read only rows written before the first
 * insert of the run). An update or delete with `expect` fails with
 * `PreconditionFailedError` when the row no longer satisfies it; an update with `bump` adds 1 to
 * that (version) column in the same statement; one that is `required` ends the whole write with
 * `ObjectDoesNotExist` (its `key` the op's) when no row has its key. A `relate` op writes the junction rows of a
 * many-to-many relation (`table` is the junction, `source` and `target` its two keys): with
 * `replace`, the pairs of those sources that are not in `sets` are deleted; every pair of `sets`
 * is inserted, with `defaults` for the junction's other columns, a pair already there skipped.
 */
export type WriteOp =
  | { readonly op: 'insert', readonly table: Table, readonly values: Row | ((done: Row[]) => Row), readonly batch?: boolean }
  | {
    readonly op: 'update',
    readonly table: Table,
    readonly key: unknown,
    readonly values: Row | ((done: Row[]) => Row),
    readonly expect?: Precondition,
    readonly bump?: string,
    readonly required?: boolean,
    /** The row as the request read it: an adapter may then write without reading back the columns the update leaves out, while they still hold these values. */
    readonly stored?: Row
  }
  | { readonly op: 'delete', readonly table: Table, readonly key: unknown, readonly expect?: Precondition, readonly required?: boolean }
  | { readonly op: 'relate', readonly table: Table, readonly source: string, readonly target: string, readonly sets: ReadonlyArray<RelatedSet> | ((done: Row[]) => ReadonlyArray<RelatedSet>), readonly replace: boolean, readonly defaults?: Row }

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
  /** A page of the rows a list query selects (filters, search, scope), in its ordering, the primary key breaking ties (lib/db/list.ts). */
  page (table: Table, query: ListQuery, offset: number, limit: number): Answer<TMode, Row[]>
  /** How many rows a list query selects (its ordering aside). */
  total (table: Table, query: ListQuery): Answer<TMode, number>
  /** Whether a row has these values in these columns, leaving out the row with primary key `exclude`. */
  exists (table: Table, columns: readonly string[], values: readonly unknown[], exclude?: unknown): Answer<TMode, boolean>
  /**
   * The rows whose `columns` hold one of `tuples` (an `IN` lookup, one statement whatever the
   * number of tuples up to the dialect's parameter limit): the columns `read` (every column when
   * left out), only rows whose `scope` column has that value. No tuples: no rows, no statement.
   */
  findIn (table: Table, columns: readonly string[], tuples: ReadonlyArray<readonly unknown[]>, options?: { read?: readonly string[], scope?: readonly [string, unknown] }): Answer<TMode, Row[]>
  /** A page of the rows whose `column` is `value`, in primary key order. */
  listBy (table: Table, column: string, value: unknown, offset: number, limit: number): Answer<TMode, Row[]>
  /** How many rows have `value` in `column`. */
  countBy (table: Table, column: string, value: unknown): Answer<TMode, number>
  /**
   * Runs the writes in one transaction and returns the rows written, one per op (an update or
   * delete that matched nothing, and a `relate` op, give `undefined`). Throws the database's
   * error; see `violation`.
   */
  write (ops: readonly WriteOp[]): Answer<TMode, Array<Row | undefined>>
  /** Reads a constraint violation out of a database error, or returns `undefined` for any other error. */
  violation (error: unknown, table: Table): Violation | undefined
}
