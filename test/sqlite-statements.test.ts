import t from 'tap'
import Database from 'better-sqlite3'
import { eq, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core'
// how the SQLite adapter runs its statements: straight on better-sqlite3, and inserts and updates without RETURNING where the row is known
import { createAdapter, type Row } from '../lib/db/index.ts'

const people = sqliteTable('people', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  nick: text('nick'),
  age: integer('age'),
  score: real('score')
})

const notes = sqliteTable('notes', {
  id: integer('id').primaryKey(),
  body: text('body').notNull(),
  kind: text('kind').notNull().default('memo'),
  at: integer('at', { mode: 'timestamp' })
})

const events = sqliteTable('events', {
  id: integer('id').primaryKey(),
  at: integer('at', { mode: 'timestamp' }).notNull(),
  atMs: integer('at_ms', { mode: 'timestamp_ms' }),
  done: integer('done', { mode: 'boolean' }).notNull()
})

const SCHEMA = [
  'create table events (id integer primary key, at integer not null, at_ms integer, done integer not null)',
  'create table people (id integer primary key autoincrement, name text not null unique, nick text, age integer, score real)',
  "create table notes (id integer primary key, body text not null, kind text not null default 'memo', at integer)"
]

function setup (t: { teardown: (fn: () => void) => void }) {
  const sqlite = new Database(':memory:')
  for (const statement of SCHEMA) sqlite.exec(statement)
  const prepared: string[] = []
  const prepare = sqlite.prepare.bind(sqlite)
  sqlite.prepare = ((source: string) => {
    prepared.push(source)
    return prepare(source)
  }) as typeof sqlite.prepare
  const db = drizzle(sqlite)
  t.teardown(() => sqlite.close())
  const adapter = createAdapter(db)
  /** The row as a plain read gives it, through the same adapter. */
  const stored = async (table: typeof people | typeof notes | typeof events, id: unknown): Promise<Row | undefined> => await adapter.get(table, id)
  return { sqlite, db, adapter, prepared, stored }
}

t.test('an insert of plain values knows its row without RETURNING; the row is the stored one', async (t) => {
  const { adapter, prepared, stored } = setup(t)
  const [row] = await adapter.write([{ op: 'insert', table: people, values: { name: 'Ada', age: 36, score: 1.5 } }])
  t.strictSame(row, { id: 1, name: 'Ada', nick: null, age: 36, score: 1.5 }, 'left-out nullable columns are null, in the table\'s column order')
  t.same(Object.keys(row!), ['id', 'name', 'nick', 'age', 'score'])
  t.strictSame(row, await stored(people, 1))
  const inserts = prepared.filter((source) => source.startsWith('insert'))
  t.ok(inserts.length > 0 && inserts.every((source) => !source.includes('returning')), 'no RETURNING')
  const [second] = await adapter.write([{ op: 'insert', table: people, values: { name: 'Grace', nick: 'amazing', score: 2 } }])
  t.strictSame(second, { id: 2, name: 'Grace', nick: 'amazing', age: null, score: 2 })
  t.strictSame(second, await stored(people, 2))
})

t.test('an insert reads its row back when SQLite may store something else than the values', async (t) => {
  const { adapter, prepared, stored } = setup(t)
  const cases: Array<[Record<string, unknown>, Record<string, unknown>, string]> = [
    [{ name: 'lone \uD800 surrogate' }, { name: /^lone \uFFFD+ surrogate$/ }, 'a lone surrogate is stored as U+FFFD'],
    [{ name: 'minus zero', age: -0 }, { age: 0 }, '-0 is stored as 0'],
    [{ name: 'big', age: 2 ** 60 }, { age: 2 ** 60 }, 'an integer past 2^53 is read back'],
    [{ id: 40, name: 'chosen id' }, { id: 40 }, 'an id given is kept']
  ]
  for (const [values, expected, message] of cases) {
    const [row] = await adapter.write([{ op: 'insert', table: people, values }])
    t.match(row, expected, message)
    t.strictSame(row, await stored(people, row!.id), `${message}: the row is the stored one`)
  }
  t.ok(prepared.some((source) => source.startsWith('insert') && source.includes('returning')), 'these use RETURNING')
})

