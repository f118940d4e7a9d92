import { and, asc, count, eq, getTableName, ne, SQL, sql, type Column, type Table } from 'drizzle-orm'
import { ObjectDoesNotExist, PreconditionFailedError } from '../errors.ts'
import { then, type MaybePromise, type Mode } from '../maybe.ts'
import { describe } from './describe.ts'
import { DEFAULT_DB_TIMEOUT } from './faults.ts'
import { listOrder, listShape, listWhere, type ListQuery } from './list.ts'
import type { LeftOut, RowPlan } from './row-plan.ts'
import { writeShape, type WriteShape } from './write-shape.ts'
import type { Adapter, Answer, GuardOptions, Row, TableInfo, Violation, WriteOp } from './types.ts'

let sequence = 0

/**
 * `LIMIT 1` written into the SQL: Drizzle binds `.limit(1)` as a parameter, and SQLite built with
 * STAT4 (as better-sqlite3 is) plans such a statement again each time the parameter is bound,
 * which made a one-row read cost twice as much.
 */
const LIMIT_ONE = sql.raw('1') as unknown as number

/** A prepared Drizzle statement of either dialect. */
export interface Prepared {
  all?: (params?: Record<string, unknown>) => unknown
  execute?: (params?: Record<string, unknown>) => unknown
  /** SQLite: runs a statement that returns no rows; better-sqlite3's result (`changes`, `lastInsertRowid`). */
  run?: (params?: Record<string, unknown>) => unknown
  /** SQLite: a read's first row, or `undefined` (better-sqlite3's `get()`: it stops at the first row). */
  first?: (params?: Record<string, unknown>) => Row | undefined
}

const first = (rows: Row[]): Row | undefined => rows[0]
const found = (row: Row | undefined): boolean => row !== undefined
const counted = (rows: Row[]): number => Number(rows[0].n)

/**
 * What both dialects share: preparing each statement once per table and column set, and the
 * reads built on the dialect's statement runner, answering in the dialect's mode. A dialect
 * supplies its runner, its writes and its reading of constraint errors.
 */
export abstract class BaseAdapter<TMode extends Mode> implements Omit<Adapter<TMode>, 'findIn' | 'listBy' | 'countBy'> {
  abstract readonly dialect: 'sqlite' | 'postgresql'
  abstract readonly mode: TMode
  protected readonly db: any
  /** The bound of each call, in milliseconds: the plugin's `dbTimeout` once `guard()` ran. */
  timeout = DEFAULT_DB_TIMEOUT
  private readonly statements = new Map<Table, Map<string, Prepared>>()

  constructor (db: unknown) {
    this.db = db
  }

  /** Runs a prepared statement and returns its rows, in the dialect's mode. */
  protected abstract run (statement: Prepared, params: Record<string, unknown>): Answer<TMode, Row[]>
  abstract write (ops: readonly WriteOp[]): Answer<TMode, Array<Row | undefined>>
  abstract violation (error: unknown, table: Table): Violation | undefined

  guard ({ timeout }: GuardOptions): void {
    this.timeout = timeout
  }

  /** `next` of the rows of a run, in the dialect's mode. */
  protected rowsThen<T> (rows: Answer<TMode, Row[]>, next: (rows: Row[]) => T): Answer<TMode, T> {
    return then(rows as Row[] | Promise<Row[]>, next) as Answer<TMode, T>
  }

  /** The statement cached under `key` for `table`, or `undefined`: what a caller on every request asks first, so that it makes the builder of `prepared` only once. */
  protected cached (table: Table, key: string): Prepared | undefined {
    return this.statements.get(table)?.get(key)
  }

  /** Returns the statement cached under `key` for `table`, preparing it on first use. */
  protected prepared (table: Table, key: string, build: (name: string) => Prepared): Prepared {
    let cache = this.statements.get(table)
    if (cache === undefined) this.statements.set(table, cache = new Map())
    let statement = cache.get(key)
    // PostgreSQL keeps named statements per connection: a name must never stand for two texts in one process
    if (statement === undefined) cache.set(key, statement = build(`ffr${++sequence}_${getTableName(table).slice(0, 24)}_${key.replace(/\W/g, '_').slice(0, 24)}`))
    return statement
  }

  describe (table: Table): TableInfo {
    return describe(table)
  }

  protected pkColumn (table: Table): Column {
    const info = describe(table)
    return info.columns[info.primaryKey]
  }

  /** Runs a prepared read and returns its first row, in the dialect's mode (a dialect may stop at that row). */
  protected runFirst (statement: Prepared, params: Record<string, unknown>): Answer<TMode, Row | undefined> {
    return this.rowsThen(this.run(statement, params), first)
  }

  get (table: Table, key: unknown): Answer<TMode, Row | undefined> {
    return this.runFirst(this.getStatement(table), { __key: this.pkColumn(table).mapToDriverValue(key) })
  }

  /** The prepared read of one row by primary key (parameter `__key`). */
  protected getStatement (table: Table): Prepared {
    return this.cached(table, 'get') ?? this.prepared(table, 'get', (name) => this.getQuery(this.db, table).prepare(name))
  }

