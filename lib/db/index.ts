import { is } from 'drizzle-orm'
import { PgDatabase } from 'drizzle-orm/pg-core'
import { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core'
import { PgAdapter } from './pg.ts'
import { SQLiteAdapter } from './sqlite.ts'
import type { Adapter } from './types.ts'

export { describe, fieldFor } from './describe.ts'
export type { Adapter, ImmediateAccess, Precondition, Row, TableInfo, Violation, WriteOp } from './types.ts'

const adapters = new WeakMap<object, Adapter>()

/**
 * Returns the adapter for a Drizzle database, detecting its dialect (one adapter per database,
 * so statements are prepared once). Throws for a value that is not a supported Drizzle database.
 */
export function createAdapter (db: unknown): Adapter {
  if (typeof db !== 'object' || db === null) {
    throw new TypeError('fastify-form-resources: `db` must be a Drizzle database, such as drizzle(new Database(file)) from drizzle-orm/better-sqlite3 or drizzle(pool) from drizzle-orm/node-postgres.')
  }
  let adapter = adapters.get(db)
  if (adapter === undefined) {
    if (is(db, BaseSQLiteDatabase)) adapter = new SQLiteAdapter(db)
    else if (is(db, PgDatabase)) adapter = new PgAdapter(db)
    else throw new TypeError('fastify-form-resources: `db` is not a Drizzle database this plugin supports (SQLite through better-sqlite3, PostgreSQL through node-postgres or PGlite).')
    adapters.set(db, adapter)
  }
  return adapter
}
