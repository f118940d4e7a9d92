import { entityKind, type Column, type Table } from 'drizzle-orm'
import { BaseAdapter, binderOf, decoderOf, runsPlain, type Prepared } from './base.ts'
import { describe } from './describe.ts'
import { rowPlanOf, type PlainKinds } from './row-plan.ts'
import type { Row, Violation, WriteOp } from './types.ts'

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

/** SQLSTATE → violation kind. Class 22 (a value out of the column's range or form) is reported as `check`. */
const CONSTRAINT_KINDS: Record<string, Violation['kind']> = {
  23505: 'unique',
  23503: 'foreignKey',
  23502: 'notNull',
  23514: 'check'
}

// PostgreSQL cuts identifiers to 63 bytes: a long Drizzle name is reported cut
const NAMEDATALEN = 63
function cut (name: string): string {
  while (Buffer.byteLength(name) > NAMEDATALEN) name = name.slice(0, -1)
  return name
}

/**
 * PostgreSQL through any asynchronous Drizzle driver (node-postgres `drizzle(pool)`, PGlite).
 * Reads and single writes are named prepared statements, each its own transaction; several
 * writes run in `db.transaction()`, on one connection, with statements built on it.
 */
export class PgAdapter extends BaseAdapter<'async'> {
  readonly dialect = 'postgresql' as const
  readonly mode = 'async' as const
  private readonly constraintNames = new WeakMap<Table, Map<string, readonly string[]>>()

  /** Caches each statement as Drizzle prepares it, run straight on node-postgres where it can be (see `direct`). */
  protected override prepared (table: Table, key: string, build: (name: string) => Prepared): Prepared {
    return super.prepared(table, key, (name) => direct(table, build(name)))
  }

  protected async run (statement: Prepared, params: Record<string, unknown>): Promise<Row[]> {
    return await statement.execute!(params) as Row[]
  }

  async write (ops: readonly WriteOp[]): Promise<Array<Row | undefined>> {
    // one plain statement is a transaction of its own; several, or a checked one, share one
    if (ops.length === 1 && (ops[0].op === 'insert' || ops[0].expect === undefined)) return [await this.runOp(undefined, ops[0], [])]
    return await this.db.transaction(async (tx: unknown) => {
      const done: Array<Row | undefined> = []
      for (const op of ops) done.push(await this.runOp(tx, op, done as Row[]))
      return done
    })
  }

  /** Runs one write: a cached prepared statement on the pool, or a statement built on `tx`. */
  private async runOp (tx: any, op: WriteOp, done: Row[]): Promise<Row | undefined> {
    const result = async (key: string, build: (db: any) => any, params: Record<string, unknown>): Promise<unknown> => tx === undefined
      ? await this.prepared(op.table, key, (name) => build(this.db).prepare(name)).execute!(params)
      : await build(tx).execute(params)
    const execute = async (key: string, build: (db: any) => any, params: Record<string, unknown>): Promise<Row | undefined> =>
      (await result(key, build, params) as Row[])[0]
    const key = op.op === 'insert' ? {} : { __key: this.pkColumn(op.table).mapToDriverValue(op.key) }
    // with `expect`, the row read under the lock: the columns an update leaves out are known from it
    let current: Row | undefined
    if (op.op !== 'insert' && op.expect !== undefined) {
      // the row stays locked until the transaction ends: no other writer can change it in between
      const [locked] = await this.getQuery(tx, op.table, true).execute(key) as Row[]
      if (!this.checkPrecondition(op, locked)) return undefined
      current = locked
    }
    if (op.op === 'delete') return await execute('delete', (db) => this.deleteQuery(db, op.table), key)
    const shape = this.shapeOf(op, done)
    if (op.op === 'update' && shape.keys.length === 0 && op.bump === undefined) return undefined
    // the stored row is known without RETURNING: PostgreSQL then sends no row to parse
    const plan = op.op === 'insert' || op.bump === undefined ? rowPlanOf(this.describe(op.table), PLAIN_KINDS) : null
    if (plan !== null && op.op === 'update' && plan.acceptsUpdate(shape.params, op.key, current)) {
      const answer = await result(`${shape.key}:run`, (db) => this.updateQuery(db, op.table, shape.keys, undefined, false), shape.params) as { rowCount?: number | null, affectedRows?: number }
      return (answer.rowCount ?? answer.affectedRows) === 0 ? undefined : plan.row(shape.params, op.key, false, current)
    }
    if (plan !== null && op.op === 'insert' && plan.acceptsInsert(shape.params)) {
      const [inserted] = await result(`${shape.key}:key`, (db) => this.insertQuery(db, op.table, shape.keys, 'key'), shape.params) as Row[]
      return plan.row(shape.params, inserted[this.describe(op.table).primaryKey], true)
    }
    const build = op.op === 'insert' ? (db: any) => this.insertQuery(db, op.table, shape.keys) : (db: any) => this.updateQuery(db, op.table, shape.keys, op.bump)
    return await execute(shape.key, build, shape.params)
  }

