/** What SQLite tables tell without a connection: their config, and the form field of each column kind. */
import { is, type Column } from 'drizzle-orm'
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core'
import type { Dialect, TableConfig } from './describe.ts'

const SAFE = { minValue: Number.MIN_SAFE_INTEGER, maxValue: Number.MAX_SAFE_INTEGER }
const INT64 = { minValue: -(2n ** 63n), maxValue: 2n ** 63n - 1n }

export const sqliteDialect: Dialect = {
  owns: (table) => is(table, SQLiteTable),
  tableConfig: (table) => getTableConfig(table as SQLiteTable) as unknown as TableConfig,
  // SQLite column kinds (Drizzle's `columnType`) → form field kinds
  kinds: {
    SQLiteText: (c) => c.enumValues !== undefined
      ? { kind: 'choice', options: { choices: c.enumValues, maxLength: c.length } }
      : { kind: 'string', options: { maxLength: c.length } },
    SQLiteTextJson: () => ({ kind: 'json' }),
    SQLiteInteger: () => ({ kind: 'integer', options: SAFE }),
    SQLiteBoolean: () => ({ kind: 'boolean', options: { required: false } }),
    SQLiteTimestamp: () => ({ kind: 'datetime', options: { mode: 'date' } }),
    SQLiteReal: () => ({ kind: 'number' }),
    SQLiteNumeric: () => ({ kind: 'decimal' }),
    SQLiteNumericNumber: () => ({ kind: 'number' }),
    SQLiteNumericBigInt: () => ({ kind: 'integer', options: { mode: 'bigint', ...INT64 } }),
    SQLiteBlobJson: () => ({ kind: 'json' }),
    SQLiteBigInt: () => ({ kind: 'integer', options: { mode: 'bigint', ...INT64 } })
  },
  // an INTEGER PRIMARY KEY is SQLite's rowid: the database assigns it
  isAutoIncrement: (column: Column, primaryKeys: readonly Column[]) =>
    primaryKeys.length === 1 && primaryKeys[0] === column && column.columnType === 'SQLiteInteger'
}
