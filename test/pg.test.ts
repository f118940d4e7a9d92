// PostgreSQL column kinds → form fields, their messages, and values stored and read back:
// against DATABASE_URL when it is set, else PGlite (see helpers/pg.ts).
import t from 'tap'
import {
  bigint, bigserial, boolean, char, date, doublePrecision, integer, interval, json, jsonb, numeric, pgEnum, pgTable,
  real, serial, smallint, text, time, timestamp, uuid, varchar
} from 'drizzle-orm/pg-core'
import { modelForm } from 'fastify-form-resources'
import { createAdapter } from '../dist/db/index.js'
import { pgDatabase } from './helpers/pg.ts'

const mood = pgEnum('mood', ['sad', 'ok', 'happy'])
const kinds = pgTable('kinds', {
  id: serial().primaryKey(),
  name: varchar({ length: 5 }).notNull(),
  note: text(),
  code: char({ length: 2 }),
  small: smallint(),
  int: integer(),
  big53: bigint({ mode: 'number' }),
  big64: bigint({ mode: 'bigint' }),
  real: real(),
  dbl: doublePrecision(),
  price: numeric({ precision: 5, scale: 2 }),
  priceNumber: numeric('price_number', { precision: 5, scale: 2, mode: 'number' }),
  priceBig: numeric('price_big', { precision: 20, mode: 'bigint' }),
  flag: boolean().notNull().default(false),
  day: date(),
  dayDate: date('day_date', { mode: 'date' }),
  at: time(),
  ts: timestamp({ mode: 'date' }),
  tsz: timestamp({ withTimezone: true, mode: 'string' }),
  uid: uuid(),
  data: json(),
  doc: jsonb(),
  mood: mood(),
  tags: integer().array(3),
  labels: text().array(),
  seq: bigserial({ mode: 'number' }),
  ident: integer().generatedAlwaysAsIdentity()
})
const KindForm = modelForm(kinds, { fields: '__all__' })

t.test('every PostgreSQL column kind maps to its field kind, serial and identity columns left out', async (t) => {
  const described = Object.fromEntries(Object.entries(KindForm.baseFields).map(([key, field]) => [key, field.kind]))
  t.strictSame(described, {
    name: 'string',
    note: 'string',
    code: 'string',
    small: 'integer',
    int: 'integer',
    big53: 'integer',
    big64: 'integer',
    real: 'number',
    dbl: 'number',
    price: 'decimal',
    priceNumber: 'decimal',
    priceBig: 'decimal',
    flag: 'boolean',
    day: 'date',
    dayDate: 'date',
    at: 'time',
    ts: 'datetime',
    tsz: 'datetime',
    uid: 'uuid',
    data: 'json',
    doc: 'json',
    mood: 'choice',
    tags: 'array',
    labels: 'array'
  })
  t.throws(() => modelForm(kinds, { fields: ['seq'] }), /"seq" cannot be in `fields`: the database fills it in/)
  t.throws(() => modelForm(kinds, { fields: ['ident'] }), /"ident" cannot be in `fields`/)
  t.equal(KindForm.baseFields.name.required, true, 'NOT NULL without default is required')
  t.equal(KindForm.baseFields.note.required, false)
  t.strictSame(KindForm.baseFields.big64.options.maxValue, 2n ** 63n - 1n)
  t.strictSame(KindForm.baseFields.tags.options.itemField?.kind, 'integer')
})

t.test('text with an enum is a choice, bare char is char(1), bare numeric has no digit limits, an array of an unmapped kind throws', async (t) => {
  const extra = pgTable('extra', { id: serial().primaryKey(), size: text({ enum: ['S', 'M'] }), flag: char(), amount: numeric(), spans: interval().array() })
  const ExtraForm = modelForm(extra, { fields: ['size', 'flag', 'amount'] })
  t.strictSame([...ExtraForm.baseFields.size.choiceValues!], ['S', 'M'])
  const form = new ExtraForm({ data: { size: 'L', flag: 'ab', amount: '123456789012345678901234567890.123456789' } })
  t.equal(await form.isValid(), false)
  t.strictSame(form.errors, {
    size: ['Select a valid choice. L is not one of the available choices.'],
    flag: ['Ensure this value has at most 1 character (it has 2).']
  })
  t.throws(() => modelForm(extra, { fields: ['spans'] }), /no form field for column "spans\[\]" of type PgInterval; give one in the form/)
})

t.test('each PostgreSQL kind refuses a bad value with Django\'s message', async (t) => {
  const form = new KindForm({
    data: {
      name: 'toolong',
      code: 'abc',
      small: 40000,
      int: '-2147483649',
      big53: '9007199254740993',
      big64: '9223372036854775808',
      real: '1e39',
      dbl: 'abc',
      price: '1234.5',
      priceNumber: '1.234',
      priceBig: '1.5',
      day: '2024-02-30',
      dayDate: 'x',
      at: '25:00',
      ts: 'yesterday',
      tsz: '2024-13-01T00:00:00Z',
      uid: 'nope',
      data: '{bad',
      mood: 'angry',
      tags: [1, 'x', 3, 'y'],
      labels: 5
    }
  })
  t.equal(await form.isValid(), false)
  t.strictSame(form.errors, {
    name: ['Ensure this value has at most 5 characters (it has 7).'],
    code: ['Ensure this value has at most 2 characters (it has 3).'],
    small: ['Ensure this value is less than or equal to 32767.'],
    int: ['Ensure this value is greater than or equal to -2147483648.'],
    big53: ['Ensure this value is less than or equal to 9007199254740991.'],
    big64: ['Ensure this value is less than or equal to 9223372036854775807.'],
    real: ['Ensure this value is less than or equal to 3.4028234663852886e+38.'],
    dbl: ['Enter a number.'],
    price: ['Ensure that there are no more than 3 digits before the decimal point.'],
    priceNumber: ['Ensure that there are no more than 2 decimal places.'],
    priceBig: ['Ensure that there are no more than 0 decimal places.'],
    day: ['Enter a valid date.'],
    dayDate: ['Enter a valid date.'],
    at: ['Enter a valid time.'],
    ts: ['Enter a valid date/time.'],
    tsz: ['Enter a valid date/time.'],
    uid: ['Enter a valid UUID.'],
    data: ['Enter a valid JSON.'],
    mood: ['Select a valid choice. angry is not one of the available choices.'],
    tags: ['Item 2 in the array did not validate: Enter a whole number.', 'Item 4 in the array did not validate: Enter a whole number.'],
    labels: ['Enter a list of values.']
  })
})

