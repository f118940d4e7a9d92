import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3'
import { migrate as migrateSqlite } from 'drizzle-orm/better-sqlite3/migrator'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator'
import type { FastifyBaseLogger } from 'fastify'
import pg from 'pg'
import * as pgSchema from './schema.pg.ts'
import * as sqliteSchema from './schema.ts'

/** The example's tables on either database; the resources take them from here. */
export type ExampleSchema = typeof sqliteSchema | typeof pgSchema

export interface ExampleDatabase {
  db: unknown
  schema: ExampleSchema
  close (): Promise<void>
}

const migrations = (dialect: string): string => fileURLToPath(new URL(`../drizzle/${dialect}`, import.meta.url))

// any fixed number, the same in every instance
const MIGRATION_LOCK = 7_243_001

/** Applies the PostgreSQL migrations under an advisory lock, so instances starting together take turns. */
async function migrateLocked (pool: pg.Pool): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
    await migratePg(drizzlePg(client), { migrationsFolder: migrations('pg') })
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).finally(() => client.release())
  }
}

/**
 * Opens the example's database and applies its migrations: PostgreSQL at `databaseUrl` when
 * given, else the SQLite file `dbFile` in WAL mode. `log` hears of PostgreSQL connections lost
 * while idle.
 */
export async function openDatabase ({ dbFile = ':memory:', databaseUrl, log }: { dbFile?: string, databaseUrl?: string, log?: FastifyBaseLogger }): Promise<ExampleDatabase> {
  if (databaseUrl !== undefined && databaseUrl !== '') {
    const pool = new pg.Pool({ connectionString: databaseUrl })
    // the server closed an idle connection (a restart, a terminated backend): the pool drops it
    // and connects again when needed, where an unheard 'error' event would end the process
    pool.on('error', (error) => { log?.warn({ err: error }, 'PostgreSQL closed an idle connection') })
    await migrateLocked(pool)
    return { db: drizzlePg(pool), schema: pgSchema, close: async () => { await pool.end() } }
  }
  const sqlite = new Database(dbFile)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  const db = drizzleSqlite(sqlite)
  migrateSqlite(db, { migrationsFolder: migrations('sqlite') })
  return { db, schema: sqliteSchema, close: async () => { sqlite.close() } }
}
