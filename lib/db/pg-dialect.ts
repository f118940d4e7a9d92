/** What PostgreSQL tables tell without a connection: their config, and the form field of each column kind. */
import { is, type Column } from 'drizzle-orm'
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core'
import { codes } from '../setup-errors.ts'
import type { ColumnField } from './types.ts'
import type { Dialect, TableConfig } from './describe.ts'

const SMALLINT = { minValue: -32768, maxValue: 32767 }
const INTEGER = { minValue: -2147483648, maxValue: 2147483647 }
const SAFE = { minValue: Number.MIN_SAFE_INTEGER, maxValue: Number.MAX_SAFE_INTEGER }
const INT64 = { minValue: -(2n ** 63n), maxValue: 2n ** 63n - 1n }
// float4's largest finite value: beyond it PostgreSQL refuses the value ("out of range for type real")
const REAL = { minValue: -3.4028234663852886e38, maxValue: 3.4028234663852886e38 }
const SERIAL_KINDS = new Set(['PgSmallSerial', 'PgSerial', 'PgBigSerial53', 'PgBigSerial64'])

const text = (c: any, maxLength?: number): ColumnField => c.enumValues !== undefined
  ? { kind: 'choice', options: { choices: c.enumValues, maxLength } }
  : { kind: 'string', options: { maxLength } }
// numeric(p) is numeric(p, 0); a bare numeric has no limits
const digits = (c: any): { maxDigits?: number, decimalPlaces?: number } => ({
  maxDigits: c.precision,
  decimalPlaces: c.scale ?? (c.precision !== undefined ? 0 : undefined)
})

const kinds: Dialect['kinds'] = {
  PgVarchar: (c) => text(c, c.length),
  PgText: (c) => text(c),
  // char without a length is char(1)
  PgChar: (c) => text(c, c.length ?? 1),
  PgSmallInt: () => ({ kind: 'integer', options: SMALLINT }),
  PgInteger: () => ({ kind: 'integer', options: INTEGER }),
  PgBigInt53: () => ({ kind: 'integer', options: SAFE }),
  PgBigInt64: () => ({ kind: 'integer', options: { mode: 'bigint', ...INT64 } }),
  // serial kinds never enter a form (isAutoIncrement); their field reads an id from a URL
  PgSmallSerial: () => ({ kind: 'integer', options: SMALLINT }),
  PgSerial: () => ({ kind: 'integer', options: INTEGER }),
  PgBigSerial53: () => ({ kind: 'integer', options: SAFE }),
  PgBigSerial64: () => ({ kind: 'integer', options: { mode: 'bigint', ...INT64 } }),
  PgReal: () => ({ kind: 'number', options: REAL }),
  PgDoublePrecision: () => ({ kind: 'number' }),
  PgNumeric: (c) => ({ kind: 'decimal', options: digits(c) }),
  PgNumericNumber: (c) => ({ kind: 'decimal', options: { ...digits(c), mode: 'number' } }),
  PgNumericBigInt: (c) => ({ kind: 'decimal', options: { ...digits(c), decimalPlaces: 0, mode: 'bigint' } }),
  PgBoolean: () => ({ kind: 'boolean', options: { required: false } }),
  PgDate: () => ({ kind: 'date', options: { mode: 'date' } }),
  PgDateString: () => ({ kind: 'date' }),
  PgTime: () => ({ kind: 'time' }),
  PgTimestamp: () => ({ kind: 'datetime', options: { mode: 'date' } }),
  PgTimestampString: () => ({ kind: 'datetime', options: { mode: 'string' } }),
  PgUUID: () => ({ kind: 'uuid' }),
  PgJson: () => ({ kind: 'json' }),
  PgJsonb: () => ({ kind: 'json' }),
  PgEnumColumn: (c) => ({ kind: 'choice', options: { choices: c.enumValues } }),
  PgEnumObjectColumn: (c) => ({ kind: 'choice', options: { choices: c.enumValues } }),
  // `.array(size)`: each item is cleaned by its column kind's field; the size limits the length
  PgArray: (c) => ({ kind: 'array', item: itemField(c), ...(typeof c.size === 'number' ? { options: { maxLength: c.size } } : {}) })
}

function itemField (array: any): ColumnField {
  const item: Column = array.baseColumn
  const make = kinds[item.columnType]
  if (make === undefined) throw new codes.FFR_ERR_COLUMN_NO_FIELD(`${array.name as string}[]`, item.columnType)
  return make(item)
}

export const pgDialect: Dialect = {
  owns: (table) => is(table, PgTable),
  tableConfig: (table) => getTableConfig(table as PgTable) as unknown as TableConfig,
  kinds,
  isAutoIncrement: (column: Column) => SERIAL_KINDS.has(column.columnType)
}