  /**
   * Reads a violation out of a node-postgres or PGlite error (inside Drizzle's `DrizzleQueryError`):
   * the columns by constraint name, else by the "Key (a, b)=(...)" detail, else by the error's column.
   */
  violation (error: unknown, table: Table): Violation | undefined {
    let cause = error as { code?: unknown, cause?: unknown, constraint?: string, detail?: string, column?: string } | undefined
    while (cause !== undefined && cause !== null && typeof cause.code !== 'string' && cause.cause !== undefined) cause = cause.cause as typeof cause
    const code = cause?.code
    if (typeof code !== 'string' || code.length !== 5) return undefined
    const kind = CONSTRAINT_KINDS[code] ?? (code.startsWith('22') ? 'check' : undefined)
    if (kind === undefined || cause === undefined) return undefined
    const named = cause.constraint !== undefined ? this.constraintsOf(table).get(cause.constraint) : undefined
    if (named !== undefined) return { kind, columns: named }
    const listed = /^Key \((.+?)\)=\(/.exec(cause.detail ?? '')?.[1].split(', ') ?? (cause.column !== undefined ? [cause.column] : [])
    const byName = new Map(Object.entries(describe(table).columns).map(([key, column]) => [column.name, key]))
    const columns = listed.map((name) => byName.get(name.replace(/^"|"$/g, '').replace(/""/g, '"')))
    return columns.length > 0 && columns.every((key) => key !== undefined) ? { kind, columns: columns as string[] } : { kind }
  }

  /** The table's constraint names as PostgreSQL reports them: cut to 63 bytes. */
  private constraintsOf (table: Table): Map<string, readonly string[]> {
    let names = this.constraintNames.get(table)
    if (names === undefined) {
      names = new Map([...describe(table).constraints].map(([name, keys]) => [cut(name), keys]))
      this.constraintNames.set(table, names)
    }
    return names
  }
}

/** What `direct` reads of Drizzle's node-postgres prepared query. */
interface NodePgPrepared {
  client?: { query?: (config: unknown, values: unknown[]) => Promise<{ rows: unknown[][] }> }
  queryConfig?: { rowMode?: string }
  params?: readonly unknown[]
  fields?: ReadonlyArray<{ path: readonly string[], field: unknown }>
  customResultMapper?: unknown
  joinsNotNullableMap?: unknown
}

/**
 * A prepared Drizzle query whose `execute()` runs straight on node-postgres: the same named
 * statement, SQL, parameters and type parsers (Drizzle's own query config, passed as it is),
 * without Drizzle's work on every run (filling placeholders by class, its tracing spans, mapping
 * rows through its fields). Rows are read as arrays and decoded by the table's columns, as
 * Drizzle decodes them. The statement itself for any other driver (PGlite), a result that is not
 * columns of `table`, or a database with a Drizzle logger or cache.
 */
function direct (table: Table, statement: Prepared): Prepared {
  const prepared = statement as NodePgPrepared
  const { client, queryConfig: config, params, fields: selected } = prepared
  if ((statement.constructor as { [entityKind]?: string })[entityKind] !== 'NodePgPreparedQuery' || typeof client?.query !== 'function' ||
    config?.rowMode !== 'array' || params === undefined || selected === undefined || prepared.customResultMapper !== undefined ||
    prepared.joinsNotNullableMap !== undefined || !runsPlain(statement)) return statement
  const keys = new Map(Object.entries(describe(table).columns).map(([key, column]) => [column as unknown, key]))
  if (selected.some(({ path, field }) => path.length !== 1 || keys.get(field) !== path[0])) return statement
  const bind = binderOf(params)
  const decode = decoderOf(selected.map(({ path }) => path[0]), selected.map(({ field }) => field as Column))
  const query = client.query.bind(client)
  return { execute: async (values) => decode((await query(config, bind(values))).rows) }
}
