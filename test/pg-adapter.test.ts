// The PostgreSQL adapter (lib/db/pg.ts) on its own: dialect detection, reading violations out
// of driver errors, and statement names that stay unique across same-named tables.
import t from 'tap'
import { PGlite } from '@electric-sql/pglite'
import { integer, pgSchema, pgTable, serial, text } from 'drizzle-orm/pg-core'
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import pg from 'pg'
import { createAdapter } from '../dist/db/index.js'
import { promised } from '../dist/maybe.js'
import { DATABASE_URL, pgDatabase } from './helpers/pg.ts'
import { authors, books, contributions, title } from './helpers/pg-tables.ts'

t.test('createAdapter detects PostgreSQL in node-postgres and PGlite databases, and refuses anything else', async (t) => {
  const pool = new pg.Pool()
  t.teardown(async () => { await pool.end() })
  t.equal(createAdapter(drizzleNodePg(pool)).dialect, 'postgresql')
  const client = new PGlite()
  t.teardown(async () => { await client.close() })
  t.equal(createAdapter(drizzlePglite(client)).dialect, 'postgresql')
  t.throws(() => createAdapter({ query () {} }), /not a Drizzle database this plugin supports \(SQLite through better-sqlite3, PostgreSQL through node-postgres or PGlite\)/)
})

t.test('violation reads PostgreSQL errors by constraint name, by detail, by column, and ignores others', async (t) => {
  const pool = new pg.Pool()
  t.teardown(async () => { await pool.end() })
  const adapter = createAdapter(drizzleNodePg(pool))
  const wrapped = (cause: Record<string, unknown>): Error => Object.assign(new Error('Failed query'), { cause })
  // a Drizzle name cut to 63 bytes, as PostgreSQL reports it, with no detail to fall back on
  t.strictSame(adapter.violation(wrapped({ code: '23505', constraint: 'registered_contributor_publications_slug_of_the_publication_uni' }), contributions), { kind: 'unique', columns: ['slugOfThePublication'] })
  t.strictSame(adapter.violation(wrapped({ code: '23503', constraint: 'books_author_id_authors_id_fk' }), books), { kind: 'foreignKey', columns: ['authorId'] })
  t.strictSame(adapter.violation(wrapped({ code: '23505', constraint: 'books_title_author_id_unique' }), books), { kind: 'unique', columns: ['title', 'authorId'] })
  // a name Drizzle does not know (PostgreSQL's own default): the detail names the columns
  t.strictSame(adapter.violation(wrapped({ code: '23505', constraint: 'books_title_author_id_key', detail: 'Key (title, author_id)=(Emma, 1) already exists.' }), books), { kind: 'unique', columns: ['title', 'authorId'] })
  t.strictSame(adapter.violation(wrapped({ code: '23503', constraint: 'books_author_id_fkey', detail: 'Key (id)=(1) is still referenced from table "books".' }), authors), { kind: 'foreignKey', columns: ['id'] })
  t.strictSame(adapter.violation(wrapped({ code: '23505', detail: 'Key (lower(name::text))=(ann) already exists.' }), authors), { kind: 'unique' })
  t.strictSame(adapter.violation({ code: '23502', column: 'birth_date' }, authors), { kind: 'notNull', columns: ['birthDate'] })
  t.strictSame(adapter.violation(wrapped({ code: '23514', constraint: 'pages_positive' }), books), { kind: 'check' })
  t.strictSame(adapter.violation(wrapped({ code: '22003' }), books), { kind: 'check' }, 'a data exception is the database refusing a value')
  t.equal(adapter.violation(wrapped({ code: '42P01' }), books), undefined, 'an undefined table is no violation')
  t.equal(adapter.violation(new Error('connection refused'), books), undefined)
  t.equal(adapter.violation(Object.assign(new Error('x'), { code: 'ECONNRESET' }), books), undefined)
})

