import t from 'tap'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
// the functions written out as source once per form, table or statement (lib/compile.ts): names that are awkward in source
import { compile, literal } from '../lib/compile.ts'
import { rowDecoderOf } from '../lib/db/direct.ts'
import { createAdapter } from '../lib/db/index.ts'
import { modelForm } from '../lib/index.ts'

// property keys a naive writer of source would break on: quotes, a backslash, a line break, a key that looks like code
const odd = sqliteTable('odd', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  'it\'s "quoted"': text('quoted').notNull().unique(),
  'back\\slash\nline': text('slash'),
  '}); throw 1; ({': integer('code')
})

function setup (t: { teardown: (fn: () => void) => void }) {
  const sqlite = new Database(':memory:')
  sqlite.exec('create table odd (id integer primary key autoincrement, quoted text not null unique, slash text, code integer)')
  t.teardown(() => sqlite.close())
  return drizzle(sqlite)
}

t.test('literal writes any name as a string literal that reads back as the same name', async (t) => {
  for (const name of ['plain', 'it\'s "quoted"', 'back\\slash\nline', '\u2028\u2029', '}); throw 1; ({', '__proto__']) {
    t.equal(compile<() => string>('f', [], `return ${literal(name)}`)(), name)
  }
})

t.test('a form and the adapter over columns with awkward keys: create, read, update and a unique refusal', async (t) => {
  const db = setup(t)
  const adapter = createAdapter(db)
  const OddForm = modelForm(odd, { fields: '__all__' })
  const created = new OddForm({ db, data: { 'it\'s "quoted"': 'a', 'back\\slash\nline': 'b', '}); throw 1; ({': '7' } })
  t.equal(await created.isValid(), true)
  const row = await created.save()
  t.strictSame(row, { id: 1, 'it\'s "quoted"': 'a', 'back\\slash\nline': 'b', '}); throw 1; ({': 7 })
  t.strictSame(await adapter.get(odd, 1), row, 'the row read back has the same keys and values')
  const changed = new OddForm({ db, data: { 'it\'s "quoted"': 'c', 'back\\slash\nline': 'e' }, instance: row })
  t.equal(await changed.isValid(), true)
  t.strictSame(await changed.save(), { id: 1, 'it\'s "quoted"': 'c', 'back\\slash\nline': 'e', '}); throw 1; ({': null }, 'a field the data leaves out is empty, as Django\'s form has it')
  t.strictSame(await adapter.get(odd, 1), { id: 1, 'it\'s "quoted"': 'c', 'back\\slash\nline': 'e', '}); throw 1; ({': null })
  await new OddForm({ db, data: { 'it\'s "quoted"': 'd' } }).save()
  const taken = new OddForm({ db, data: { 'it\'s "quoted"': 'c' } })
  t.equal(await taken.isValid(), false)
  t.strictSame(Object.keys(taken.errors), ['it\'s "quoted"'])
})

t.test('a row with a key named __proto__ is decoded as an own key, its prototype left alone', async (t) => {
  const identity = { mapFromDriverValue: (value: unknown) => value }
  const decode = rowDecoderOf(['id', '__proto__'], [identity, identity])
  const row = decode([1, { polluted: true }])
  t.equal(Object.getPrototypeOf(row), Object.prototype)
  t.strictSame(Object.keys(row), ['id', '__proto__'])
  t.equal(({} as Record<string, unknown>).polluted, undefined)
})
