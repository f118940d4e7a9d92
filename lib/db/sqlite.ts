import { is, type Column, type Table } from 'drizzle-orm'
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core'
import { fields } from '../fields.ts'
import { BaseAdapter, type Prepared } from './base.ts'
import { registerDialect, type Dialect, type TableConfig } from './describe.ts'
import type { Row, Violation, WriteOp } from './types.ts'

const SAFE = { minValue: Number.MIN_SAFE_INTEGER, maxValue: Number.MAX_SAFE_INTEGER }
const INT64 = { minValue: -(2n ** 63n), maxValue: 2n ** 63n - 1n }

/** SQLite column kinds (Drizzle's `columnType`) → form fields. */
const kinds: Dialect['kinds'] = {
  SQLiteText: (c) => c.enumValues !== undefined
    ? fields.choice({ choices: c.enumValues, maxLength: c.length })
    : fields.string({ maxLength: c.length }),
  SQLiteTextJson: () => fields.json(),
  SQLiteInteger: () => fields.integer(SAFE),
  SQLiteBoolean: () => fields.boolean(),
  SQLiteTimestamp: () => fields.datetime({ mode: 'date' }),
  SQLiteReal: () => fields.number(),
  SQLiteNumeric: () => fields.decimal(),
  SQLiteNumericNumber: () => fields.number(),
  SQLiteNumericBigInt: () => fields.integer({ mode: 'bigint', ...INT64 }),
  SQLiteBlobJson: () => fields.json(),
  SQLiteBigInt: () => fields.integer({ mode: 'bigint', ...INT64 })
}

registerDialect({
  owns: (table) => is(table, SQLiteTable),
  tableConfig: (table) => getTableConfig(table as SQLiteTable) as unknown as TableConfig,
  kinds,
  // an INTEGER PRIMARY KEY is SQLite's rowid: the database assigns it
  isAutoIncrement: (column: Column, primaryKeys: readonly Column[]) =>
    primaryKeys.length === 1 && primaryKeys[0] === column && column.columnType === 'SQLiteInteger'
})

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
 */
export class SQLiteAdapter extends BaseAdapter {
  readonly dialect = 'sqlite' as const

  constructor (db: any) {
    super(db)
    if (db.resultKind !== 'sync') {
      throw new Error('fastify-form-resources: the SQLite adapter needs a synchronous driver (better-sqlite3); got an asynchronous one.')
    }
  }

  protected async run (statement: Prepared, params: Record<string, unknown>): Promise<Row[]> {
    return statement.all!(params) as Row[]
  }

  async write (ops: readonly WriteOp[]): Promise<Array<Row | undefined>> {
    // one statement is a transaction of its own; several run inside BEGIN ... COMMIT
    if (ops.length === 1) return [this.runOp(ops[0], [])]
    return this.db.transaction(() => {
      const done: Array<Row | undefined> = []
      for (const op of ops) done.push(this.runOp(op, done as Row[]))
      return done
    }, { behavior: 'immediate' })
  }

  private runOp (op: WriteOp, done: Row[]): Row | undefined {
    if (op.op === 'delete') {
      const statement = this.prepared(op.table, 'delete', () => this.deleteQuery(this.db, op.table).prepare())
      return (statement.all!({ __key: this.pkColumn(op.table).mapToDriverValue(op.key) }) as Row[])[0]
    }
    const values = this.withDefaults(op.table, typeof op.values === 'function' ? op.values(done) : op.values, op.op)
    const keys = Object.keys(values).filter((key) => values[key] !== undefined)
    const params: Record<string, unknown> = {}
    for (const key of keys) params[key] = values[key]
    if (op.op === 'insert') {
      const statement = this.prepared(op.table, `insert:${keys.join(',')}`, () => this.insertQuery(this.db, op.table, keys).prepare())
      return (statement.all!(params) as Row[])[0]
    }
    if (keys.length === 0) return undefined
    params.__key = this.pkColumn(op.table).mapToDriverValue(op.key)
    const statement = this.prepared(op.table, `update:${keys.join(',')}`, () => this.updateQuery(this.db, op.table, keys).prepare())
    return (statement.all!(params) as Row[])[0]
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
