/**
 * PostgreSQL tables, forms and resources shared by the pg-*.test.ts files: the same authors and
 * books as the SQLite tests, as `pgTable`s. Not a test file itself.
 */
import { integer, pgEnum, pgTable, serial, text, unique, uuid, varchar, date } from 'drizzle-orm/pg-core'
import Fastify, { type FastifyInstance } from 'fastify'
import formResources, { modelForm, type FormResourcesOptions } from 'fastify-form-resources'
import { SignedInResource } from './app.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the test apps from the `x-user` header. */
    user?: { name: string }
  }
}

export const title = pgEnum('title', ['MR', 'MRS', 'MS'])

/** Authors: a unique name of at most 200 characters, a title from a pg enum, a birth date and a column no form writes. */
export const authors = pgTable('authors', {
  id: serial().primaryKey(),
  name: varchar({ length: 200 }).notNull().unique(),
  title: title(),
  birthDate: date('birth_date'),
  secret: text()
})

/** Books: a title unique per author, a page count, a required reference to an author. */
export const books = pgTable('books', {
  id: serial().primaryKey(),
  title: text().notNull(),
  pages: integer(),
  authorId: integer('author_id').notNull().references(() => authors.id)
}, (t) => [unique().on(t.title, t.authorId)])

/** Names long enough that PostgreSQL cuts Drizzle's constraint names to 63 bytes. */
export const contributions = pgTable('registered_contributor_publications', {
  id: uuid().primaryKey().defaultRandom(),
  contributorIdentifier: integer('contributor_identifier').references(() => authors.id),
  slugOfThePublication: varchar('slug_of_the_publication', { length: 50 }).unique()
})

export const tables = { title, authors, books, contributions }

export const AuthorForm = modelForm(authors, { fields: ['name', 'title', 'birthDate'] })
export const BookForm = modelForm(books, { fields: ['title', 'pages', 'authorId'] })

export class AuthorResource extends SignedInResource<typeof authors> {
  name = 'author'
  table = authors
  formClass = AuthorForm
}

export class BookResource extends SignedInResource<typeof books> {
  name = 'book'
  table = books
  formClass = BookForm
}

/** The test's `t`, as far as the helper needs it. */
interface Teardown {
  teardown (fn: () => unknown): void
}

/** Builds an app serving `resources` (authors and books by default) under `/api` over `db`; closed at teardown. */
export async function buildPgApp (t: Teardown, db: unknown, resources?: FormResourcesOptions['resources']): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(async () => { await app.close() })
  app.decorateRequest('user', undefined)
  app.addHook('onRequest', async (request) => {
    const name = request.headers['x-user']
    if (typeof name === 'string') request.user = { name }
  })
  await app.register(formResources, { db, prefix: '/api', resources: resources ?? [new AuthorResource(), new BookResource()] })
  await app.ready()
  return app
}

export const SIGNED_IN = { 'x-user': 'ann' }

/** The absolute URL the app answers with for a path (inject's default host). */
export const url = (path: string): string => `http://localhost:80${path}`

/** The links of an item at `path` whose resource allows PUT and DELETE. */
export const itemLinks = (path: string): Record<string, { href: string, method: string }> => ({
  self: { href: url(path), method: 'GET' },
  update: { href: url(path), method: 'PUT' },
  delete: { href: url(path), method: 'DELETE' }
})