t.test('an insert reads its row back for defaults and converted kinds', async (t) => {
  const { adapter, stored } = setup(t)
  const [memo] = await adapter.write([{ op: 'insert', table: notes, values: { body: 'a default' } }])
  t.strictSame(memo, { id: 1, body: 'a default', kind: 'memo', at: null }, 'a left-out column with a default has it')
  const at = new Date('2024-05-17T10:20:30.456Z')
  const [dated] = await adapter.write([{ op: 'insert', table: notes, values: { body: 'dated', kind: 'log', at } }])
  t.strictSame(dated, await stored(notes, 2))
  t.equal((dated!.at as Date).getTime(), Date.parse('2024-05-17T10:20:30Z'), 'a timestamp is stored in seconds')
})

t.test('timestamps of whole seconds, timestamp_ms values and booleans are written without RETURNING; a timestamp with milliseconds is read back', async (t) => {
  const { adapter, prepared, stored } = setup(t)
  const at = new Date('2024-05-17T10:20:30Z')
  const atMs = new Date('2024-05-17T10:20:30.456Z')
  const [row] = await adapter.write([{ op: 'insert', table: events, values: { at, atMs, done: true } }])
  t.strictSame(row, { id: 1, at, atMs, done: true })
  t.strictSame(row, await stored(events, 1), 'the row is the stored one')
  t.ok(prepared.filter((source) => source.startsWith('insert')).every((source) => !source.includes('returning')), 'no RETURNING')
  const [updated] = await adapter.write([{ op: 'update', table: events, key: 1, values: { at: new Date(-2000), atMs: null, done: false } }])
  t.strictSame(updated, { id: 1, at: new Date(-2000), atMs: null, done: false }, 'a whole second before 1970 too')
  t.strictSame(updated, await stored(events, 1))
  t.ok(prepared.filter((source) => source.startsWith('update')).every((source) => !source.includes('returning')), 'no RETURNING for the update')
  // an update leaving the timestamps out matches them as they were read, in the seconds stored
  const [partial] = await adapter.write([{ op: 'update', table: events, key: 1, values: { done: true }, stored: updated }])
  t.strictSame(partial, { id: 1, at: new Date(-2000), atMs: null, done: true })
  t.strictSame(partial, await stored(events, 1))
  t.ok(prepared.some((source) => source.startsWith('update') && source.includes('"events"."at" is ?') && !source.includes('returning')), 'matched on the left-out values, no RETURNING')
  const [moved] = await adapter.write([{ op: 'update', table: events, key: 1, values: { done: false }, stored: { ...updated, at: new Date(5000) } }])
  t.strictSame(moved, await stored(events, 1), 'a left-out timestamp read as another value: the stored row')
  t.equal((moved!.at as Date).getTime(), -2000)
  prepared.length = 0
  const [cut] = await adapter.write([{ op: 'insert', table: events, values: { at: atMs, done: false } }])
  t.strictSame(cut, await stored(events, 2), 'milliseconds in a seconds column: the stored row')
  t.equal((cut!.at as Date).getTime(), at.getTime(), 'cut to the second')
  const [early] = await adapter.write([{ op: 'insert', table: events, values: { at: new Date(-1500), done: false } }])
  t.equal((early!.at as Date).getTime(), -2000, 'before 1970, floored as Drizzle stores it')
  t.ok(prepared.some((source) => source.startsWith('insert') && source.includes('returning')), 'these use RETURNING')
})

t.test('an update setting every column but the key knows its row without RETURNING; the row is the stored one', async (t) => {
  const { adapter, prepared, stored } = setup(t)
  await adapter.write([{ op: 'insert', table: people, values: { name: 'Ada', nick: 'countess', age: 36, score: 1.5 } }])
  prepared.length = 0
  const [row] = await adapter.write([{ op: 'update', table: people, key: 1, values: { name: 'Grace', nick: null, age: 85, score: 2 } }])
  t.strictSame(row, { id: 1, name: 'Grace', nick: null, age: 85, score: 2 })
  t.same(Object.keys(row!), ['id', 'name', 'nick', 'age', 'score'], "in the table's column order")
  t.strictSame(row, await stored(people, 1))
  t.ok(prepared.some((source) => source.startsWith('update') && !source.includes('returning')), 'no RETURNING')
  const [gone] = await adapter.write([{ op: 'update', table: people, key: 2, values: { name: 'Nobody', nick: null, age: 1, score: 1 } }])
  t.equal(gone, undefined, 'no row with that key: nothing')
})

