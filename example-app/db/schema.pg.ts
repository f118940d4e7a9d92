import { date, pgTable, serial, text, timestamp, varchar } from 'drizzle-orm/pg-core'

/** The same tables as schema.ts, for PostgreSQL: the resources and forms are the same code. */
export const authors = pgTable('authors', {
  id: serial().primaryKey(),
  name: varchar({ length: 200 }).notNull().unique(),
  title: varchar({ length: 3, enum: ['MR', 'MRS', 'MS'] }),
  birthDate: date('birth_date')
})

export const stickyNotes = pgTable('sticky_notes', {
  id: serial().primaryKey(),
  timestamp: timestamp({ withTimezone: true }).notNull().defaultNow(),
  text: text().notNull()
})