  list (table: Table, offset: number, limit: number): Answer<TMode, Row[]> {
    const pk = this.pkColumn(table)
    const statement = this.prepared(table, 'list', (name) => this.db.select().from(table).orderBy(asc(pk)).limit(sql.placeholder('limit')).offset(sql.placeholder('offset')).prepare(name))
    return this.run(statement, { offset, limit })
  }

  count (table: Table): Answer<TMode, number> {
    const statement = this.prepared(table, 'count', (name) => this.db.select({ n: count() }).from(table).prepare(name))
    return this.rowsThen(this.run(statement, {}), counted)
  }

  page (table: Table, query: ListQuery, offset: number, limit: number): Answer<TMode, Row[]> {
    const info = this.describe(table)
    const { key, params } = listShape(info, query, 'page')
    const build = (name: string | undefined): Prepared => {
      const where = listWhere(info, this.dialect, query)
      const select = where === undefined ? this.db.select().from(table) : this.db.select().from(table).where(where)
      return select.orderBy(...listOrder(info, query)).limit(sql.placeholder('limit')).offset(sql.placeholder('offset')).prepare(name)
    }
    params.offset = offset
    params.limit = limit
    return this.run(key === undefined ? this.oneOff(table, build) : this.prepared(table, key, build), params)
  }

  total (table: Table, query: ListQuery): Answer<TMode, number> {
    const info = this.describe(table)
    const { key, params } = listShape(info, query, 'count')
    const build = (name: string | undefined): Prepared => {
      const where = listWhere(info, this.dialect, query)
      return (where === undefined ? this.db.select({ n: count() }).from(table) : this.db.select({ n: count() }).from(table).where(where)).prepare(name)
    }
    return this.rowsThen(this.run(key === undefined ? this.oneOff(table, build) : this.prepared(table, key, build), params), counted)
  }

  /** A statement run once (its SQL holds a scope's values): built now, never cached; a dialect may run it straight on its driver. */
  protected oneOff (_table: Table, build: (name: string | undefined) => Prepared): Prepared {
    return build(undefined)
  }

  exists (table: Table, keys: readonly string[], values: readonly unknown[], exclude?: unknown): Answer<TMode, boolean> {
    const [statement, params] = this.existsQuery(table, keys, values, exclude)
    return then(this.runFirst(statement, params) as MaybePromise<Row | undefined>, found) as Answer<TMode, boolean>
  }

  /** The prepared `exists` statement for these keys and its parameters. */
  protected existsQuery (table: Table, keys: readonly string[], values: readonly unknown[], exclude?: unknown): [Prepared, Record<string, unknown>] {
    const info = this.describe(table)
    let names = existsNames.get(keys)
    if (names === undefined) existsNames.set(keys, names = existsNamesOf(keys))
    const cacheKey = exclude === undefined ? names.key : names.excluding
    const statement = this.cached(table, cacheKey) ?? this.prepared(table, cacheKey, (name) => {
      const where: SQL[] = keys.map((key, i) => eq(info.columns[key], sql.placeholder(names.params[i])))
      if (exclude !== undefined) where.push(ne(info.columns[info.primaryKey], sql.placeholder('exclude')))
      // the key column rather than a constant: a row of table columns, which an adapter can read without Drizzle
      return this.db.select({ [info.primaryKey]: info.columns[info.primaryKey] }).from(table).where(and(...where)).limit(LIMIT_ONE).prepare(name)
    })
    const params: Record<string, unknown> = {}
    for (let i = 0; i < keys.length; i++) params[names.params[i]] = info.columns[keys[i]].mapToDriverValue(values[i])
    if (exclude !== undefined) params.exclude = info.columns[info.primaryKey].mapToDriverValue(exclude)
    return [statement, params]
  }

  /** Builds an insert of exactly these keys, with placeholders, returning the row (`'key'`: its primary key only; `false`: nothing). */
  protected insertQuery (db: any, table: Table, keys: readonly string[], returning: boolean | 'key' = true): any {
    const info = this.describe(table)
    const values: Record<string, unknown> = {}
    for (const key of keys) values[key] = placeholder(info.columns[key], key)
    const query = keys.length === 0 ? db.insert(table).values({}) : db.insert(table).values(values)
    if (returning === 'key') return query.returning({ [info.primaryKey]: info.columns[info.primaryKey] })
    return returning ? query.returning() : query
  }

  /** Builds an update of exactly these keys by primary key, with placeholders, returning the row (a list of keys: those columns only; `false`: nothing). */
  protected updateQuery (db: any, table: Table, keys: readonly string[], bump?: string, returning: boolean | readonly string[] = true): any {
    const info = this.describe(table)
    const set: Record<string, unknown> = {}
    for (const key of keys) set[key] = placeholder(info.columns[key], key)
    if (bump !== undefined) set[bump] = sql`${info.columns[bump]} + 1`
    const query = db.update(table).set(set).where(eq(info.columns[info.primaryKey], sql.placeholder('__key')))
    if (Array.isArray(returning)) return query.returning(Object.fromEntries(returning.map((key) => [key, info.columns[key]])))
    return returning === true ? query.returning() : query
  }

