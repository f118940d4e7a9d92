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

/**
 * Applies the PostgreSQL migrations under an advisory lock, so instances starting together take
 * turns: on a connection of their own, without the serving pool's `query_timeout` (waiting for
 * another instance's migration, or a long migration, is no request).
 */
async function migrateLocked (databaseUrl: string, connectionTimeoutMillis: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis })
  await client.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
    await migratePg(drizzlePg(client), { migrationsFolder: migrations('pg') })
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).finally(() => client.end())
  }
}

/**
 * The serving pool's settings for a plugin bounding each call by `dbTimeout` ms: a connection
 * attempt and a query give up by themselves within it (the plugin answers 503 then anyway, but
 * these free the pool's slot and the app's own queries too), TCP keepalive notices a peer that is
 * gone, and 10 connections per instance (instances × `max` must stay under the server's
 * `max_connections`).
 */
export function poolSettings (dbTimeout: number): pg.PoolConfig {
  return { max: 10, connectionTimeoutMillis: Math.min(2000, dbTimeout), query_timeout: dbTimeout, keepAlive: true, idleTimeoutMillis: 30_000 }
}

/**
 * Opens the example's database and applies its migrations: PostgreSQL at `databaseUrl` when
 * given, else the SQLite file `dbFile` in WAL mode. `log` hears of PostgreSQL connections lost
 * while idle; `dbTimeout` (the plugin's, in ms) sets the pool's timeouts.
 */
export async function openDatabase ({ dbFile = ':memory:', databaseUrl, log, dbTimeout = 5000 }: { dbFile?: string, databaseUrl?: string, log?: FastifyBaseLogger, dbTimeout?: number }): Promise<ExampleDatabase> {
  if (databaseUrl !== undefined && databaseUrl !== '') {
    const settings = poolSettings(dbTimeout)
    await migrateLocked(databaseUrl, settings.connectionTimeoutMillis!)
    const pool = new pg.Pool({ connectionString: databaseUrl, ...settings })
    // the server closed an idle connection (a restart, a terminated backend): the pool drops it
    // and connects again when needed, where an unheard 'error' event would end the process
    pool.on('error', (error) => { log?.warn({ err: error }, 'PostgreSQL closed an idle connection') })
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
