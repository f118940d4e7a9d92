import type { Column, Table } from 'drizzle-orm'
import type { Mode, Result } from '../maybe.ts'

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
 * once (`'sync'`: better-sqlite3) or with promises (`'async'`: node-postgres, PGlite); code
 * that serves both takes `Adapter` and goes on through `then()` (lib/maybe.ts).
 */
export interface Adapter<TMode extends Mode = Mode> {
  readonly dialect: 'sqlite' | 'postgresql'
  readonly mode: TMode
  /** Describes a table (cached). */
  describe (table: Table): TableInfo
  /** Reads one row by primary key. */
  get (table: Table, key: unknown): Result<TMode, Row | undefined>
  /** Reads a page of rows in primary key order. */
  list (table: Table, offset: number, limit: number): Result<TMode, Row[]>
  /** Counts the rows. */
  count (table: Table): Result<TMode, number>
  /** Whether a row has these values in these columns, leaving out the row with primary key `exclude`. */
  exists (table: Table, columns: readonly string[], values: readonly unknown[], exclude?: unknown): Result<TMode, boolean>
  /**
   * Runs the writes in one transaction and returns the rows written (an update or delete that
   * matched nothing gives `undefined`). Throws the database's error; see `violation`.
   */
  write (ops: readonly WriteOp[]): Result<TMode, Array<Row | undefined>>
  /** Reads a constraint violation out of a database error, or returns `undefined` for any other error. */
  violation (error: unknown, table: Table): Violation | undefined
}
