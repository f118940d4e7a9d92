import { sql } from 'drizzle-orm'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** Authors, as in Django's ModelForm documentation: a unique name, a title from choices, a birth date. */
export const authors = sqliteTable('authors', {
  id: integer().primaryKey({ autoIncrement: true }),
  name: text({ length: 200 }).notNull().unique(),
  title: text({ length: 3, enum: ['MR', 'MRS', 'MS'] }),
  // SQLite has no date type: an ISO date as text, declared a date field in models.ts
  birthDate: text('birth_date')
})

/** Sticky notes: text with the time it was written. */
export const stickyNotes = sqliteTable('sticky_notes', {
  id: integer().primaryKey({ autoIncrement: true }),
  timestamp: integer({ mode: 'timestamp' }).notNull().default(sql`(unixepoch())`),
  text: text().notNull()
})
