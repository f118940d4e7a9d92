import type { Column, Table } from 'drizzle-orm'
import type { Prepared } from './base.ts'
import { BatchAdapter, insertSizes, type RelateOp } from './batch.ts'
import { runsPlain } from './direct.ts'
import { bounded, unavailableError } from './faults.ts'
import { direct, directWithText, type PgPrepared } from './pg-direct.ts'
import { guardPool, isPgPool, onClient, type Checkout, type PgClient, type PgPool } from './pg-pool.ts'
import { rowPlanOf, type PlainKinds } from './row-plan.ts'
import { unnestable, unnestInsert, unnestParams } from './pg-unnest.ts'
import { pgViolation } from './pg-violation.ts'
import type { GuardOptions, Row, Violation, WriteOp } from './types.ts'

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/
const text = (value: unknown): boolean => typeof value === 'string' && !value.includes('\0') && (value as string & { isWellFormed (): boolean }).isWellFormed()
const int = (value: unknown): boolean => Number.isSafeInteger(value) && !Object.is(value, -0)

/**
 * Column kinds whose values PostgreSQL stores and Drizzle reads back unchanged, with the values
 * that keep them so: text (a varchar within its length: longer, PostgreSQL would cut trailing
 * spaces), integers, booleans, dates as ISO strings, canonical UUIDs, enum labels. Not char
 * (padded), numeric (scaled), timestamps (precision, zones), JSON (jsonb reorders keys).
 */
const PLAIN_KINDS: PlainKinds = {
  PgText: text,
  PgVarchar: (value, column) => {
    const { length } = column as unknown as { length?: number }
    return text(value) && (length === undefined || (value as string).length <= length)
  },
  PgInteger: int,
  PgSmallInt: int,
  PgSerial: int,
  PgSmallSerial: int,
  PgBigInt53: int,
  PgBigSerial53: int,
  PgBoolean: (value) => typeof value === 'boolean',
  PgDateString: (value) => typeof value === 'string' && ISO_DATE.test(value),
  PgUUID: (value) => typeof value === 'string' && CANONICAL_UUID.test(value),
  PgEnumColumn: text
}

/**
 * How a write's statements run: the statement cached under `key` for `table` (built on a
 * database by `build`), with `params`, resolving its rows: on a checked-out client, on Drizzle's
 * transaction, or through `run`.
 */
type StatementRunner = (table: Table, key: string, build: (db: any) => any, params: Record<string, unknown>) => Promise<Row[]>

/**
 * PostgreSQL through any asynchronous Drizzle driver (node-postgres `drizzle(pool)`, PGlite).
 * Reads and single writes are named prepared statements, each its own transaction; several
 * writes, or a checked one, share one transaction on one connection. Every call answers within
 * the adapter's `timeout` or rejects with `DatabaseUnavailableError`.
 *
 * Over a node-postgres `Pool` (and a database without a Drizzle logger or cache), the adapter runs
 * its statements itself on clients it checks out (lib/db/pg-pool.ts): a client that times out or
 * loses its connection is destroyed, and its transactions are its own (`BEGIN` inside the guard,
 * the write's error kept over a failed `ROLLBACK`'s). Over anything else (PGlite, one `pg.Client`,
 * a logger) the statements and `transaction()` are Drizzle's, and only their answer is bounded.
 */
export class PgAdapter extends BatchAdapter<'async'> {
  readonly dialect = 'postgresql' as const
  readonly mode = 'async' as const
  protected readonly maxParams = 65_535
  /** The pool the adapter checks clients out of, when it runs its statements itself. */
  private readonly pool: PgPool | undefined

  constructor (db: any) {
    super(db)
    this.pool = isPgPool(db.$client) && runsPlain(db.session) ? db.$client : undefined
  }

  override guard (options: GuardOptions): void {
    super.guard(options)
    if (isPgPool(this.db.$client)) guardPool(this.db.$client, options.log, this.timeout)
  }