t.test('an array column refuses more items than its size, and an empty item', async (t) => {
  const form = new KindForm({ data: { name: 'a', tags: [1, 2, 3, 4], labels: ['x', ''] } })
  t.equal(await form.isValid(), false)
  t.strictSame(form.errors, {
    tags: ['List contains 4 items, it should contain no more than 3.'],
    labels: ['Item 2 in the array did not validate: This field is required.']
  })
  const CustomForm = modelForm(kinds, { fields: ['tags'], errorMessages: { tags: { itemInvalid: 'Tag %(nth)s:', maxLength: 'At most %(limit_value)d tags.' } } })
  const one = new CustomForm({ data: { tags: ['1', 'two'] } })
  t.equal(await one.isValid(), false)
  t.strictSame(one.errors, { tags: ['Tag 2: Enter a whole number.'] })
  const many = new CustomForm({ data: { tags: '1,2,3,4' } })
  t.equal(await many.isValid(), false)
  t.strictSame(many.errors, { tags: ['At most 3 tags.'] })
})

t.test('values of every kind are saved on PostgreSQL and read back in their modes', async (t) => {
  const { db, query } = await pgDatabase(t, { mood, kinds })
  const form = new KindForm({
    db,
    data: {
      name: ' ann ',
      note: 'n',
      code: 'ab',
      small: '-32768',
      int: 2147483647,
      big53: '9007199254740991',
      big64: '-9223372036854775808',
      real: '1.5',
      dbl: 2.25,
      price: '123.45',
      priceNumber: '-1.5',
      priceBig: '12345678901234567890',
      flag: 'on',
      day: '2024-02-29',
      dayDate: '2024-03-01',
      at: '13:45',
      ts: '2024-01-02T03:04:05.678Z',
      tsz: '2024-01-02T03:04:05+02:00',
      uid: '{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}',
      data: { a: [1, 2] },
      doc: '{"b": true}',
      mood: 'ok',
      tags: '1, 2,3',
      labels: ['x', 'y']
    }
  })
  t.equal(await form.isValid(), true, JSON.stringify(form.errors))
  const row = await form.save()
  t.strictSame(row, {
    id: 1,
    name: 'ann',
    note: 'n',
    code: 'ab',
    small: -32768,
    int: 2147483647,
    big53: 9007199254740991,
    big64: -9223372036854775808n,
    real: 1.5,
    dbl: 2.25,
    price: '123.45',
    priceNumber: -1.5,
    priceBig: 12345678901234567890n,
    flag: true,
    day: '2024-02-29',
    dayDate: new Date('2024-03-01T00:00:00Z'),
    at: '13:45:00',
    ts: new Date('2024-01-02T03:04:05.678Z'),
    tsz: row.tsz,
    uid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    data: { a: [1, 2] },
    doc: { b: true },
    mood: 'ok',
    tags: [1, 2, 3],
    labels: ['x', 'y'],
    seq: 1,
    ident: 1
  })
  t.equal(new Date(row.tsz!).toISOString(), '2024-01-02T01:04:05.000Z', 'timestamptz keeps the instant')
  // the adapter runs its statements straight on node-postgres: its rows must be Drizzle's own
  const [read] = await db.select().from(kinds)
  t.strictSame(row, read, 'the saved row as Drizzle itself reads it')
  t.strictSame(await createAdapter(db).get(kinds, 1), read, 'and as the adapter reads it')
  t.strictSame(await query('SELECT name, small, big64::text, price_big::text, day::text, at::text, ts::text, tags, labels, mood::text FROM kinds'), [{
    name: 'ann', small: -32768, big64: '-9223372036854775808', price_big: '12345678901234567890', day: '2024-02-29', at: '13:45:00', ts: '2024-01-02 03:04:05.678', tags: [1, 2, 3], labels: ['x', 'y'], mood: 'ok'
  }])
})

t.test('empty optional values of every kind are stored as NULL on PostgreSQL', async (t) => {
  const { db, query } = await pgDatabase(t, { mood, kinds })
  const data: Record<string, unknown> = { name: 'b' }
  for (const key of Object.keys(KindForm.baseFields)) if (key !== 'name' && key !== 'flag') data[key] = ''
  const form = new KindForm({ db, data })
  t.equal(await form.isValid(), true, JSON.stringify(form.errors))
  const row = await form.save()
  const nulls = Object.fromEntries(Object.keys(data).filter((key) => key !== 'name').map((key) => [key, null]))
  t.strictSame(row, { id: 1, name: 'b', flag: false, seq: 1, ident: 1, ...nulls })
  t.strictSame(await query('SELECT count(*)::int AS n FROM kinds WHERE data IS NULL AND doc IS NULL AND tags IS NULL AND ts IS NULL AND day_date IS NULL'), [{ n: 1 }])
})
