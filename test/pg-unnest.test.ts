// Many rows inserted through one `unnest` statement on a node-postgres pool: one statement
// whatever the number of rows, every column kind stored as a single insert stores it, rows in
// order, a refused row refusing the whole write, and columns `unnest` cannot carry kept on a
// multi-row VALUES. Needs DATABASE_URL: PGlite and a Drizzle logger run Drizzle's own statements.
import t from 'tap'
import { sql } from 'drizzle-orm'
import { bigint, boolean, char, date, doublePrecision, integer, interval, json, jsonb, numeric, pgEnum, pgTable, real, serial, smallint, text, time, timestamp, uuid, varchar } from 'drizzle-orm/pg-core'
import { drizzle } from 'drizzle-orm/node-postgres'
import type pg from 'pg'
import { modelFormSet } from 'fastify-form-resources'
import { createAdapter } from '../dist/db/index.js'
import { DATABASE_URL, pgDatabase } from './helpers/pg.ts'

const mood = pgEnum('mood', ['calm', 'busy'])
const kinds = pgTable('kinds', {
  id: serial().primaryKey(),
  name: varchar({ length: 20 }).notNull().unique(),
  note: text(),
  code: char({ length: 3 }),
  small: smallint(),
  count: integer(),
  big: bigint({ mode: 'number' }),
  huge: bigint({ mode: 'bigint' }),
  flag: boolean(),
  day: date(),
  dayDate: date({ mode: 'date' }),
  at: timestamp({ precision: 3, withTimezone: true }),
  atText: timestamp({ mode: 'string' }),
  clock: time(),
  ref: uuid(),
  price: numeric({ precision: 10, scale: 2 }),
  ratio: real(),
  exact: doublePrecision(),
  doc: json(),
  docb: jsonb(),
  span: interval()
})
const moods = pgTable('moods', { id: serial().primaryKey(), mood: mood().notNull(), scores: integer().array() })
const snake = pgTable('snake_rows', { id: serial().primaryKey(), firstName: text().notNull(), lastSeen: date() })

/** The statements the pool's clients run, as their text. */
function spy (db: unknown): string[] {
  const texts: string[] = []
  const spied = new WeakSet<object>()
  ;(db as { $client: pg.Pool }).$client.on('acquire', (client) => {
    if (spied.has(client)) return
    spied.add(client)
    const query = client.query.bind(client) as (...args: unknown[]) => unknown
    ;(client as unknown as { query: (...args: unknown[]) => unknown }).query = (config: unknown, ...rest: unknown[]) => {
      texts.push(typeof config === 'string' ? config : (config as { text: string }).text)
      return query(config, ...rest)
    }
  })
  return texts
}

const inserts = (texts: string[], table: string): string[] => texts.filter((text) => text.startsWith(`insert into "${table}"`))

const TRICKY = ['', 'NULL', 'a,b', '{x}', 'say "hi"', 'back\\slash', 'é ☃ 𝄞', ' padded ']