  /** Caches each statement as Drizzle prepares it, run straight on node-postgres where it can be (see `direct`). */
  protected override prepared (table: Table, key: string, build: (name: string) => Prepared): PgPrepared {
    return (this.cached(table, key) as PgPrepared | undefined) ?? super.prepared(table, key, (name) => direct(table, build(name)))
  }

  /** An unnamed statement: parsed by PostgreSQL on each run, never kept on a connection. */
  protected override oneOff (table: Table, build: (name: string | undefined) => Prepared): PgPrepared {
    return direct(table, build(undefined))
  }

  protected run (statement: PgPrepared, params: Record<string, unknown>): Promise<Row[]> {
    const { on } = statement
    if (this.pool !== undefined && on !== undefined) return onClient(this.pool, this.timeout, (client) => on(client, params))
    return bounded(statement.execute!(params) as Promise<Row[]>, this.timeout)
  }

  /** Whether another row holds the values: one `then` over the rows (the base reads the first row, then asks of it: a promise more per check). */
  override exists (table: Table, keys: readonly string[], values: readonly unknown[], exclude?: unknown): Promise<boolean> {
    const [statement, params] = this.existsQuery(table, keys, values, exclude)
    return this.run(statement, params).then(anyRow)
  }

  write (ops: readonly WriteOp[]): Promise<Array<Row | undefined>> {
    // one plain statement is a transaction of its own; several, or a checked one, share one
    const single = ops.length === 1 && (ops[0].op === 'insert' || (ops[0].op !== 'relate' && ops[0].expect === undefined))
    if (this.pool !== undefined) {
      // chained rather than awaited: each async function would add a promise and a turn to every write
      return onClient(this.pool, this.timeout, (client, checkout) => {
        const run = this.runnerOn(client)
        return single ? this.runOp(run, ops[0], []).then(listOfOne) : this.transactionOn(client, checkout, run, ops)
      })
    }
    return this.writeOnDrizzle(ops, single)
  }

  /** A write through Drizzle's own statements and `transaction()`, its answer bounded (a database the adapter does not run itself). */
  private async writeOnDrizzle (ops: readonly WriteOp[], single: boolean): Promise<Array<Row | undefined>> {
    if (single) return [await this.runOp((table, key, build, params) => this.run(this.prepared(table, key, (name) => build(this.db).prepare(name)), params), ops[0], [])]
    return await bounded(this.db.transaction(async (tx: any) => await this.runAll((_table, _key, build, params) => build(tx).execute(params), ops)) as Promise<Array<Row | undefined>>, this.timeout)
  }

  /**
   * Runs the ops of a transaction in order with `run`: consecutive inserts into one table as
   * multi-row statements (see `insertRun`), a `required` update or delete that matched nothing
   * ending the transaction.
   */
  private async runAll (run: StatementRunner, ops: readonly WriteOp[]): Promise<Array<Row | undefined>> {
    const done: Array<Row | undefined> = []
    for (let i = 0; i < ops.length;) {
      const op = ops[i]
      let end = i + 1
      if (batchable(op)) while (end < ops.length && batchable(ops[end]) && ops[end].table === op.table) end++
      if (end - i > 1) done.push(...await this.insertRun(run, ops.slice(i, end) as Array<WriteOp & { op: 'insert' }>, done as Row[]))
      else done.push(this.written(op, await this.runOp(run, op, done as Row[])))
      i = end
    }
    return done
  }