t.test('an update reads its row back when it leaves a column out or SQLite may store something else', async (t) => {
  const { adapter, prepared, stored } = setup(t)
  await adapter.write([{ op: 'insert', table: people, values: { name: 'Ada', nick: 'countess', age: 36, score: 1.5 } }])
  prepared.length = 0
  const cases: Array<[Record<string, unknown>, Record<string, unknown>, string]> = [
    [{ name: 'Ada', age: 37 }, { id: 1, name: 'Ada', nick: 'countess', age: 37, score: 1.5 }, 'a column left out keeps its value'],
    [{ name: 'Ada', nick: 'x', age: -0, score: 1 }, { age: 0 }, '-0 is stored as 0'],
    [{ name: 'Ada', nick: 'x', age: 2 ** 60, score: 1 }, { age: 2 ** 60 }, 'an integer past 2^53 is read back'],
    [{ name: 'Ada', age: 38 }, { age: 38, nick: 'x' }, 'the first set of keys again']
  ]
  for (const [values, expected, message] of cases) {
    const [row] = await adapter.write([{ op: 'update', table: people, key: 1, values }])
    t.match(row, expected, message)
    t.strictSame(row, await stored(people, 1), `${message}: the row is the stored one`)
  }
  t.ok(prepared.some((source) => source.startsWith('update') && source.includes('returning')), 'these use RETURNING')
  const [converted] = (await adapter.write([
    { op: 'insert', table: notes, values: { body: 'dated', at: new Date('2024-05-17T10:20:30Z') } },
    { op: 'update', table: notes, key: 1, values: { body: 'redated', kind: 'log', at: new Date('2025-01-02T03:04:05Z') } }
  ])).slice(1)
  t.strictSame(converted, await stored(notes, 1), 'a converted kind (timestamp) is read back')
})

t.test('an update leaving columns out writes without RETURNING while they hold the values the request read, and reads them back when they do not', async (t) => {
  const { sqlite, adapter, prepared, stored } = setup(t)
  sqlite.exec('create table tagged (id integer primary key, name text not null, label text collate nocase, rank integer)')
  const tagged = sqliteTable('tagged', { id: integer('id').primaryKey(), name: text('name').notNull(), label: text('label'), rank: integer('rank') })
  await adapter.write([{ op: 'insert', table: people, values: { name: 'Ada', nick: 'countess', age: 36, score: 1.5 } }])
  const read = (await stored(people, 1))!
  prepared.length = 0
  const [row] = await adapter.write([{ op: 'update', table: people, key: 1, values: { name: 'Ada L', age: 37 }, stored: read }])
  t.strictSame(row, { id: 1, name: 'Ada L', nick: 'countess', age: 37, score: 1.5 })
  t.strictSame(row, await stored(people, 1))
  t.match(prepared, [/^update "people" set "name" = \?, "age" = \? where \("people"."id" = \? and "people"."nick" is \? collate binary and "people"."score" is \?\)$/], 'one update, no RETURNING')

  // another connection changed a left-out column after the request read the row: the answer is the stored row
  sqlite.prepare("update people set nick = 'enchantress', score = null where id = 1").run()
  const [fresh] = await adapter.write([{ op: 'update', table: people, key: 1, values: { name: 'Ada B', age: 38 }, stored: read }])
  t.strictSame(fresh, { id: 1, name: 'Ada B', nick: 'enchantress', age: 38, score: null })
  t.strictSame(fresh, await stored(people, 1))
  t.ok(prepared.some((source) => source.startsWith('update') && source.endsWith('returning "nick", "score"')), 'read back with RETURNING')

  // a NULL read is matched by a NULL stored; a NOCASE column is compared byte for byte
  await adapter.write([{ op: 'insert', table: tagged, values: { id: 1, name: 'x', label: 'Red', rank: null } }])
  const stale = { id: 1, name: 'x', label: 'red', rank: null }
  const [labelled] = await adapter.write([{ op: 'update', table: tagged, key: 1, values: { name: 'y' }, stored: stale }])
  t.strictSame(labelled, { id: 1, name: 'y', label: 'Red', rank: null }, "'red' read, 'Red' stored: the stored one")
  const [same] = await adapter.write([{ op: 'update', table: tagged, key: 1, values: { name: 'z' }, stored: { ...stale, label: 'Red' } }])
  t.strictSame(same, { id: 1, name: 'z', label: 'Red', rank: null })
  t.strictSame(same, await stored(tagged as never, 1))
  const [gone] = await adapter.write([{ op: 'update', table: tagged, key: 2, values: { name: 'none' }, stored: { ...stale, id: 2 } }])
  t.equal(gone, undefined, 'no row with that key: nothing')
})

