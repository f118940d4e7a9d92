// how the PostgreSQL adapter writes: without RETURNING (or RETURNING the key only) where the stored row is known
import t from 'tap'
import type { PGlite } from '@electric-sql/pglite'
import { boolean, char, date, integer, pgEnum, pgTable, serial, text, uuid, varchar } from 'drizzle-orm/pg-core'
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import type pg from 'pg'
import { createAdapter } from '../dist/db/index.js'
import { DATABASE_URL, pgDatabase } from './helpers/pg.ts'

const mood = pgEnum('mood', ['calm', 'busy'])
const people = pgTable('people', {
  id: serial().primaryKey(),
  name: varchar({ length: 5 }).notNull(),
  bio: text(),
  age: integer(),
  active: boolean(),
  born: date(),
  ref: uuid(),
  mood: mood()
})
const codes = pgTable('codes', { id: serial().primaryKey(), code: char({ length: 3 }).notNull() })

/** The adapter over a database whose Drizzle logger records each statement's SQL. */
async function setUp (t: Parameters<typeof pgDatabase>[0]) {
  const { db, query } = await pgDatabase(t, { mood, people, codes })
  const logged: string[] = []
  const client = (db as unknown as { $client: unknown }).$client
  const logger = { logQuery: (sql: string) => { logged.push(sql) } }
  const logging = DATABASE_URL === undefined ? drizzlePglite(client as PGlite, { logger }) : drizzleNodePg(client as pg.Pool, { logger })
  const adapter = createAdapter(logging)
  const stored = async (table: typeof people | typeof codes, id: number): Promise<unknown> => await adapter.get(table, id)
  const last = (): string => logged.filter((sql) => !sql.startsWith('select')).at(-1) ?? ''
  return { adapter, query, stored, last }
}

const VALUES = { name: 'Ada', bio: 'x', age: 36, active: true, born: '1815-12-10', ref: '123e4567-e89b-12d3-a456-426614174000', mood: 'calm' }

t.test('an insert of plain values returns the key only; the row built is the stored one', async (t) => {
  const { adapter, stored, last } = await setUp(t)
  const [row] = await adapter.write([{ op: 'insert', table: people, values: { name: 'Ada', age: 36 } }])
  t.strictSame(row, { id: 1, name: 'Ada', bio: null, age: 36, active: null, born: null, ref: null, mood: null })
  t.match(last(), /returning "id"$/)
  t.strictSame(row, await stored(people, 1))
  const [full] = await adapter.write([{ op: 'insert', table: people, values: VALUES }])
  t.strictSame(full, await stored(people, 2))
})

t.test('an update that sets every column has no RETURNING; one that leaves a column out reads it back', async (t) => {
  const { adapter, stored, last } = await setUp(t)
  await adapter.write([{ op: 'insert', table: people, values: { name: 'Ada' } }])
  const [row] = await adapter.write([{ op: 'update', table: people, key: 1, values: { ...VALUES, name: 'Bea' } }])
  t.notMatch(last(), /returning/)
  t.strictSame(row, await stored(people, 1))
  const [partial] = await adapter.write([{ op: 'update', table: people, key: 1, values: { name: 'Cy' } }])
  t.match(last(), /returning "bio", "age", "active", "born", "ref", "mood"$/, 'only the columns left out are read back')
  t.strictSame(partial, { ...row as object, name: 'Cy' })
  t.strictSame(partial, await stored(people, 1))
  t.strictSame(await adapter.write([{ op: 'update', table: people, key: 9, values: { ...VALUES } }]), [undefined], 'no row: nothing')
})

t.test('an update leaving columns out has no RETURNING while they hold the values the request read, and reads them back when they do not', async (t) => {
  const { adapter, query, stored, last } = await setUp(t)
  await adapter.write([{ op: 'insert', table: people, values: { ...VALUES, bio: null } }])
  const read = await stored(people, 1) as Record<string, unknown>
  const [row] = await adapter.write([{ op: 'update', table: people, key: 1, values: { name: 'Bea' }, stored: read }])
  t.match(last(), /"bio" is not distinct from \$\d+ and .*"mood" is not distinct from \$\d+\)$/)
  t.notMatch(last(), /returning/)
  t.strictSame(row, { ...read, name: 'Bea' })
  t.strictSame(row, await stored(people, 1))
  await query("update people set bio = 'changed meanwhile' where id = 1")
  const [fresh] = await adapter.write([{ op: 'update', table: people, key: 1, values: { name: 'Cy' }, stored: read }])
  t.match(last(), /returning "bio", "age", "active", "born", "ref", "mood"$/, 'read back')
  t.strictSame(fresh, { ...read, name: 'Cy', bio: 'changed meanwhile' })
  t.strictSame(fresh, await stored(people, 1))
  t.strictSame(await adapter.write([{ op: 'update', table: people, key: 9, values: { name: 'Dee' }, stored: { ...read, id: 9 } }]), [undefined], 'no row: nothing')
})

t.test('an update checked by a precondition knows the other columns from the row it locked', async (t) => {
  const { adapter, stored, last } = await setUp(t)
  await adapter.write([{ op: 'insert', table: people, values: VALUES }])
  const [row] = await adapter.write([{ op: 'update', table: people, key: 1, values: { name: 'Bea' }, expect: () => true }])
  t.notMatch(last(), /returning/)
  t.strictSame(row, await stored(people, 1))
  t.equal((row as { name: string }).name, 'Bea')
})

t.test('values PostgreSQL would store otherwise are read back: a varchar past its length, a char', async (t) => {
  const { adapter, stored, last } = await setUp(t)
  const [cut] = await adapter.write([{ op: 'insert', table: people, values: { name: 'Ada     ' } }])
  t.match(last(), /returning "id", "name"/, 'the whole row')
  t.equal((cut as { name: string }).name, 'Ada  ', 'PostgreSQL cut the trailing spaces past 5')
  t.strictSame(cut, await stored(people, 1))
  const [padded] = await adapter.write([{ op: 'insert', table: codes, values: { code: 'a' } }])
  t.strictSame(padded, { id: 1, code: 'a  ' })
})

t.test('without a Drizzle logger (straight on node-postgres, or PGlite) the built rows are the stored ones too', async (t) => {
  const { db } = await pgDatabase(t, { mood, people, codes })
  const adapter = createAdapter(db)
  const [inserted] = await adapter.write([{ op: 'insert', table: people, values: { name: 'Ada', age: 36 } }])
  t.strictSame(inserted, await adapter.get(people, 1))
  const [updated] = await adapter.write([{ op: 'update', table: people, key: 1, values: { ...VALUES, name: 'Bea' } }])
  t.strictSame(updated, await adapter.get(people, 1))
  t.equal((updated as { name: string }).name, 'Bea')
  t.strictSame(await adapter.write([{ op: 'update', table: people, key: 7, values: { ...VALUES } }]), [undefined], 'a missing row: no row, from the row count')
  const [checked] = await adapter.write([{ op: 'update', table: people, key: 1, values: { name: 'Cy' }, expect: () => true }])
  t.strictSame(checked, await adapter.get(people, 1))
})