  /**
   * Builds an update of exactly these keys by primary key, returning nothing, that matches the
   * row only while each of the `unchanged` columns still holds the value given as `__was_<key>`
   * (NULL included, compared byte for byte): when it matched, the stored row is the values
   * written and those.
   */
  protected updateIfUnchangedQuery (db: any, table: Table, keys: readonly string[], unchanged: readonly string[]): any {
    const info = this.describe(table)
    const set: Record<string, unknown> = {}
    for (const key of keys) set[key] = placeholder(info.columns[key], key)
    const same = unchanged.map((key) => {
      const column = info.columns[key]
      const was = placeholder(column, `__was_${key}`)
      if (this.dialect === 'postgresql') return sql`${column} is not distinct from ${was}`
      // SQLite: `IS` is `=` that holds for two NULLs; a text column's own collation (NOCASE) must not decide it
      return column.dataType === 'string' ? sql`${column} is ${was} collate binary` : sql`${column} is ${was}`
    })
    return db.update(table).set(set).where(and(eq(info.columns[info.primaryKey], sql.placeholder('__key')), ...same))
  }

  /**
   * The row an update that leaves `leftOut` out may be written against with
   * `updateIfUnchangedQuery`: the row the request read (`op.stored`), when its values and the
   * update's are stored unchanged; its left-out values are then put in `params` as `__was_<key>`.
   * `undefined` when the update must read those columns back.
   */
  protected storedForUnchanged (op: WriteOp, plan: RowPlan | null, params: Record<string, unknown>, leftOut: LeftOut | undefined): Row | undefined {
    if (leftOut === undefined || plan === null || op.op !== 'update' || op.stored === undefined || !plan.acceptsUpdate(params, op.key, op.stored)) return undefined
    for (let i = 0; i < leftOut.length; i++) params[leftOut.was[i]] = op.stored[leftOut[i]]
    return op.stored
  }

  /** Builds a read of one row by primary key; `lock` reads it FOR UPDATE (PostgreSQL). */
  protected getQuery (db: any, table: Table, lock = false): any {
    // no LIMIT: a primary key matches one row at most
    const query = db.select().from(table).where(eq(this.pkColumn(table), sql.placeholder('__key')))
    return lock ? query.for('update') : query
  }

  /** Throws `PreconditionFailedError` unless the row exists and satisfies the op's precondition; `false` when it is gone. */
  protected checkPrecondition (op: WriteOp, current: Row | undefined): boolean {
    if (current === undefined) return false
    if ((op.op === 'update' || op.op === 'delete') && op.expect !== undefined && !op.expect(current)) throw new PreconditionFailedError(current)
    return true
  }

  /** The row an op wrote, or `ObjectDoesNotExist` for a `required` update or delete that matched nothing (ending its transaction). */
  protected written (op: WriteOp, row: Row | undefined): Row | undefined {
    if (row === undefined && (op.op === 'update' || op.op === 'delete') && op.required === true) throw new ObjectDoesNotExist('The row no longer exists.', op.key, op.table)
    return row
  }

  /** The cache key and parameters of an update or insert, with `$defaultFn` / `$onUpdateFn` values filled in (lib/db/write-shape.ts). */
  protected shapeOf (op: WriteOp & { op: 'insert' | 'update' }, done: Row[]): WriteShape {
    const info = this.describe(op.table)
    const name = op.op === 'insert' ? 'insert' : op.bump === undefined ? 'update' : `update+${op.bump}`
    const shape = writeShape(op.table, info, op.op, name, typeof op.values === 'function' ? op.values(done) : op.values)
    if (op.op !== 'insert') shape.params.__key = info.columns[info.primaryKey].mapToDriverValue(op.key)
    return shape
  }

  protected deleteQuery (db: any, table: Table): any {
    const info = this.describe(table)
    return db.delete(table).where(eq(info.columns[info.primaryKey], sql.placeholder('__key'))).returning()
  }
}

/**
 * `exists` statement keys and parameter names by key list, worked out once per list rather than
 * on every check (a form's unique checks pass the same lists every time).
 */
const existsNames = new WeakMap<readonly string[], { key: string, excluding: string, params: string[] }>()

function existsNamesOf (keys: readonly string[]): { key: string, excluding: string, params: string[] } {
  const key = `exists:${keys.join(',')}:`
  return { key, excluding: `${key}x`, params: keys.map((_, i) => `v${i}`) }
}

/** A placeholder encoded by its column, except `null`, which stays SQL NULL (Drizzle encodes a placeholder's null too). */
function placeholder (column: Column, key: string): SQL {
  // wrapped in SQL, which the query builders keep as it is rather than encoding it again
  return sql`${sql.param(sql.placeholder(key), { mapToDriverValue: (value: unknown) => value === null ? null : column.mapToDriverValue(value) })}`
}