t.test('in safe-integer mode an insert reads its row back (the rowid is a bigint)', async (t) => {
  const { sqlite, adapter } = setup(t)
  sqlite.defaultSafeIntegers(true)
  const [row] = await adapter.write([{ op: 'insert', table: people, values: { name: 'Ada', age: 36 } }])
  t.strictSame(row, { id: 1n, name: 'Ada', nick: null, age: 36n, score: null })
})

t.test('reads bind the key and the values only: LIMIT 1 is in the SQL, a key lookup has none', async (t) => {
  const { adapter, prepared } = setup(t)
  await adapter.write([{ op: 'insert', table: people, values: { name: 'Ada' } }])
  t.match(await adapter.get(people, 1), { name: 'Ada' })
  t.equal(await adapter.exists(people, ['name'], ['Ada']), true)
  t.equal(await adapter.exists(people, ['name'], ['Ada'], 1), false)
  const selects = prepared.filter((source) => source.startsWith('select'))
  t.ok(selects.length > 0)
  t.notOk(selects.some((source) => /limit \?/.test(source)), 'no bound LIMIT: SQLite with STAT4 plans such a statement again at every bind')
  t.ok(selects.filter((source) => source.includes('"people"."name" = ?')).every((source) => source.endsWith('limit 1')))
  t.ok(selects.filter((source) => source.includes('"people"."id" = ?') && !source.includes('name')).every((source) => !source.includes('limit')))
})

t.test('a statement run straight on better-sqlite3 refuses a missing placeholder as Drizzle does', async (t) => {
  const { adapter, db } = setup(t)
  const statement = (adapter as unknown as { prepared: (table: unknown, key: string, build: () => unknown) => { all: (params: object) => unknown } })
    .prepared(people, 'test:by-id', () => db.select().from(people).where(eq(people.id, sql.placeholder('id'))).prepare())
  t.throws(() => statement.all({}), new Error('No value for placeholder "id" was provided'))
  t.strictSame(statement.all({ id: 1 }), [])
})

t.test('with a Drizzle logger the statements run through Drizzle, so the logger sees every query', async (t) => {
  const sqlite = new Database(':memory:')
  for (const statement of SCHEMA) sqlite.exec(statement)
  t.teardown(() => sqlite.close())
  const logged: string[] = []
  const adapter = createAdapter(drizzle(sqlite, { logger: { logQuery: (query: string) => { logged.push(query) } } }))
  const [row] = await adapter.write([{ op: 'insert', table: people, values: { name: 'Ada', age: 36 } }])
  t.strictSame(row, { id: 1, name: 'Ada', nick: null, age: 36, score: null })
  t.strictSame(await adapter.get(people, 1), row)
  t.equal(await adapter.exists(people, ['name'], ['Ada']), true)
  const [changed] = await adapter.write([{ op: 'update', table: people, key: 1, values: { name: 'Grace', nick: null, age: 85, score: 2 } }])
  t.strictSame(changed, { id: 1, name: 'Grace', nick: null, age: 85, score: 2 })
  t.equal(logged.length, 4, 'one logged query per statement run')
  t.match(logged, [/^insert into "people"/, /^select .* from "people" where "people"."id" = \?$/, /^select .* limit 1$/, /^update "people" set/])
})

t.test('an update that leaves columns out reads back only those: the row is the stored one, changes by others included', async (t) => {
  const { adapter, prepared, sqlite, stored } = setup(t)
  await adapter.write([{ op: 'insert', table: people, values: { name: 'Ada', nick: 'countess', age: 36 } }])
  sqlite.exec("UPDATE people SET nick = 'changed by another writer'")
  const [row] = await adapter.write([{ op: 'update', table: people, key: 1, values: { name: 'Ada L.' } }])
  t.match(prepared.filter((source) => source.startsWith('update')).at(-1), /returning "nick", "age", "score"$/)
  t.strictSame(row, { id: 1, name: 'Ada L.', nick: 'changed by another writer', age: 36, score: null })
  t.strictSame(row, await stored(people, 1))
  t.strictSame(await adapter.write([{ op: 'update', table: people, key: 9, values: { name: 'Nobody' } }]), [undefined], 'no row: nothing')
})
