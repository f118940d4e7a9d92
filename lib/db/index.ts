import { is } from 'drizzle-orm'
import { PgDatabase } from 'drizzle-orm/pg-core'
import { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core'
import { codes } from '../setup-errors.ts'
import { PgAdapter } from './pg.ts'
import { SQLiteAdapter } from './sqlite.ts'
import type { Adapter } from './types.ts'

export { columnField, describe, describeJunction, type JunctionInfo } from './describe.ts'
export { DatabaseUnavailableError, DEFAULT_DB_TIMEOUT, unavailableError, type UnavailableReason } from './faults.ts'
export type { Adapter, Answer, ColumnField, ForeignKeyInfo, GuardOptions, Log, Precondition, RelatedSet, Row, TableInfo, Violation, WriteOp } from './types.ts'
export { columnsOf } from './batch.ts'
export { keyQuery, type ListQuery } from './list.ts'

const adapters = new WeakMap<object, Adapter>()

/**
 * Returns the adapter for a Drizzle database, detecting its dialect (one adapter per database,
 * so statements are prepared once). Throws for a value that is not a supported Drizzle database.
 */
export function createAdapter (db: unknown): Adapter {
  if (typeof db !== 'object' || db === null) throw new codes.FFR_ERR_DB_NOT_DRIZZLE()
  let adapter = adapters.get(db)
  if (adapter === undefined) {
    if (is(db, BaseSQLiteDatabase)) adapter = new SQLiteAdapter(db)
    else if (is(db, PgDatabase)) adapter = new PgAdapter(db)
    else throw new codes.FFR_ERR_DB_UNSUPPORTED()
    adapters.set(db, adapter)
  }
  return adapter
}
