import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** Authors, as in Django's ModelForm documentation: a unique name, a title from choices, a birth date. */
export const authors = sqliteTable('authors', {
  id: integer().primaryKey({ autoIncrement: true }),
  name: text({ length: 200 }).notNull().unique(),
  title: text({ length: 3, enum: ['MR', 'MRS', 'MS'] }),
  // SQLite has no date type: an ISO date as text, declared a date field in models.ts
  birthDate: text('birth_date'),
  /** The key of the author's picture in the file storage, when there is one. */
  avatar: text()
})

/** Books, each by one author (deleted with it): a title, an ISBN unique when given, a published flag and a cover picture; indexed by author, as an author's books are read (the inline formset, the child URL, a list page). */
export const books = sqliteTable('books', {
  id: integer().primaryKey({ autoIncrement: true }),
  authorId: integer('author_id').notNull().references(() => authors.id, { onDelete: 'cascade' }),
  title: text({ length: 200 }).notNull(),
  isbn: text({ length: 13 }).unique(),
  published: integer({ mode: 'boolean' }).notNull().default(false),
  cover: text()
}, (t) => [index('books_author_id_idx').on(t.authorId)])

/** Tags a book may have any number of. */
export const tags = sqliteTable('tags', {
  id: integer().primaryKey({ autoIncrement: true }),
  name: text({ length: 50 }).notNull().unique()
})

/** The junction of books and tags (a many-to-many relation): its key starts with the book, and an index on the tag serves a tag's books and its deletion. */
export const bookTags = sqliteTable('book_tags', {
  bookId: integer('book_id').notNull().references(() => books.id, { onDelete: 'cascade' }),
  tagId: integer('tag_id').notNull().references(() => tags.id, { onDelete: 'cascade' })
}, (t) => [primaryKey({ columns: [t.bookId, t.tagId] }), index('book_tags_tag_id_idx').on(t.tagId)])

/** Sticky notes: text with the time it was written. */
export const stickyNotes = sqliteTable('sticky_notes', {
  id: integer().primaryKey({ autoIncrement: true }),
  timestamp: integer({ mode: 'timestamp' }).notNull().default(sql`(unixepoch())`),
  text: text().notNull()
})
