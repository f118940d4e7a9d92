/**
 * Tables, models and forms of the many-to-many and formset tests on SQLite: posts with tags
 * through a junction, and authors with books (a unique ISBN) tagged the same way. A database
 * that records every statement it runs, to count them. Not a test file itself.
 */
import Database from 'better-sqlite3'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { integer, primaryKey, sqliteTable, text, unique } from 'drizzle-orm/sqlite-core'
import { defineModel } from 'fastify-form-resources'

export const posts = sqliteTable('posts', { id: integer().primaryKey(), title: text({ length: 100 }).notNull() })
export const tags = sqliteTable('tags', { id: integer().primaryKey(), name: text().notNull().unique() })
export const postTags = sqliteTable('post_tags', {
  postId: integer().notNull().references(() => posts.id, { onDelete: 'cascade' }),
  tagId: integer().notNull().references(() => tags.id)
}, (t) => [primaryKey({ columns: [t.postId, t.tagId] })])

export const authors = sqliteTable('authors', { id: integer().primaryKey(), name: text({ length: 50 }).notNull().unique() })
export const books = sqliteTable('books', {
  id: integer().primaryKey(),
  authorId: integer().notNull().references(() => authors.id, { onDelete: 'cascade' }),
  editorId: integer().references(() => authors.id),
  title: text({ length: 100 }).notNull(),
  isbn: text({ length: 13 }).unique()
}, (t) => [unique('books_author_title').on(t.authorId, t.title)])
export const bookTags = sqliteTable('book_tags', {
  bookId: integer().notNull().references(() => books.id, { onDelete: 'cascade' }),
  tagId: integer().notNull().references(() => tags.id),
  addedBy: text().notNull()
}, (t) => [primaryKey({ columns: [t.bookId, t.tagId] })])

export const postModel = defineModel(posts, { manyToMany: { tags: { through: postTags, source: postTags.postId, target: postTags.tagId } } })
export const bookModel = defineModel(books, {
  fields: { isbn: { verboseName: 'ISBN' } },
  manyToMany: { tags: { through: bookTags, source: bookTags.bookId, target: bookTags.tagId, throughDefaults: { addedBy: 'form' } } }
})

export const SCHEMA = `
  create table posts (id integer primary key, title text(100) not null);
  create table tags (id integer primary key, name text not null unique);
  create table post_tags (postId integer not null references posts(id) on delete cascade, tagId integer not null references tags(id), primary key (postId, tagId));
  create table authors (id integer primary key, name text(50) not null unique);
  create table books (id integer primary key, authorId integer not null references authors(id) on delete cascade, editorId integer references authors(id),
    title text(100) not null, isbn text(13) unique, constraint books_author_title unique (authorId, title));
  create table book_tags (bookId integer not null references books(id) on delete cascade, tagId integer not null references tags(id), addedBy text not null, primary key (bookId, tagId));
`

export interface CountingDb {
  sqlite: Database.Database
  db: BetterSQLite3Database
  /** Every statement run since the last `reset()`, as SQLite expands it. */
  statements: string[]
  reset (): void
  /** The statements that read or write rows (no BEGIN / COMMIT). */
  queries (): string[]
  rows (sql: string): unknown[]
}

/** A fresh in-memory database with the tables, foreign keys on, 25 tags (ids 1 to 25), recording each statement. */
export function countingDb (t: { teardown (fn: () => unknown): void }): CountingDb {
  const statements: string[] = []
  const sqlite = new Database(':memory:', { verbose: (sql) => statements.push(String(sql)) })
  sqlite.pragma('foreign_keys = ON')
  sqlite.exec(SCHEMA)
  for (let i = 1; i <= 25; i++) sqlite.prepare('insert into tags (name) values (?)').run(`tag ${i}`)
  t.teardown(() => sqlite.close())
  const reset = (): void => { statements.length = 0 }
  reset()
  return {
    sqlite,
    db: drizzle(sqlite),
    statements,
    reset,
    queries: () => statements.filter((s) => /^(select|insert|update|delete)/i.test(s)),
    rows: (sql) => sqlite.prepare(sql).all()
  }
}
