/**
 * The same small library on SQLite and on PostgreSQL, for the tests of what clients ask of a
 * resource (error codes, lists, metadata, dry runs, languages): writers, and books that belong
 * to an owner and refer to a writer. Not a test file itself.
 */
import Database from 'better-sqlite3'
import type { Table } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { boolean as pgBoolean, date as pgDate, doublePrecision, integer as pgInteger, pgTable, serial, text as pgText, varchar } from 'drizzle-orm/pg-core'
import { integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import Fastify, { type FastifyInstance } from 'fastify'
import formResources, { type FormResource, type FormResourcesOptions } from 'fastify-form-resources'
import { pgDatabase } from './pg.ts'

export type Dialect = 'sqlite' | 'postgresql'
export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgresql']

const sqliteWriters = sqliteTable('writers', {
  id: integer().primaryKey({ autoIncrement: true }),
  name: text({ length: 50 }).notNull().unique(),
  country: text({ length: 2, enum: ['FR', 'RU', 'US'] })
})

export const sqliteTables = {
  writers: sqliteWriters,
  novels: sqliteTable('novels', {
    id: integer().primaryKey({ autoIncrement: true }),
    title: text({ length: 100 }).notNull(),
    pages: integer(),
    published: integer({ mode: 'boolean' }).notNull().default(false),
    writerId: integer('writer_id').references(() => sqliteWriters.id),
    owner: text().notNull().default('ann'),
    rating: real(),
    released: text()
  })
}

const SQLITE_SCHEMA = `
  CREATE TABLE writers (id integer PRIMARY KEY AUTOINCREMENT NOT NULL, name text(50) NOT NULL UNIQUE COLLATE NOCASE, country text(2));
  CREATE TABLE novels (id integer PRIMARY KEY AUTOINCREMENT NOT NULL, title text(100) NOT NULL COLLATE NOCASE, pages integer,
    published integer NOT NULL DEFAULT 0, writer_id integer REFERENCES writers(id), owner text NOT NULL DEFAULT 'ann', rating real, released text);
  CREATE INDEX novels_title ON novels (title);
`

const pgWriters = pgTable('writers', {
  id: serial().primaryKey(),
  name: varchar({ length: 50 }).notNull().unique(),
  country: varchar({ length: 2, enum: ['FR', 'RU', 'US'] })
})

export const pgTables = {
  writers: pgWriters,
  novels: pgTable('novels', {
    id: serial().primaryKey(),
    title: varchar({ length: 100 }).notNull(),
    pages: pgInteger(),
    published: pgBoolean().notNull().default(false),
    writerId: pgInteger('writer_id').references(() => pgWriters.id),
    owner: pgText().notNull().default('ann'),
    rating: doublePrecision(),
    released: pgDate({ mode: 'string' })
  })
}

/** The tables of a dialect, typed as either (the tests use only what both have). */
export interface Tables {
  writers: typeof sqliteTables.writers
  novels: typeof sqliteTables.novels
}

export interface ClientsApp {
  app: FastifyInstance
  /** Rows of a table straight from the database, in key order, with the database's column names. */
  rows (table: 'writers' | 'novels'): Promise<Array<Record<string, unknown>>>
  /** Runs SQL on the database. */
  exec (text: string): Promise<void>
}

interface Teardown {
  teardown (fn: () => unknown): void
}

/**
 * A fresh app on a fresh database of `dialect` (PostgreSQL: DATABASE_URL, else PGlite) serving the
 * resources `make` gives for its tables under `/api`; `x-user: <name>` signs a request in.
 */
export async function clientsApp (t: Teardown, dialect: Dialect, make: (tables: Tables) => Array<FormResource<Table, any>>, {
  options = {},
  before,
  log
}: { options?: Partial<FormResourcesOptions>, before?: (app: FastifyInstance) => Promise<void>, log?: string[] } = {}): Promise<ClientsApp> {
  let db: unknown
  let rows: ClientsApp['rows']
  let exec: ClientsApp['exec']
  let tables: Tables
  if (dialect === 'sqlite') {
    const sqlite = new Database(':memory:')
    sqlite.pragma('foreign_keys = ON')
    sqlite.exec(SQLITE_SCHEMA)
    t.teardown(() => sqlite.close())
    // a logger, when the test counts statements: every statement then goes through Drizzle
    db = log === undefined ? drizzle(sqlite) : drizzle(sqlite, { logger: { logQuery: (query) => { log.push(query) } } })
    rows = async (table) => sqlite.prepare(`SELECT * FROM ${table} ORDER BY id`).all() as Array<Record<string, unknown>>
    exec = async (text) => { sqlite.exec(text) }
    tables = sqliteTables
  } else {
    const pg = await pgDatabase(t, pgTables)
    db = pg.db
    rows = async (table) => await pg.query(`SELECT * FROM ${table} ORDER BY id`)
    exec = async (text) => { await pg.query(text) }
    tables = pgTables as unknown as Tables
  }
  const app = Fastify()
  t.teardown(async () => { await app.close() })
  app.decorateRequest('user', undefined)
  app.addHook('onRequest', async (request) => {
    const name = request.headers['x-user']
    if (typeof name === 'string') (request as { user?: unknown }).user = { name }
  })
  if (before !== undefined) await before(app)
  await app.register(formResources, { db, prefix: '/api', resources: make(tables), ...options })
  await app.ready()
  return { app, rows, exec }
}

export const SIGNED_IN = { 'x-user': 'ann' }
export const FIELD_ERROR = { code: 105, msg: 'One or more fields had errors', type: 'request-field-error' }