  /** Consecutive inserts into one table: multi-row statements, one per run of rows with the same columns and size (see `insertSizes`), each prepared once. */
  private async insertRun (run: StatementRunner, ops: ReadonlyArray<WriteOp & { op: 'insert' }>, done: Row[]): Promise<Row[]> {
    const shapes = ops.map((op) => this.shapeOf(op, done))
    const { table } = ops[0]
    const rows: Row[] = []
    for (let i = 0; i < shapes.length;) {
      let end = i + 1
      while (end < shapes.length && shapes[end].key === shapes[i].key) end++
      const { keys, key } = shapes[i]
      if (keys.length === 0) {
        // rows of defaults only: a multi-row VALUES needs a column
        for (let k = i; k < end; k++) rows.push((await run(table, key, (db) => this.insertQuery(db, table, []), {}))[0])
      } else if (this.pool !== undefined && unnestable(keys.map((k) => this.describe(table).columns[k]))) {
        rows.push(...await this.unnestRun(run, table, keys, key, shapes.slice(i, end).map((shape) => shape.params)))
      } else {
        let at = i
        for (const size of insertSizes(end - i, keys.length, this.maxParams)) {
          const params: unknown[] = new Array(size * keys.length)
          for (let r = 0; r < size; r++) for (let j = 0; j < keys.length; j++) params[r * keys.length + j] = shapes[at + r].params[keys[j]]
          rows.push(...await run(table, `${key}:many:${size}`, (db) => this.insertManyQuery(db, table, keys, size), params as never))
          at += size
        }
      }
      i = end
    }
    return rows
  }

  /**
   * Rows of the same columns in one `unnest` insert (lib/db/pg-unnest.ts), prepared once per
   * column list: RETURNING the key alone when the row plan knows the stored rows from their
   * values, as a single insert does.
   */
  private async unnestRun (run: StatementRunner, table: Table, keys: readonly string[], key: string, values: ReadonlyArray<Record<string, unknown>>): Promise<Row[]> {
    const info = this.describe(table)
    const columns = keys.map((k) => info.columns[k])
    const plan = rowPlanOf(info, PLAIN_KINDS)
    const known = plan !== null && values.every((params) => plan.acceptsInsert(params))
    const build = (db: any): { prepare: (name: string) => PgPrepared } => ({
      prepare: (name) => {
        const template = this.insertQuery(db, table, keys, known ? 'key' : true).prepare(name)
        const returned = (template.fields as Array<{ field: Column }>).map(({ field }) => field)
        const { text, params } = unnestInsert(db.dialect, table, columns, returned)
        return directWithText(table, template, text, params)
      }
    })
    const rows = await run(table, `${key}:unnest:${known ? 'key' : 'row'}`, build, unnestParams(columns, keys, values) as never)
    if (!known) return rows
    const pk = info.primaryKey
    return rows.map((row, r) => plan.row(values[r], row[pk], true))
  }

  /** A junction write: its delete and inserts, with `run` (prepared once per size where `run` prepares). */
  private async relate (run: StatementRunner, op: RelateOp, done: Row[]): Promise<undefined> {
    const sets = typeof op.sets === 'function' ? op.sets(done) : op.sets
    for (const { table, key, build, params } of this.relateStatements(op, sets)) await run(table, key, build, params as never)
    return undefined
  }

  /** Runs statements with the cached prepared statements on a checked-out client. */
  private runnerOn (client: PgClient): StatementRunner {
    return (table, key, build, params) => this.prepared(table, key, (name) => build(this.db).prepare(name)).on!(client, params)
  }

  /**
   * The writes in one transaction on a checked-out client. On an error that leaves the connection
   * usable (a constraint violation, a failed precondition) it rolls back and throws that error; a
   * failed `ROLLBACK` has the client destroyed (the server then rolls back) and the first error
   * is still the one thrown.
   */
  private async transactionOn (client: PgClient, checkout: Checkout, run: StatementRunner, ops: readonly WriteOp[]): Promise<Array<Row | undefined>> {
    await client.query('BEGIN')
    try {
      const done = await this.runAll(run, ops)
      await client.query('COMMIT')
      return done
    } catch (error) {
      if (unavailableError(error) === undefined) {
        await client.query('ROLLBACK').catch(() => { checkout.destroy = true })
      }
      throw error
    }
  }

