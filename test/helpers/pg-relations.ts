/**
 * The tables of the many-to-many and formset tests as `pgTable`s, and a database over the
 * test's schema that logs every statement, to count them. Not a test file itself.
 */
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { integer, pgTable, primaryKey, serial, text, unique, varchar } from 'drizzle-orm/pg-core'
import { defineModel } from 'fastify-form-resources'
import type { PgTestDb } from './pg.ts'

export const tags = pgTable('tags', { id: serial().primaryKey(), name: text().notNull().unique() })
export const authors = pgTable('authors', { id: serial().primaryKey(), name: varchar({ length: 50 }).notNull().unique() })
export const books = pgTable('books', {
  id: serial().primaryKey(),
  authorId: integer('author_id').notNull().references(() => authors.id, { onDelete: 'cascade' }),
  title: varchar({ length: 100 }).notNull(),
  isbn: varchar({ length: 13 }).unique()
}, (t) => [unique('books_author_title').on(t.authorId, t.title)])
export const bookTags = pgTable('book_tags', {
  bookId: integer('book_id').notNull().references(() => books.id, { onDelete: 'cascade' }),
  tagId: integer('tag_id').notNull().references(() => tags.id)
}, (t) => [primaryKey({ columns: [t.bookId, t.tagId] })])

export const relationTables = { tags, authors, books, bookTags }

export const bookModel = defineModel(books, {
  fields: { isbn: { verboseName: 'ISBN' } },
  manyToMany: { tags: { through: bookTags, source: bookTags.bookId, target: bookTags.tagId } }
})

/** A second Drizzle database over the same connection(s) whose logger records each statement (Drizzle then runs the same SQL itself). */
export function logged (test: PgTestDb): { db: unknown, statements: string[], reset: () => void } {
  const statements: string[] = []
  const logger = { logQuery: (query: string) => { statements.push(query) } }
  const client = (test.db as unknown as { $client: never }).$client
  const db = test.driver === 'pglite' ? drizzlePglite(client, { logger }) : drizzleNodePg(client, { logger })
  return { db, statements, reset: () => { statements.length = 0 } }
}
