import { getTableName, type Column, type Table } from 'drizzle-orm'
import { codes } from '../setup-errors.ts'
import type { Prepared } from './base.ts'
import { callerOf, decoderOf, rowDecoderOf, runsPlain } from './direct.ts'
import { BatchAdapter, columnsOf, type RelateOp } from './batch.ts'
import { retryLocked } from './faults.ts'
import { rowPlanOf, type PlainKinds } from './row-plan.ts'
import type { GuardOptions, Row, Violation, WriteOp } from './types.ts'

/** The cache key of a write without RETURNING, by the key of the write with it: made once, not on every write. */
const runKeys = new Map<string, string>()
/** The cache key of an update that matches while the columns it leaves out are unchanged, by the key of the write. */
const casKeys = new Map<string, string>()

/**
 * Column kinds whose values SQLite stores and Drizzle reads back unchanged, with the values that
 * keep them so: well-formed strings in text columns (a lone surrogate would come back as U+FFFD),
 * safe integers and finite numbers (not -0) in integer and real columns, booleans in boolean
 * ones, and valid dates in timestamp ones (whole seconds in `timestamp` mode, which stores
 * seconds; any in `timestamp_ms`).
 */
const PLAIN_KINDS: PlainKinds = {
  SQLiteText: (value) => typeof value === 'string' && (value as string & { isWellFormed (): boolean }).isWellFormed(),
  SQLiteInteger: (value) => Number.isSafeInteger(value) && !Object.is(value, -0),
  SQLiteReal: (value) => typeof value === 'number' && Number.isFinite(value) && !Object.is(value, -0),
  SQLiteBoolean: (value) => typeof value === 'boolean',
  SQLiteTimestamp: (value, column) => {
    if (!(value instanceof Date)) return false
    const time = value.getTime()
    return Number.isFinite(time) && ((column as unknown as { mode?: string }).mode === 'timestamp_ms' || time % 1000 === 0)
  }
}

const CONSTRAINT_KINDS: Record<string, Violation['kind']> = {
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'unique',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreignKey',
  SQLITE_CONSTRAINT_NOTNULL: 'notNull',
  SQLITE_CONSTRAINT_CHECK: 'check'
}

/**
 * SQLite through a synchronous Drizzle driver (better-sqlite3). Reads are prepared statements;
 * a save's writes run back to back in one synchronous transaction, so nothing else interleaves.
 * Every call answers at once, except one that meets another connection's lock (SQLITE_BUSY):
 * it is tried again after short pauses, without blocking the event loop, and answers with a
 * promise, or `DatabaseUnavailableError('busy')` once `timeout` has passed. Once guarded, the
 * connection's `busy_timeout` is 0, so no call waits for a lock synchronously.
 */
export class SQLiteAdapter extends BatchAdapter<'sync'> {
  readonly dialect = 'sqlite' as const
  readonly mode = 'sync' as const
  protected readonly maxParams = 32_766

  constructor (db: any) {
    super(db)
    if (db.resultKind !== 'sync') throw new codes.FFR_ERR_SQLITE_ASYNC()
  }

  /** Caches each statement as Drizzle prepares it, run straight on better-sqlite3 where it can be (see `direct`). */
  protected override prepared (table: Table, key: string, build: (name: string) => Prepared): Prepared {
    return this.cached(table, key) ?? super.prepared(table, key, (name) => direct(this.db.$client, table, build(name)))
  }

  protected override oneOff (table: Table, build: (name: string | undefined) => Prepared): Prepared {
    return direct(this.db.$client, table, build(undefined))
  }

  override guard (options: GuardOptions): void {
    super.guard(options)
    // better-sqlite3 waits for a lock synchronously, stalling every request: the adapter waits itself
    const client = this.db.$client
    if (typeof client?.pragma === 'function') client.pragma('busy_timeout = 0')
  }

  protected run (statement: Prepared, params: Record<string, unknown>): Row[] | Promise<Row[]> {
    try {
      return statement.all!(params) as Row[]
    } catch (error) {
      return retryLocked(error, () => statement.all!(params) as Row[], this.timeout)
    }
  }

