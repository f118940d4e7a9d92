import t from 'tap'
import Database from 'better-sqlite3'
import { DrizzleQueryError, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { drizzle as drizzleProxy } from 'drizzle-orm/sqlite-proxy'
import { index, integer, primaryKey, sqliteTable, text, unique, uniqueIndex } from 'drizzle-orm/sqlite-core'
// the adapter is not part of the public API: it is the one door to the database, tested here directly
import { createAdapter, describe, type Row } from '../lib/db/index.ts'
import { promised } from '../lib/maybe.ts'

const authors = sqliteTable('authors', {
  id: integer('id').primaryKey(),
  name: text('name').notNull().unique(),
  email: text('email'),
  nick: text('nick')
}, (table) => [
  uniqueIndex('authors_email').on(table.email),
  index('authors_nick').on(table.nick),
  uniqueIndex('authors_lower_nick').on(sql`lower(${table.nick})`)
])

const books = sqliteTable('books', {
  id: integer('id').primaryKey(),
  title: text('title').notNull(),
  author: integer('author_id').notNull().references(() => authors.id),
  editor: integer('editor_id').references(() => authors.id)
}, (table) => [unique('books_title_author').on(table.title, table.author)])

const codes = sqliteTable('codes', {
  code: text('code').primaryKey(),
  label: text('label').notNull(),
  upper: text('upper').generatedAlwaysAs(sql`upper(label)`)
})

const SCHEMA = [
  'create table authors (id integer primary key, name text not null unique, email text, nick text)',
  'create unique index authors_email on authors (email)',
  'create index authors_nick on authors (nick)',
  'create unique index authors_lower_nick on authors (lower(nick))',
  'create table books (id integer primary key, title text not null, author_id integer not null references authors(id), editor_id integer references authors(id), constraint books_title_author unique (title, author_id))',
  'create table codes (code text primary key, label text not null check (length(label) > 0), upper text generated always as (upper(label)) virtual)'
]

function setup (t: { teardown: (fn: () => void) => void }) {
  const sqlite = new Database(':memory:')
  for (const statement of SCHEMA) sqlite.exec(statement)
  const db = drizzle(sqlite)
  t.teardown(() => sqlite.close())
  return { sqlite, db, adapter: createAdapter(db), rows: (table: string) => sqlite.prepare(`select * from ${table} order by rowid`).all() }
}

/** The error a synchronous call throws. */
function thrown (fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

t.test('createAdapter rejects values that are not Drizzle databases', async (t) => {
  for (const value of [undefined, null, 'file.db', 42]) {
    t.throws(() => createAdapter(value),
      new TypeError('fastify-form-resources: `db` must be a Drizzle database, such as drizzle(new Database(file)) from drizzle-orm/better-sqlite3 or drizzle(pool) from drizzle-orm/node-postgres.'),
      String(value))
  }
  const sqlite = new Database(':memory:')
  t.teardown(() => sqlite.close())
  for (const value of [{}, sqlite, { select: () => {} }]) {
    t.throws(() => createAdapter(value),
      new TypeError('fastify-form-resources: `db` is not a Drizzle database this plugin supports (SQLite through better-sqlite3, PostgreSQL through node-postgres or PGlite).'))
  }
})

t.test('createAdapter refuses an asynchronous SQLite driver', async (t) => {
  const proxy = drizzleProxy(async () => ({ rows: [] }))
  t.throws(() => createAdapter(proxy),
    new Error('fastify-form-resources: the SQLite adapter needs a synchronous driver (better-sqlite3); got an asynchronous one.'))
})

t.test('createAdapter gives one adapter per database', async (t) => {
  const a = setup(t)
  const b = setup(t)
  t.equal(a.adapter.dialect, 'sqlite')
  t.equal(createAdapter(a.db), a.adapter)
  t.not(b.adapter, a.adapter)
})

t.test('describe reads the primary key, unique sets, unique indexes and foreign keys', async (t) => {
  const info = describe(authors)
  t.equal(info.table, authors)
  t.equal(info.name, 'authors')
  t.equal(info.primaryKey, 'id')
  t.strictSame(Object.keys(info.columns), ['id', 'name', 'email', 'nick'])
  t.strictSame([...info.automatic], ['id'], 'an INTEGER PRIMARY KEY is the rowid')
  t.strictSame(info.uniques, [['name'], ['email']], 'a plain index and an index on an expression are not unique sets')
  t.strictSame(info.foreignKeys, [])
  t.strictSame(info.constraints.get('authors_email'), ['email'])
  t.strictSame(info.constraints.get('authors_pkey'), ['id'])
  t.equal(info.constraints.has('authors_nick'), false)
  t.equal(describe(authors), info, 'described once')
})

t.test('describe reads unique constraints over several columns and foreign keys by property name', async (t) => {
  const info = describe(books)
  t.strictSame(info.uniques, [['title', 'author']])
  t.strictSame(info.constraints.get('books_title_author'), ['title', 'author'])
  t.strictSame(info.foreignKeys.map(({ columns, foreignTable, foreignColumns }) => ({ columns, foreignTable, foreignColumns })), [
    { columns: ['author'], foreignTable: authors, foreignColumns: ['id'] },
    { columns: ['editor'], foreignTable: authors, foreignColumns: ['id'] }
  ])
  for (const fk of info.foreignKeys) t.strictSame(info.constraints.get(fk.name), fk.columns)
})

t.test('describe: a text primary key is not automatic, a generated column is', async (t) => {
  const info = describe(codes)
  t.equal(info.primaryKey, 'code')
  t.strictSame([...info.automatic], ['upper'])
})

t.test('describe: an integer primary key with autoIncrement is automatic; duplicate unique sets are listed once', async (t) => {
  const counters = sqliteTable('counters', {
    id: integer('id').primaryKey({ autoIncrement: true }),
    slug: text('slug').unique()
  }, (table) => [unique('counters_slug_again').on(table.slug), uniqueIndex('counters_slug_index').on(table.slug)])
  const info = describe(counters)
  t.strictSame([...info.automatic], ['id'])
  t.strictSame(info.uniques, [['slug']])
  t.strictSame([info.constraints.get('counters_slug_again'), info.constraints.get('counters_slug_index')], [['slug'], ['slug']])
})

t.test('describe: a table needs a single-column primary key', async (t) => {
  const pairs = sqliteTable('pairs', { a: integer('a').notNull(), b: integer('b').notNull() }, (table) => [primaryKey({ columns: [table.a, table.b] })])
  t.throws(() => describe(pairs), new Error('fastify-form-resources: table "pairs" needs a single-column primary key.'))
  const none = sqliteTable('loose', { a: integer('a') })
  t.throws(() => describe(none), new Error('fastify-form-resources: table "loose" needs a single-column primary key.'))
})

t.test('get, list, count and exists read through prepared statements', async (t) => {
  const { adapter, db } = setup(t)
  db.insert(authors).values([{ name: 'Ada', email: 'ada@example.com' }, { name: 'Grace' }, { name: 'Mary' }]).run()
  t.strictSame(await adapter.get(authors, 2), { id: 2, name: 'Grace', email: null, nick: null })
  t.equal(await adapter.get(authors, 99), undefined)
  t.strictSame((await adapter.list(authors, 1, 5)).map((row) => row.name), ['Grace', 'Mary'])
  t.strictSame((await adapter.list(authors, 0, 1)).map((row) => row.name), ['Ada'])
  t.strictSame(await adapter.list(authors, 3, 5), [])
  t.equal(await adapter.count(authors), 3)
  t.equal(await adapter.exists(authors, ['name'], ['Ada']), true)
  t.equal(await adapter.exists(authors, ['name'], ['ada']), false)
  t.equal(await adapter.exists(authors, ['name'], ['Ada'], 1), false, 'the excluded row does not count')
  t.equal(await adapter.exists(authors, ['name'], ['Ada'], 2), true)
  t.equal(await adapter.exists(authors, ['name', 'email'], ['Ada', 'ada@example.com']), true)
  t.equal(await adapter.exists(authors, ['name', 'email'], ['Grace', 'ada@example.com']), false)
})

t.test('write inserts, updates and deletes one row, returning it', async (t) => {
  const { adapter, rows } = setup(t)
  t.strictSame(await adapter.write([{ op: 'insert', table: authors, values: { name: 'Ada' } }]), [{ id: 1, name: 'Ada', email: null, nick: null }])
  t.strictSame(await adapter.write([{ op: 'update', table: authors, key: 1, values: { email: 'ada@example.com', nick: undefined } }]),
    [{ id: 1, name: 'Ada', email: 'ada@example.com', nick: null }], 'undefined values are left out')
  t.strictSame(await adapter.write([{ op: 'update', table: authors, key: 1, values: { email: null } }]), [{ id: 1, name: 'Ada', email: null, nick: null }], 'null is written as NULL')
  t.strictSame(rows('authors'), [{ id: 1, name: 'Ada', email: null, nick: null }])
  t.strictSame(await adapter.write([{ op: 'delete', table: authors, key: 1 }]), [{ id: 1, name: 'Ada', email: null, nick: null }])
  t.strictSame(rows('authors'), [])
})

t.test('write gives undefined for an update or delete that matched nothing, and for an update with no values', async (t) => {
  const { adapter, rows } = setup(t)
  await adapter.write([{ op: 'insert', table: authors, values: { name: 'Ada' } }])
  t.strictSame(await adapter.write([{ op: 'update', table: authors, key: 9, values: { name: 'Grace' } }]), [undefined])
  t.strictSame(await adapter.write([{ op: 'delete', table: authors, key: 9 }]), [undefined])
  t.strictSame(await adapter.write([{ op: 'update', table: authors, key: 1, values: {} }]), [undefined])
  t.strictSame(rows('authors'), [{ id: 1, name: 'Ada', email: null, nick: null }])
})

t.test('write with several ops runs them in order in one transaction; values may use the rows written before', async (t) => {
  const { adapter, rows } = setup(t)
  const written = await adapter.write([
    { op: 'insert', table: authors, values: { name: 'Ada' } },
    { op: 'insert', table: books, values: (done: Row[]) => ({ title: 'Notes', author: done[0].id }) },
    { op: 'update', table: authors, key: 1, values: (done: Row[]) => ({ nick: `author of ${String(done[1].title)}` }) }
  ])
  t.strictSame(written, [
    { id: 1, name: 'Ada', email: null, nick: null },
    { id: 1, title: 'Notes', author: 1, editor: null },
    { id: 1, name: 'Ada', email: null, nick: 'author of Notes' }
  ])
  t.strictSame(rows('books'), [{ id: 1, title: 'Notes', author_id: 1, editor_id: null }])
})

t.test('write with several ops: a failing second op leaves nothing written', async (t) => {
  const { adapter, rows } = setup(t)
  await adapter.write([{ op: 'insert', table: authors, values: { name: 'Grace' } }])
  // SQLite's adapter answers at once: a refused write throws
  const error = await promised(() => adapter.write([
    { op: 'insert', table: authors, values: { name: 'Ada' } },
    { op: 'insert', table: authors, values: { name: 'Grace' } }
  ])).then(() => undefined, (error: unknown) => error)
  t.strictSame(adapter.violation(error, authors), { kind: 'unique', columns: ['name'] })
  t.strictSame(rows('authors'), [{ id: 1, name: 'Grace', email: null, nick: null }])
  const fkError = await promised(() => adapter.write([
    { op: 'update', table: authors, key: 1, values: { nick: 'changed' } },
    { op: 'insert', table: books, values: { title: 'Orphan', author: 42 } }
  ])).then(() => undefined, (error: unknown) => error)
  t.strictSame(adapter.violation(fkError, books), { kind: 'foreignKey' })
  t.strictSame(rows('authors'), [{ id: 1, name: 'Grace', email: null, nick: null }], 'the update before it is rolled back')
  t.strictSame(rows('books'), [])
})

t.test('violation reads UNIQUE errors of a column, a unique index, a unique constraint and a primary key', async (t) => {
  const { adapter, sqlite } = setup(t)
  sqlite.exec("insert into authors (name, email) values ('Ada', 'ada@example.com')")
  sqlite.exec("insert into books (title, author_id) values ('Notes', 1)")
  sqlite.exec("insert into codes (code, label) values ('A', 'first')")
  t.strictSame(adapter.violation(thrown(() => sqlite.exec("insert into authors (name) values ('Ada')")), authors), { kind: 'unique', columns: ['name'] })
  t.strictSame(adapter.violation(thrown(() => sqlite.exec("insert into authors (name, email) values ('Bea', 'ada@example.com')")), authors), { kind: 'unique', columns: ['email'] })
  t.strictSame(adapter.violation(thrown(() => sqlite.exec("insert into books (title, author_id) values ('Notes', 1)")), books), { kind: 'unique', columns: ['title', 'author'] })
  t.strictSame(adapter.violation(thrown(() => sqlite.exec("insert into codes (code, label) values ('A', 'again')")), codes), { kind: 'unique', columns: ['code'] })
  t.strictSame(adapter.violation(thrown(() => sqlite.exec("insert into authors (name, nick) values ('X', 'ab'), ('Y', 'AB')")), authors), { kind: 'unique' },
    'an index on an expression names no column')
})

t.test('violation reads FOREIGN KEY, NOT NULL and CHECK errors', async (t) => {
  const { adapter, sqlite } = setup(t)
  t.strictSame(adapter.violation(thrown(() => sqlite.exec("insert into books (title, author_id) values ('Notes', 7)")), books), { kind: 'foreignKey' })
  t.strictSame(adapter.violation(thrown(() => sqlite.exec('insert into books (title, author_id) values (null, 1)')), books), { kind: 'notNull', columns: ['title'] })
  t.strictSame(adapter.violation(thrown(() => sqlite.exec("insert into codes (code, label) values ('B', '')")), codes), { kind: 'check' })
})

t.test('violation reads the cause of an error Drizzle wrapped', async (t) => {
  const { adapter, sqlite } = setup(t)
  sqlite.exec("insert into authors (name) values ('Ada')")
  const raw = thrown(() => sqlite.exec("insert into authors (name) values ('Ada')"))
  t.strictSame(adapter.violation(new DrizzleQueryError('insert into "authors"', [], raw as Error), authors), { kind: 'unique', columns: ['name'] })
})

t.test('violation is undefined for errors that are not constraint violations', async (t) => {
  const { adapter, sqlite } = setup(t)
  t.equal(adapter.violation(thrown(() => sqlite.exec('select * from nowhere')), authors), undefined)
  t.equal(adapter.violation(new Error('UNIQUE constraint failed: authors.name'), authors), undefined, 'the message alone is not enough')
  t.equal(adapter.violation(Object.assign(new Error('x'), { code: 'SQLITE_BUSY' }), authors), undefined)
  for (const value of [null, undefined, 'text', 42]) t.equal(adapter.violation(value, authors), undefined, String(value))
})
