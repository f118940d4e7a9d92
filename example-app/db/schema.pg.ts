import { boolean, date, index, integer, pgTable, primaryKey, serial, text, timestamp, varchar } from 'drizzle-orm/pg-core'

/** The same tables as schema.ts, for PostgreSQL: the resources and forms are the same code. */
export const authors = pgTable('authors', {
  id: serial().primaryKey(),
  name: varchar({ length: 200 }).notNull().unique(),
  title: varchar({ length: 3, enum: ['MR', 'MRS', 'MS'] }),
  birthDate: date('birth_date'),
  avatar: text()
})

export const books = pgTable('books', {
  id: serial().primaryKey(),
  authorId: integer('author_id').notNull().references(() => authors.id, { onDelete: 'cascade' }),
  title: varchar({ length: 200 }).notNull(),
  isbn: varchar({ length: 13 }).unique(),
  published: boolean().notNull().default(false),
  cover: text()
}, (t) => [index('books_author_id_idx').on(t.authorId)])

export const tags = pgTable('tags', {
  id: serial().primaryKey(),
  name: varchar({ length: 50 }).notNull().unique()
})

export const bookTags = pgTable('book_tags', {
  bookId: integer('book_id').notNull().references(() => books.id, { onDelete: 'cascade' }),
  tagId: integer('tag_id').notNull().references(() => tags.id, { onDelete: 'cascade' })
}, (t) => [primaryKey({ columns: [t.bookId, t.tagId] }), index('book_tags_tag_id_idx').on(t.tagId)])

export const stickyNotes = pgTable('sticky_notes', {
  id: serial().primaryKey(),
  timestamp: timestamp({ withTimezone: true }).notNull().defaultNow(),
  text: text().notNull()
})
