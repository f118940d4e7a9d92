/**
 * Tables, forms, resources and an app builder shared by the end-to-end tests
 * (routes, plugin, bad input, concurrency, resource). Not a test file itself.
 */
import Database from 'better-sqlite3'
import type { Table } from 'drizzle-orm'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import formResources, { defineModel, fields, FormResource, modelForm, type FormResourcesOptions } from 'fastify-form-resources'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the test apps from the `x-user` header; the same shape as the example app's. */
    user?: { name: string }
  }
}

/** Authors: a unique name of at most 200 characters, a title from choices, a birth date and a column no form writes. */
export const authors = sqliteTable('authors', {
  id: integer().primaryKey({ autoIncrement: true }),
  name: text({ length: 200 }).notNull().unique(),
  title: text({ length: 3, enum: ['MR', 'MRS', 'MS'] }),
  birthDate: text('birth_date'),
  secret: text()
})

/** Books: a required title, a page count, a checkbox and a required reference to an author. */
export const books = sqliteTable('books', {
  id: integer().primaryKey({ autoIncrement: true }),
  title: text({ length: 100 }).notNull(),
  pages: integer(),
  inPrint: integer('in_print', { mode: 'boolean' }).notNull().default(false),
  authorId: integer('author_id').notNull().references(() => authors.id)
})

export const SCHEMA_SQL = `
  CREATE TABLE authors (
    id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
    name text(200) NOT NULL UNIQUE,
    title text(3),
    birth_date text,
    secret text
  );
  CREATE TABLE books (
    id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
    title text(100) NOT NULL,
    pages integer,
    in_print integer NOT NULL DEFAULT 0,
    author_id integer NOT NULL REFERENCES authors(id)
  );
`

/** The author model: the birth date is an ISO date kept as text, so it is described a date field. */
export const Author = defineModel(authors, { fields: { birthDate: { formField: fields.date() } } })
export const AuthorForm = modelForm(Author, { fields: ['name', 'title', 'birthDate'] })
export const BookForm = modelForm(books, { fields: ['title', 'pages', 'inPrint', 'authorId'] })

/** A resource anyone may read and a signed-in user (`request.user`) may create, change and delete. */
export class SignedInResource<TTable extends Table> extends FormResource<TTable> {
  hasModifyPermissions (request: FastifyRequest): boolean {
    return request.user != null
  }

  hasDeletePermissions (request: FastifyRequest): boolean {
    return request.user != null
  }
}

/** Authors anyone may read and a signed-in user may create, change and delete. */
export class AuthorResource extends SignedInResource<typeof authors> {
  name = 'author'
  table = authors
  formClass = AuthorForm
}

/** Books, with the same permissions. */
export class BookResource extends SignedInResource<typeof books> {
  name = 'book'
  table = books
  formClass = BookForm
}

export interface TestDb {
  sqlite: Database.Database
  db: BetterSQLite3Database
}

/** Opens a SQLite database (`:memory:` unless a file is given) with foreign keys on and the test tables made. */
export function openDb (file = ':memory:', { wal = false }: { wal?: boolean } = {}): TestDb {
  const sqlite = new Database(file)
  if (wal) sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.exec(SCHEMA_SQL)
  return { sqlite, db: drizzle(sqlite) }
}

/** Signs a request in as `{ name }` when it carries `x-user: <name>`. */
export function signInFromHeader (app: FastifyInstance): void {
  app.decorateRequest('user', undefined)
  app.addHook('onRequest', async (request) => {
    const name = request.headers['x-user']
    if (typeof name === 'string') request.user = { name }
  })
}

/** The test's `t`, as far as the helpers need it. */
interface Teardown {
  teardown (fn: () => unknown): void
}

export interface TestApp extends TestDb {
  app: FastifyInstance
  /** Rows of a table, straight from SQLite, in primary key order. */
  rows (table: 'authors' | 'books'): unknown[]
}

/**
 * Builds a fresh app over a fresh database, with `x-user: <name>` signing a request in.
 * Registers the plugin under `/api` with the author and book resources unless told otherwise.
 */
export async function buildTestApp (t: Teardown, {
  resources,
  options = {},
  file,
  wal
}: { resources?: FormResourcesOptions['resources'], options?: Partial<FormResourcesOptions>, file?: string, wal?: boolean } = {}): Promise<TestApp> {
  const { sqlite, db } = openDb(file, { wal })
  const app = Fastify()
  t.teardown(async () => {
    await app.close()
    sqlite.close()
  })
  signInFromHeader(app)
  await app.register(formResources, { db, prefix: '/api', resources: resources ?? [new AuthorResource(), new BookResource()], ...options })
  await app.ready()
  const rows = (table: 'authors' | 'books'): unknown[] => sqlite.prepare(`SELECT * FROM ${table} ORDER BY id`).all()
  return { app, sqlite, db, rows }
}

/** The absolute URL the app answers with for a path (inject's default host). */
export const url = (path: string): string => `http://localhost:80${path}`

/** The links of an item at `path` whose resource allows PUT and DELETE. */
export const itemLinks = (path: string): Record<string, { href: string, method: string }> => ({
  self: { href: url(path), method: 'GET' },
  update: { href: url(path), method: 'PUT' },
  delete: { href: url(path), method: 'DELETE' }
})

/** The failure envelope of a predefined error. */
export function failure (error: { code: number, msg: string, errorType: string }, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { stat: 'fail', err: { code: error.code, msg: error.msg, type: error.errorType }, ...extra }
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
export const JSON_TYPE = { 'content-type': 'application/json' }
export const SIGNED_IN = { 'x-user': 'ann' }