  protected override runFirst (statement: Prepared, params: Record<string, unknown>): Row | undefined | Promise<Row | undefined> {
    const { first } = statement
    if (first === undefined) return super.runFirst(statement, params)
    try {
      return first(params)
    } catch (error) {
      return retryLocked(error, () => first(params), this.timeout)
    }
  }

  write (ops: readonly WriteOp[]): Array<Row | undefined> | Promise<Array<Row | undefined>> {
    try {
      return this.writeNow(ops)
    } catch (error) {
      // a failed BEGIN IMMEDIATE or lone statement wrote nothing: the whole write is tried again
      return retryLocked(error, () => this.writeNow(ops), this.timeout)
    }
  }

  private writeNow (ops: readonly WriteOp[]): Array<Row | undefined> {
    // one plain statement is a transaction of its own; several, or a checked one, run inside BEGIN IMMEDIATE ... COMMIT
    if (ops.length === 1 && (ops[0].op === 'insert' || (ops[0].op !== 'relate' && ops[0].expect === undefined))) return [this.runOp(ops[0], [])]
    return this.db.transaction(() => {
      const done: Array<Row | undefined> = []
      for (const op of ops) done.push(this.written(op, this.runOp(op, done as Row[])))
      return done
    }, { behavior: 'immediate' })
  }

  private runOp (op: WriteOp, done: Row[]): Row | undefined {
    if (op.op === 'relate') return this.relate(op, done)
    // with `expect`, the row read under the lock: the columns an update leaves out are known from it
    let current: Row | undefined
    if (op.op !== 'insert' && op.expect !== undefined) {
      // inside the synchronous transaction nothing else runs between this read and the write
      const locked = (this.getStatement(op.table).all!({ __key: this.pkColumn(op.table).mapToDriverValue(op.key) }) as Row[])[0]
      if (!this.checkPrecondition(op, locked)) return undefined
      current = locked
    }
    if (op.op === 'delete') {
      const key = { __key: this.pkColumn(op.table).mapToDriverValue(op.key) }
      return (this.prepared(op.table, 'delete', () => this.deleteQuery(this.db, op.table).prepare()).all!(key) as Row[])[0]
    }
    const shape = this.shapeOf(op, done)
    if (op.op === 'update' && shape.keys.length === 0 && op.bump === undefined) return undefined
    const plan = op.op === 'insert' || op.bump === undefined ? rowPlanOf(this.describe(op.table), PLAIN_KINDS) : null
    if (plan !== null && (op.op === 'insert' ? plan.acceptsInsert(shape.params) : plan.acceptsUpdate(shape.params, op.key, current))) {
      // the stored row is known without RETURNING, which costs SQLite more than the write's own work
      let runKey = runKeys.get(shape.key)
      if (runKey === undefined) runKeys.set(shape.key, runKey = `${shape.key}:run`)
      const statement = this.cached(op.table, runKey) ?? this.prepared(op.table, runKey, () => (op.op === 'insert' ? this.insertQuery(this.db, op.table, shape.keys, false) : this.updateQuery(this.db, op.table, shape.keys, undefined, false)).prepare())
      const { changes, lastInsertRowid } = statement.run!(shape.params) as { changes: number, lastInsertRowid: number | bigint }
      if (op.op === 'update') return changes === 0 ? undefined : plan.row(shape.params, op.key, false, current)
      return (typeof lastInsertRowid === 'number' ? plan.row(shape.params, lastInsertRowid, true) : undefined) ??
        (this.getStatement(op.table).all!({ __key: lastInsertRowid }) as Row[])[0]
    }
    const leftOut = plan !== null && op.op === 'update' ? plan.leftOut(shape.params) : undefined
    const stored = this.storedForUnchanged(op, plan, shape.params, leftOut)
    if (stored !== undefined) {
      // the columns left out as the request read them: the update matches only while they still hold those values
      // (they follow from the keys written, so the write's key names the statement)
      let casKey = casKeys.get(shape.key)
      if (casKey === undefined) casKeys.set(shape.key, casKey = `${shape.key}:unchanged`)
      const statement = this.cached(op.table, casKey) ?? this.prepared(op.table, casKey, () => this.updateIfUnchangedQuery(this.db, op.table, shape.keys, leftOut!).prepare())
      if ((statement.run!(shape.params) as { changes: number }).changes > 0) return plan!.row(shape.params, (op as { key: unknown }).key, false, stored)
    }
    if (leftOut !== undefined) {
      // RETURNING only the columns the update leaves out: the rest are the values written
      const statement = this.prepared(op.table, `${shape.key}:rest`, () => this.updateQuery(this.db, op.table, shape.keys, undefined, leftOut).prepare())
      const [rest] = statement.all!(shape.params) as Row[]
      return rest === undefined ? undefined : plan!.row(shape.params, (op as { key: unknown }).key, false, rest)
    }
    const build = op.op === 'insert' ? () => this.insertQuery(this.db, op.table, shape.keys) : () => this.updateQuery(this.db, op.table, shape.keys, op.bump)
    return (this.prepared(op.table, shape.key, () => build().prepare()).all!(shape.params) as Row[])[0]
  }