  /** Runs one write (inside its transaction, when it has one) with `run`; a checked op first reads its row FOR UPDATE. */
  private async runOp (run: StatementRunner, op: WriteOp, done: Row[]): Promise<Row | undefined> {
    if (op.op === 'relate') return await this.relate(run, op, done)
    const { table } = op
    const first = (key: string, build: (db: any) => any, params: Record<string, unknown>): Promise<Row | undefined> => run(table, key, build, params).then(firstRow)
    const key = op.op === 'insert' ? {} : { __key: this.pkColumn(table).mapToDriverValue(op.key) }
    // with `expect`, the row read under the lock: the columns an update leaves out are known from it
    let current: Row | undefined
    if (op.op !== 'insert' && op.expect !== undefined) {
      // the row stays locked until the transaction ends: no other writer can change it in between
      const locked = await first('lock', (db) => this.getQuery(db, table, true), key)
      if (!this.checkPrecondition(op, locked)) return undefined
      current = locked
    }
    if (op.op === 'delete') return await first('delete', (db) => this.deleteQuery(db, table), key)
    const shape = this.shapeOf(op, done)
    if (op.op === 'update' && shape.keys.length === 0 && op.bump === undefined) return undefined
    // the stored row is known without RETURNING: PostgreSQL then sends no row to parse
    const plan = op.op === 'insert' || op.bump === undefined ? rowPlanOf(this.describe(table), PLAIN_KINDS) : null
    if (plan !== null && op.op === 'update' && plan.acceptsUpdate(shape.params, op.key, current)) {
      const answer = await run(table, `${shape.key}:run`, (db) => this.updateQuery(db, table, shape.keys, undefined, false), shape.params) as unknown as { rowCount?: number | null, affectedRows?: number }
      return (answer.rowCount ?? answer.affectedRows) === 0 ? undefined : plan.row(shape.params, op.key, false, current)
    }
    if (plan !== null && op.op === 'insert' && plan.acceptsInsert(shape.params)) {
      const inserted = await first(`${shape.key}:key`, (db) => this.insertQuery(db, table, shape.keys, 'key'), shape.params)
      return plan.row(shape.params, inserted![this.describe(table).primaryKey], true)
    }
    const leftOut = plan !== null && op.op === 'update' ? plan.leftOut(shape.params) : undefined
    const stored = this.storedForUnchanged(op, plan, shape.params, leftOut)
    if (stored !== undefined) {
      // the columns left out as the request read them: the update matches only while they still hold those values
      const answer = await run(table, `${shape.key}:unchanged`, (db) => this.updateIfUnchangedQuery(db, table, shape.keys, leftOut!), shape.params) as unknown as { rowCount?: number | null, affectedRows?: number }
      if ((answer.rowCount ?? answer.affectedRows ?? 0) > 0) return plan!.row(shape.params, (op as { key: unknown }).key, false, stored)
    }
    if (leftOut !== undefined) {
      // RETURNING only the columns the update leaves out: the rest are the values written
      const rest = await first(`${shape.key}:rest`, (db) => this.updateQuery(db, table, shape.keys, undefined, leftOut), shape.params)
      return rest === undefined ? undefined : plan!.row(shape.params, (op as { key: unknown }).key, false, rest)
    }
    return await first(shape.key, op.op === 'insert' ? (db) => this.insertQuery(db, table, shape.keys) : (db) => this.updateQuery(db, table, shape.keys, op.bump), shape.params)
  }

  /** A violation read out of a node-postgres or PGlite error (lib/db/pg-violation.ts). */
  violation (error: unknown, table: Table): Violation | undefined {
    return pgViolation(error, table)
  }
}

/** Whether an insert may be written in one statement with the inserts next to it: values given, or a function marked `batch`. */
function batchable (op: WriteOp): boolean {
  return op.op === 'insert' && (typeof op.values !== 'function' || op.batch === true)
}

const listOfOne = <T>(value: T): T[] => [value]
const firstRow = (rows: Row[]): Row | undefined => rows[0]
const anyRow = (rows: Row[]): boolean => rows.length > 0
