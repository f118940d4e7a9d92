/**
 * Many rows inserted by one PostgreSQL statement, `INSERT INTO t (a, b) SELECT * FROM
 * unnest($1::a_type[], $2::b_type[]) RETURNING ...`: one array parameter per column, whatever
 * the number of rows, so one statement text serves every batch size, PostgreSQL plans it once
 * per connection, and a batch is one round trip. Only for columns whose SQL type is a built-in
 * scalar that node-postgres writes into an array literal as its text (an array column would be
 * flattened by `unnest`; an enum or custom type may need its schema): others keep a multi-row
 * `VALUES`.
 */
import { sql, type Column, type SQL, type Table } from 'drizzle-orm'

/** Drizzle's column kinds of built-in scalar types, each written into an array as its text. */
const UNNESTABLE = new Set([
  'PgText', 'PgVarchar', 'PgChar', 'PgInteger', 'PgSmallInt', 'PgSerial', 'PgSmallSerial', 'PgBigInt53', 'PgBigInt64',
  'PgBigSerial53', 'PgBigSerial64', 'PgBoolean', 'PgDate', 'PgDateString', 'PgTimestamp', 'PgTimestampString', 'PgTime',
  'PgUUID', 'PgNumeric', 'PgNumericNumber', 'PgNumericBigInt', 'PgReal', 'PgDoublePrecision', 'PgJson', 'PgJsonb', 'PgInterval'
])

/** Whether an insert of these columns may go through `unnest`. */
export function unnestable (columns: readonly Column[]): boolean {
  return columns.length > 0 && columns.every((column) => UNNESTABLE.has(column.columnType) && !column.getSQLType().endsWith(']'))
}

/** What the statement text is made with: Drizzle's PostgreSQL dialect (its quoting, its column names under `casing`). */
interface PgDialect {
  sqlToQuery (query: SQL): { sql: string, params: unknown[] }
  casing: { getColumnCasing (column: Column): string }
}

/**
 * The text of the insert of `columns` through `unnest`, returning `returned` (the columns of
 * Drizzle's single-row insert it stands for, in its order), with its placeholders `0`, `1`, ...
 * (one array per column).
 */
export function unnestInsert (dialect: PgDialect, table: Table, columns: readonly Column[], returned: readonly Column[]): { text: string, params: unknown[] } {
  const name = (column: Column): SQL => sql`${sql.identifier(dialect.casing.getColumnCasing(column))}`
  const arrays = columns.map((column, j) => sql`${sql.placeholder(String(j))}::${sql.raw(column.getSQLType())}[]`)
  const query = dialect.sqlToQuery(sql`insert into ${table} (${sql.join(columns.map(name), sql`, `)}) select * from unnest(${sql.join(arrays, sql`, `)}) returning ${sql.join(returned.map(name), sql`, `)}`)
  return { text: query.sql, params: query.params }
}

/** The parameters of an insert of `rows` through `unnest`: per column, its values encoded for the driver (`null` stays NULL). */
export function unnestParams (columns: readonly Column[], keys: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): unknown[][] {
  return columns.map((column, j) => {
    const key = keys[j]
    const values = new Array(rows.length)
    for (let r = 0; r < rows.length; r++) {
      const value = rows[r][key]
      values[r] = value === null || value === undefined ? null : column.mapToDriverValue(value)
    }
    return values
  })
}