  /** A junction write: its delete and inserts, prepared once per size, in the write's transaction. */
  private relate (op: RelateOp, done: Row[]): undefined {
    const sets = typeof op.sets === 'function' ? op.sets(done) : op.sets
    for (const { table, key, build, params } of this.relateStatements(op, sets)) {
      this.prepared(table, key, () => build(this.db).prepare()).all!(params as never)
    }
    return undefined
  }

  violation (error: unknown, table: Table): Violation | undefined {
    const cause = (error as { cause?: unknown } | null)?.cause ?? error
    const code = (cause as { code?: unknown } | null)?.code
    const kind = typeof code === 'string' ? CONSTRAINT_KINDS[code] : undefined
    if (kind === undefined) return undefined
    // "UNIQUE constraint failed: authors.name, authors.title"
    const message = String((cause as Error).message)
    const info = this.describe(table)
    const names = message.includes(': ') ? message.slice(message.indexOf(': ') + 2).split(', ') : []
    const byName = new Map(Object.entries(info.columns).map(([key, column]) => [`${info.name}.${column.name}`, key]))
    const columns = names.map((name) => byName.get(name)).filter((key): key is string => key !== undefined)
    return columns.length > 0 ? { kind, columns } : { kind }
  }
}

/**
 * A prepared Drizzle query whose `all()` runs straight on better-sqlite3: the same SQL and
 * parameters, without Drizzle's work on every call (finding each placeholder by class, mapping
 * each row through its selected fields). Parameters are bound in order and rows read as arrays,
 * decoded by their table's columns; `all()` always runs the statement to completion, so a write
 * with RETURNING is committed through SQLite's WAL hook and checkpointed (a statement reset
 * before it is done commits without it); `first()`, for reads only, stops at the first row.
 * The statement itself when its result columns are not all columns of `table`, when the driver
 * is not better-sqlite3, or when the database has a Drizzle logger or cache, which the runner
 * would skip.
 */
function direct (client: any, table: Table, statement: Prepared): Prepared {
  const query = (statement as { getQuery?: () => { sql: string, params: unknown[] } }).getQuery?.()
  if (query === undefined || typeof client?.prepare !== 'function' || !runsPlain(statement)) return statement
  const stmt = client.prepare(query.sql)
  const name = getTableName(table)
  const byName = new Map(Object.entries(columnsOf(table)).map(([key, column]) => [column.name, [key, column] as const]))
  const columns: Array<readonly [string, Column] | undefined> = stmt.reader
    ? stmt.columns().map((c: { column: string | null, table: string | null }) => c.table === name && c.column !== null ? byName.get(c.column) : undefined)
    : []
  if (columns.some((c) => c === undefined)) return statement
  // the parameters passed as arguments: a list would be read back element by element through V8's API
  if (!stmt.reader) {
    const run = callerOf<unknown>(query.params, stmt, 'run')
    return { all: (params) => { run(params); return [] }, run }
  }
  stmt.raw(true)
  const keys = columns.map((c) => c![0])
  const decoders = columns.map((c) => c![1])
  const decode = decoderOf(keys, decoders)
  const decodeRow = rowDecoderOf(keys, decoders)
  const all = callerOf<unknown[][]>(query.params, stmt, 'all')
  const get = callerOf<unknown[] | undefined>(query.params, stmt, 'get')
  return {
    all: (params) => decode(all(params)),
    first: (params) => {
      const raw = get(params)
      return raw === undefined ? undefined : decodeRow(raw)
    }
  }
}