const otherSchema = pgSchema(`ffr_other_${process.pid}_${Date.now()}`)
const notes = pgTable('notes', { id: serial().primaryKey(), body: text().notNull() })
const otherNotes = otherSchema.table('notes', { id: serial().primaryKey(), stars: integer().notNull() })

t.test('two tables of one name in two schemas keep apart prepared statements on one connection', async (t) => {
  const { db, query } = await pgDatabase(t, { notes, otherSchema, otherNotes })
  try {
    const adapter = createAdapter(db)
    t.strictSame(await adapter.write([{ op: 'insert', table: notes, values: { body: 'hello' } }]), [{ id: 1, body: 'hello' }])
    t.strictSame(await adapter.write([{ op: 'insert', table: otherNotes, values: { stars: 5 } }]), [{ id: 1, stars: 5 }])
    t.strictSame(await adapter.get(notes, 1), { id: 1, body: 'hello' })
    t.strictSame(await adapter.get(otherNotes, 1), { id: 1, stars: 5 })
    t.strictSame(await adapter.list(otherNotes, 0, 10), [{ id: 1, stars: 5 }])
    t.equal(await adapter.count(notes), 1)
  } finally {
    await query(`DROP SCHEMA ${otherSchema.schemaName} CASCADE`)
  }
})

t.test('several writes run in one transaction on PostgreSQL: a failing one undoes the others', async (t) => {
  const { db, query } = await pgDatabase(t, { notes })
  const adapter = createAdapter(db)
  const written = await adapter.write([
    { op: 'insert', table: notes, values: { body: 'a' } },
    { op: 'insert', table: notes, values: (done) => ({ body: `after ${String(done[0].id)}` }) },
    { op: 'update', table: notes, key: 1, values: { body: 'A' } }
  ])
  t.strictSame(written, [{ id: 1, body: 'a' }, { id: 2, body: 'after 1' }, { id: 1, body: 'A' }])
  const failed = promised(() => adapter.write([
    { op: 'delete', table: notes, key: 2 },
    { op: 'insert', table: notes, values: { body: null } }
  ]))
  await t.rejects(failed)
  t.strictSame(adapter.violation(await failed.catch((e: unknown) => e), notes), { kind: 'notNull', columns: ['body'] })
  t.strictSame(await query('SELECT id, body FROM notes ORDER BY id'), [{ id: 1, body: 'A' }, { id: 2, body: 'after 1' }])
  t.strictSame(await adapter.write([{ op: 'delete', table: notes, key: 2 }]), [{ id: 2, body: 'after 1' }])
  t.strictSame(await adapter.write([{ op: 'update', table: notes, key: 9, values: { body: 'gone' } }]), [undefined])
  t.strictSame(await adapter.write([{ op: 'update', table: notes, key: 1, values: {} }]), [undefined], 'an update of no columns writes nothing')
})

t.test('with a Drizzle logger the statements run through Drizzle, so the logger sees every query', async (t) => {
  const { db } = await pgDatabase(t, { title, authors })
  const logged: string[] = []
  const client = (db as unknown as { $client: unknown }).$client
  const logging = DATABASE_URL === undefined
    ? drizzlePglite(client as PGlite, { logger: { logQuery: (query: string) => { logged.push(query) } } })
    : drizzleNodePg(client as pg.Pool, { logger: { logQuery: (query: string) => { logged.push(query) } } })
  const adapter = createAdapter(logging)
  const [row] = await adapter.write([{ op: 'insert', table: authors, values: { name: 'Ann' } }])
  t.match(row, { id: 1, name: 'Ann' })
  t.strictSame(await adapter.get(authors, 1), row)
  t.equal(await adapter.exists(authors, ['name'], ['Ann']), true)
  t.equal(logged.length, 3, 'one logged query per statement run')
  t.match(logged, [/^insert into "authors"/, /^select .* from "authors" where "authors"."id" = \$1$/, /^select .* limit 1$/])
})
