/**
 * A fresh PostgreSQL database handle per test: a new schema on the server at `DATABASE_URL`
 * (node-postgres pools whose connections have that schema as their `search_path`), or, when
 * `DATABASE_URL` is unset, a new schema in an in-memory PGlite shared by the file's tests.
 * Tables are made with the DDL drizzle-kit generates, so constraint names are Drizzle's.
 * Not a test file itself.
 */
import { randomBytes } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres'
import type { PgDatabase } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import pg from 'pg'
import tap from 'tap'

/** The server the PostgreSQL suites run against; PGlite when unset. */
export const DATABASE_URL = process.env.DATABASE_URL

/** The test's `t`, as far as the helper needs it. */
interface Teardown {
  teardown (fn: () => unknown): void
}

export interface PgTestDb {
  /** A Drizzle database over the test's schema. */
  db: PgDatabase<any>
  /** `'node-postgres'` against `DATABASE_URL`, else `'pglite'`. */
  driver: 'node-postgres' | 'pglite'
  /** The test's schema. */
  schema: string
  /** Runs SQL in the test's schema and returns its rows (node-postgres's or PGlite's own parsing). */
  query (text: string): Promise<Array<Record<string, unknown>>>
  /** Another Drizzle database over the same schema through a pool of its own (node-postgres only), closed at teardown. */
  connect (): PgDatabase<any>
}

let pglite: Promise<PGlite> | undefined
function sharedPglite (): Promise<PGlite> {
  if (pglite === undefined) {
    pglite = PGlite.create()
    // one in-memory PGlite per test file: making one takes seconds, a schema milliseconds
    tap.teardown(async () => { await (await pglite!).close() })
  }
  return pglite
}

/** The DDL drizzle-kit generates for these tables (and pg enums), unqualified so it lands in the current schema. */
async function ddlOf (tables: Record<string, unknown>): Promise<string[]> {
  const { generateDrizzleJson, generateMigration } = await import('drizzle-kit/api')
  const statements = await generateMigration(generateDrizzleJson({}), generateDrizzleJson(tables))
  return statements.map((statement) => statement.replaceAll('"public".', ''))
}

/**
 * Makes a fresh schema holding `tables` (Drizzle `pgTable`s and `pgEnum`s) and returns a
 * database over it; the schema and every connection are gone after the test.
 */
export async function pgDatabase (t: Teardown, tables: Record<string, unknown>): Promise<PgTestDb> {
  const schema = `ffr_${process.pid}_${randomBytes(4).toString('hex')}`
  const ddl = await ddlOf(tables)
  if (DATABASE_URL === undefined) {
    const client = await sharedPglite()
    await client.exec(`CREATE SCHEMA ${schema}; SET search_path TO ${schema};`)
    for (const statement of ddl) await client.exec(statement)
    t.teardown(async () => { await client.exec(`SET search_path TO public; DROP SCHEMA ${schema} CASCADE;`) })
    const query = async (text: string): Promise<Array<Record<string, unknown>>> => (await client.query<Record<string, unknown>>(text)).rows
    const connect = (): never => { throw new Error('PGlite is one connection: connect() needs DATABASE_URL.') }
    return { db: drizzlePglite(client), driver: 'pglite', schema, query, connect }
  }
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  await admin.query(`CREATE SCHEMA ${schema}`)
  const pools: pg.Pool[] = []
  const open = (): pg.Pool => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, options: `-c search_path=${schema}` })
    pools.push(pool)
    return pool
  }
  const pool = open()
  for (const statement of ddl) await pool.query(statement)
  t.teardown(async () => {
    await Promise.all(pools.map(async (p) => await p.end()))
    await admin.query(`DROP SCHEMA ${schema} CASCADE`)
    await admin.end()
  })
  const query = async (text: string): Promise<Array<Record<string, unknown>>> => (await pool.query(text)).rows
  return { db: drizzleNodePg(pool), driver: 'node-postgres', schema, query, connect: () => drizzleNodePg(open()) }
}