t.test('rows of every plain column kind in one unnest statement, stored as single inserts store them', { skip: DATABASE_URL === undefined && 'needs DATABASE_URL (a node-postgres pool)' }, async (t) => {
  const { db, query } = await pgDatabase(t, { mood, kinds, moods })
  const adapter = createAdapter(db)
  const texts = spy(db)
  const values = (i: number): Record<string, unknown> => ({
    name: `row ${i}`,
    note: TRICKY[i % TRICKY.length],
    code: i % 3 === 0 ? null : 'ab',
    small: i,
    count: i * 1000,
    big: 2 ** 40 + i,
    huge: 2n ** 62n + BigInt(i),
    flag: i % 2 === 0,
    day: '2024-02-29',
    dayDate: new Date('2020-01-02T00:00:00Z'),
    at: new Date(Date.UTC(2024, 0, 1, 12, 0, 0, i)),
    atText: '2024-01-01 12:00:00.5',
    clock: '12:34:56',
    ref: '123e4567-e89b-12d3-a456-42661417400' + String(i % 10),
    price: '12.50',
    ratio: 0.5,
    exact: 1 / 3,
    doc: { a: [1, 'two', null], quote: '"', i },
    docb: i % 4 === 0 ? null : ['x', { y: 'z,{}' }],
    span: '1 day 02:00:00'
  })
  const many = Array.from({ length: 300 }, (_, i) => values(i))
  const written = await adapter.write(many.map((row) => ({ op: 'insert' as const, table: kinds, values: row })))
  t.strictSame(inserts(texts, 'kinds').length, 1, 'one statement for 300 rows')
  t.match(inserts(texts, 'kinds')[0], /select \* from unnest\(\$1::varchar\(20\)\[\], \$2::text\[\]/)
  t.equal(written.length, 300)
  t.strictSame(written.map((row) => row?.name), many.map((row) => row.name), 'in the order written')
  t.strictSame(written.map((row) => row?.id), Array.from({ length: 300 }, (_, i) => i + 1))
  for (const i of [0, 1, 2, 3, 4, 5, 6, 7, 299]) t.strictSame(written[i], await adapter.get(kinds, i + 1), `row ${i} as it is stored`)
  // the same values through one single-row insert store the same thing
  const [single] = await adapter.write([{ op: 'insert', table: kinds, values: { ...values(5), name: 'single' } }])
  t.strictSame({ ...single, id: 0, name: '' }, { ...written[5], id: 0, name: '' })
  t.strictSame(await query("select note from kinds where name in ('row 1', 'row 8') order by id"), [{ note: 'NULL' }, { note: '' }], 'the text NULL is not SQL NULL')
  t.strictSame(await query('select count(*)::int as n from kinds where docb is null'), [{ n: 75 }])
})

t.test('a refused row refuses the whole unnest insert; enums and array columns keep a multi-row VALUES; casing', { skip: DATABASE_URL === undefined && 'needs DATABASE_URL (a node-postgres pool)' }, async (t) => {
  const { db, query } = await pgDatabase(t, { mood, kinds, moods })
  const adapter = createAdapter(db)
  const texts = spy(db)
  await t.rejects(Promise.resolve(adapter.write([{ op: 'insert', table: kinds, values: { name: 'a' } }, { op: 'insert', table: kinds, values: { name: 'b' } }, { op: 'insert', table: kinds, values: { name: 'a' } }])))
  t.strictSame(await query('select count(*)::int as n from kinds'), [{ n: 0 }], 'nothing written')
  await adapter.write([{ op: 'insert', table: kinds, values: { name: 'x' } }])
  const error = await Promise.resolve(adapter.write([{ op: 'insert', table: kinds, values: { name: 'y' } }, { op: 'insert', table: kinds, values: { name: 'x' } }])).catch((e: unknown) => e)
  t.strictSame(adapter.violation(error, kinds), { kind: 'unique', columns: ['name'] }, 'the violation names its column')

  const rows = await adapter.write([{ op: 'insert', table: moods, values: { mood: 'calm', scores: [1, 2] } }, { op: 'insert', table: moods, values: { mood: 'busy', scores: null } }])
  t.strictSame(rows, [{ id: 1, mood: 'calm', scores: [1, 2] }, { id: 2, mood: 'busy', scores: null }])
  t.match(inserts(texts, 'moods'), [/values \(default, \$1, \$2\), \(default, \$3, \$4\)/], 'a multi-row VALUES')

  // the table as a database under `casing: 'snake_case'` has it
  await query('create table snake_rows (id serial primary key, first_name text not null, last_seen date)')
  const snakeDb = drizzle((db as unknown as { $client: pg.Pool }).$client, { casing: 'snake_case' })
  const snakes = createAdapter(snakeDb)
  const saved = await snakes.write([{ op: 'insert', table: snake, values: { firstName: 'Ann', lastSeen: '2024-01-01' } }, { op: 'insert', table: snake, values: { firstName: 'Bob', lastSeen: null } }])
  t.strictSame(saved, [{ id: 1, firstName: 'Ann', lastSeen: '2024-01-01' }, { id: 2, firstName: 'Bob', lastSeen: null }])
  t.match(inserts(texts, 'snake_rows').at(-1), /insert into "snake_rows" \("first_name", "last_seen"\) select \* from unnest/)
  t.strictSame(await snakeDb.execute(sql`select first_name from snake_rows order by id`).then((r) => r.rows), [{ first_name: 'Ann' }, { first_name: 'Bob' }])
})

t.test('a formset of 1,000 new rows through the public API: one insert statement', { skip: DATABASE_URL === undefined && 'needs DATABASE_URL (a node-postgres pool)' }, async (t) => {
  const { db, query } = await pgDatabase(t, { mood, kinds, moods })
  const texts = spy(db)
  const KindSet = modelFormSet(kinds, { fields: ['name', 'count', 'day'], maxNum: 1000 })
  const items = Array.from({ length: 1000 }, (_, i) => ({ name: `n${i}`, count: String(i), day: '2024-03-01' }))
  const formset = new KindSet({ db, data: items })
  t.equal(await formset.isValid(), true)
  const saved = await formset.save()
  t.equal(inserts(texts, 'kinds').length, 1)
  t.strictSame(saved.slice(0, 2).map((row) => [row?.id, row?.name, row?.count, row?.day, row?.note]), [[1, 'n0', 0, '2024-03-01', null], [2, 'n1', 1, '2024-03-01', null]])
  t.strictSame(await query('select name, count from kinds where id = 1000'), [{ name: 'n999', count: 999 }])
})
