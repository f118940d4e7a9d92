import t from 'tap'
import Database from 'better-sqlite3'
import { sql } from 'drizzle-orm'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { blob, integer, numeric, real, sqliteTable, text, unique } from 'drizzle-orm/sqlite-core'
import {
  defineModel, fields, modelForm, ModelForm, NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError, type FormArgs
} from 'fastify-form-resources'

const authors = sqliteTable('authors', {
  id: integer('id').primaryKey(),
  name: text('name', { length: 200 }).notNull().unique(),
  title: text('title', { enum: ['MR', 'MRS', 'MS'] }),
  birthDate: text('birth_date'),
  bio: text('bio').default('No biography yet.'),
  visits: integer('visits').notNull().default(0)
})

const books = sqliteTable('books', {
  id: integer('id').primaryKey(),
  title: text('title').notNull(),
  author: integer('author_id').notNull().references(() => authors.id),
  year: integer('year')
}, (table) => [unique('books_title_author').on(table.title, table.author)])

const SCHEMA = [
  sql`create table authors (id integer primary key, name text not null unique, title text, birth_date text, bio text default 'No biography yet.', visits integer not null default 0)`,
  sql`create table books (id integer primary key, title text not null, author_id integer not null references authors(id), year integer, constraint books_title_author unique (title, author_id))`
]

const MODEL_CHOICE = 'Select a valid choice. That choice is not one of the available choices.'

interface Setup {
  db: BetterSQLite3Database
  sqlite: Database.Database
  /** Every row of a table, straight from SQLite. */
  rows: (table: string) => unknown[]
}

function setup (t: { teardown: (fn: () => void) => void }, statements = SCHEMA): Setup {
  const sqlite = new Database(':memory:')
  const db = drizzle(sqlite)
  for (const statement of statements) db.run(statement)
  t.teardown(() => sqlite.close())
  return { db, sqlite, rows: (table) => sqlite.prepare(`select * from ${table} order by rowid`).all() }
}

/** Inserts an author straight into SQLite and returns it as Drizzle reads it. */
function addAuthor ({ db }: Setup, name: string, extra: Partial<typeof authors.$inferInsert> = {}): typeof authors.$inferSelect {
  return db.insert(authors).values({ name, ...extra }).returning().all()[0]
}

t.test('modelForm definition errors name the fix', async (t) => {
  t.throws(() => modelForm(authors, {}),
    new Error("modelForm(authors): name the form's columns with `fields: [...]`, `fields: '__all__'` or `exclude: [...]`."))
  t.throws(() => modelForm(authors, undefined as never),
    new Error("modelForm(authors): name the form's columns with `fields: [...]`, `fields: '__all__'` or `exclude: [...]`."))
  t.throws(() => modelForm(authors, { fields: 'name' as never }),
    new Error("modelForm(authors): `fields` must be a list of column keys or '__all__'."))
  t.throws(() => modelForm(authors, { fields: ['name', 'nmae' as never] }),
    new Error('modelForm(authors): unknown field "nmae" in `fields`; did you mean "name"?'))
  t.throws(() => modelForm(authors, { exclude: ['bogus' as never] }),
    new Error('modelForm(authors): unknown field "bogus" in `exclude`; the fields are: name, title, birthDate, bio, visits.'))
})

t.test('modelForm refuses columns the database fills in or described editable: false in fields', async (t) => {
  t.throws(() => modelForm(authors, { fields: ['id', 'name'] }),
    new Error('modelForm(authors): "id" cannot be in `fields`: the database fills it in or it is described `editable: false`.'))
  const model = defineModel(authors, { fields: { visits: { editable: false } } })
  t.throws(() => modelForm(model, { fields: ['name', 'visits'] }),
    new Error('modelForm(authors): "visits" cannot be in `fields`: the database fills it in or it is described `editable: false`.'))
  const generated = sqliteTable('people', {
    id: integer('id').primaryKey(),
    first: text('first').notNull(),
    upper: text('upper').generatedAlwaysAs(sql`upper(first)`)
  })
  t.throws(() => modelForm(generated, { fields: ['first', 'upper'] }),
    new Error('modelForm(people): "upper" cannot be in `fields`: the database fills it in or it is described `editable: false`.'))
})

t.test('a column kind with no form field throws at definition, naming the ways out', async (t) => {
  const files = sqliteTable('files', { id: integer('id').primaryKey(), name: text('name').notNull(), data: blob('data', { mode: 'buffer' }) })
  t.throws(() => modelForm(files, { fields: '__all__' }),
    new Error('fastify-form-resources: no form field for column "data" of type SQLiteBlobBuffer; give one in the form\'s `declared` or in defineModel\'s `formField`, or leave the column out.'))
  t.strictSame(Object.keys(modelForm(files, { exclude: ['data'] }).baseFields), ['name'])
  t.equal(modelForm(files, { fields: '__all__', declared: { data: fields.string() } }).baseFields.data.kind, 'string')
  t.equal(modelForm(defineModel(files, { fields: { data: { formField: fields.json() } } }), { fields: '__all__' }).baseFields.data.kind, 'json')
})

t.test('every SQLite column kind maps to a field kind with the column\'s limits', async (t) => {
  const kinds = sqliteTable('kinds', {
    id: integer('id').primaryKey({ autoIncrement: true }),
    short: text('short', { length: 10 }),
    long: text('long'),
    honorific: text('honorific', { enum: ['MR', 'MRS'] }),
    count: integer('count'),
    flag: integer('flag', { mode: 'boolean' }),
    seen: integer('seen', { mode: 'timestamp' }),
    seenMs: integer('seen_ms', { mode: 'timestamp_ms' }),
    ratio: real('ratio'),
    price: numeric('price'),
    weight: numeric('weight', { mode: 'number' }),
    big: numeric('big', { mode: 'bigint' }),
    meta: blob('meta', { mode: 'json' }),
    huge: blob('huge', { mode: 'bigint' }),
    tags: text('tags', { mode: 'json' })
  })
  const form = modelForm(kinds, { fields: '__all__' })
  const summary = Object.fromEntries(Object.entries(form.baseFields).map(([key, field]) => [key, field.kind]))
  t.strictSame(summary, {
    short: 'string',
    long: 'string',
    honorific: 'choice',
    count: 'integer',
    flag: 'boolean',
    seen: 'datetime',
    seenMs: 'datetime',
    ratio: 'number',
    price: 'decimal',
    weight: 'number',
    big: 'integer',
    meta: 'json',
    huge: 'integer',
    tags: 'json'
  })
  const { baseFields } = form
  t.equal(baseFields.short.options.maxLength, 10)
  t.equal(baseFields.long.options.maxLength, undefined)
  t.strictSame([...baseFields.honorific.choiceValues!], ['MR', 'MRS'])
  t.strictSame([baseFields.count.options.minValue, baseFields.count.options.maxValue], [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER])
  t.strictSame([baseFields.huge.options.mode, baseFields.huge.options.minValue, baseFields.huge.options.maxValue], ['bigint', -(2n ** 63n), 2n ** 63n - 1n])
  t.equal(baseFields.big.options.mode, 'bigint')
  t.equal(baseFields.seen.options.mode, 'date')
})

t.test('string data for every SQLite column kind is stored as the column expects', async (t) => {
  const kinds = sqliteTable('kinds', {
    id: integer('id').primaryKey({ autoIncrement: true }),
    short: text('short', { length: 10 }),
    honorific: text('honorific', { enum: ['MR', 'MRS'] }),
    count: integer('count'),
    flag: integer('flag', { mode: 'boolean' }),
    seen: integer('seen', { mode: 'timestamp' }),
    seenMs: integer('seen_ms', { mode: 'timestamp_ms' }),
    ratio: real('ratio'),
    price: numeric('price'),
    big: numeric('big', { mode: 'bigint' }),
    meta: blob('meta', { mode: 'json' }),
    huge: blob('huge', { mode: 'bigint' }),
    tags: text('tags', { mode: 'json' })
  })
  const s = setup(t, [sql`create table kinds (id integer primary key autoincrement, short text, honorific text, count integer, flag integer, seen integer, seen_ms integer, ratio real, price numeric, big numeric, meta blob, huge blob, tags text)`])
  const Form = modelForm(kinds, { fields: '__all__' })
  const form = new Form({
    db: s.db,
    data: {
      short: ' hello ',
      honorific: 'MRS',
      count: '42.0',
      flag: 'on',
      seen: '2024-01-02T03:04:05+01:00',
      seenMs: '2024-01-02T03:04:05.678Z',
      ratio: '0.25',
      price: '0012.50',
      big: '9223372036854775807',
      meta: '{"a": [1, 2]}',
      huge: '-9223372036854775808',
      tags: '["x", "y"]'
    }
  })
  t.equal(await form.isValid(), true)
  t.strictSame(form.errors, {})
  const row = await form.save()
  t.strictSame(row, {
    id: 1,
    short: 'hello',
    honorific: 'MRS',
    count: 42,
    flag: true,
    seen: new Date('2024-01-02T02:04:05Z'),
    seenMs: new Date('2024-01-02T03:04:05.678Z'),
    ratio: 0.25,
    price: '12.5',
    big: 9223372036854775807n,
    meta: { a: [1, 2] },
    huge: -9223372036854775808n,
    tags: ['x', 'y']
  })
  const stored = s.sqlite.prepare('select id, short, honorific, count, flag, seen, seen_ms, ratio, price, cast(big as text) as big, cast(meta as text) as meta, cast(huge as text) as huge, tags from kinds').get()
  t.strictSame(stored, {
    id: 1,
    short: 'hello',
    honorific: 'MRS',
    count: 42,
    flag: 1,
    seen: 1704161045,
    seen_ms: 1704164645678,
    ratio: 0.25,
    price: 12.5,
    big: '9223372036854775807',
    meta: '{"a":[1,2]}',
    huge: '-9223372036854775808',
    tags: '["x","y"]'
  })
})

t.test('empty optional values are stored as NULL for every nullable column kind', async (t) => {
  const kinds = sqliteTable('kinds', {
    id: integer('id').primaryKey(),
    short: text('short'),
    count: integer('count'),
    flag: integer('flag', { mode: 'boolean' }),
    seen: integer('seen', { mode: 'timestamp' }),
    price: numeric('price'),
    meta: blob('meta', { mode: 'json' }),
    huge: blob('huge', { mode: 'bigint' }),
    tags: text('tags', { mode: 'json' })
  })
  const s = setup(t, [sql`create table kinds (id integer primary key, short text, count integer, flag integer, seen integer, price numeric, meta blob, huge blob, tags text)`])
  const Form = modelForm(kinds, { fields: '__all__' })
  const form = new Form({ db: s.db, data: { short: '', count: '', flag: '', seen: '', price: '', meta: '', huge: '', tags: '' } })
  const row = await form.save()
  t.strictSame(row, { id: 1, short: null, count: null, flag: null, seen: null, price: null, meta: null, huge: null, tags: null })
  t.strictSame(s.rows('kinds'), [{ id: 1, short: null, count: null, flag: null, seen: null, price: null, meta: null, huge: null, tags: null }])
})

t.test('a field is required when its column is NOT NULL without a default', async (t) => {
  const things = sqliteTable('things', {
    id: text('id').primaryKey(),
    must: text('must').notNull(),
    defaulted: text('defaulted').notNull().default('x'),
    made: text('made').notNull().$defaultFn(() => 'made'),
    optional: text('optional'),
    flag: integer('flag', { mode: 'boolean' }).notNull()
  })
  const { baseFields } = modelForm(things, { fields: '__all__' })
  const summary = Object.fromEntries(Object.entries(baseFields).map(([key, field]) => [key, [field.required, field.options.nullable]]))
  t.strictSame(summary, {
    id: [true, false],
    must: [true, false],
    defaulted: [false, false],
    made: [false, false],
    optional: [false, true],
    flag: [false, false]
  }, 'a text primary key is a field; a boolean is never required, as a checkbox')
})

t.test('fields: \'__all__\' takes every editable column in table order, exclude leaves some out', async (t) => {
  const model = defineModel(authors, { fields: { visits: { editable: false } } })
  t.strictSame(Object.keys(modelForm(model, { fields: '__all__' }).baseFields), ['name', 'title', 'birthDate', 'bio'])
  t.strictSame(Object.keys(modelForm(authors, { fields: '__all__' }).baseFields), ['name', 'title', 'birthDate', 'bio', 'visits'])
  t.strictSame(Object.keys(modelForm(authors, { exclude: ['bio', 'title'] }).baseFields), ['name', 'birthDate', 'visits'])
  t.strictSame(Object.keys(modelForm(authors, { fields: '__all__', exclude: ['visits'] }).baseFields), ['name', 'title', 'birthDate', 'bio'])
  t.strictSame(Object.keys(modelForm(authors, { fields: ['bio', 'name'] }).baseFields), ['bio', 'name'], 'a list keeps its own order')
  t.strictSame(Object.keys(modelForm(authors, { fields: ['name'], declared: { confirm: fields.string(), name: fields.slug() } }).baseFields), ['name', 'confirm'],
    'declared fields that are not in the list come last')
})

t.test('automatic, generated and editable: false columns are never written, even when sent', async (t) => {
  const people = sqliteTable('people', {
    id: integer('id').primaryKey(),
    first: text('first').notNull(),
    upper: text('upper').generatedAlwaysAs(sql`upper(first)`),
    secret: text('secret').notNull().default('hidden')
  })
  const s = setup(t, [sql`create table people (id integer primary key, first text not null, upper text generated always as (upper(first)) virtual, secret text not null default 'hidden')`])
  const Form = modelForm(defineModel(people, { fields: { secret: { editable: false } } }), { fields: '__all__' })
  t.strictSame(Object.keys(Form.baseFields), ['first'])
  const form = new Form({ db: s.db, data: { id: 99, first: 'ada', upper: 'NOPE', secret: 'exposed', unknown: 'ignored' } })
  const row = await form.save()
  t.strictSame(row, { id: 1, first: 'ada', upper: 'ADA', secret: 'hidden' })
  t.strictSame(form.cleanedData, { first: 'ada' })
  t.strictSame(s.sqlite.prepare('select id, first, upper, secret from people').all(), [{ id: 1, first: 'ada', upper: 'ADA', secret: 'hidden' }])
  const update = new Form({ db: s.db, instance: row, data: { id: 7, first: 'grace', upper: 'X', secret: 'exposed' } })
  t.strictSame(await update.save(), { id: 1, first: 'grace', upper: 'GRACE', secret: 'hidden' })
  t.strictSame(s.sqlite.prepare('select id, first, upper, secret from people').all(), [{ id: 1, first: 'grace', upper: 'GRACE', secret: 'hidden' }])
})

t.test('labels: derived from the key, from defineModel\'s verboseName, overridden by the form', async (t) => {
  const plain = modelForm(authors, { fields: ['name', 'birthDate'] })
  t.strictSame([plain.baseFields.name.label, plain.baseFields.birthDate.label], ['Name', 'Birth date'])
  const model = defineModel(authors, { fields: { name: { verboseName: 'pen name', helpText: 'As printed' }, birthDate: { verboseName: 'Date of birth' } } })
  const described = modelForm(model, { fields: ['name', 'birthDate'] })
  t.strictSame([described.baseFields.name.label, described.baseFields.birthDate.label], ['Pen name', 'Date of birth'], 'a verbose name is capitalised as Django\'s capfirst')
  t.strictSame([described.baseFields.name.helpText, described.baseFields.birthDate.helpText], ['As printed', undefined])
  const overridden = modelForm(model, {
    fields: ['name', 'birthDate', 'title'],
    labels: { name: 'Writer' },
    helpTexts: { birthDate: 'YYYY-MM-DD' },
    declared: { title: fields.choice({ choices: ['MR'], label: 'Honorific', helpText: 'How to address them' }) }
  })
  t.strictSame(
    Object.values(overridden.baseFields).map((field) => [field.label, field.helpText]),
    [['Writer', 'As printed'], ['Date of birth', 'YYYY-MM-DD'], ['Honorific', 'How to address them']]
  )
  const both = modelForm(authors, { fields: ['title'], labels: { title: 'Form label' }, declared: { title: fields.choice({ choices: ['MR'], label: 'Declared label' }) } })
  t.equal(both.baseFields.title.label, 'Form label', 'the form\'s labels win over a declared field\'s label')
})

t.test('labels and help texts reach the field schema', async (t) => {
  const Form = modelForm(authors, { fields: ['name'], labels: { name: 'Writer' }, helpTexts: { name: 'Full name' } })
  t.strictSame(JSON.parse(JSON.stringify(Form.baseFields.name.schema())), { type: 'string', title: 'Writer', description: 'Full name', maxLength: 200 })
})

t.test('message precedence: declared field, then form errorMessages, then defineModel, then Django\'s default', async (t) => {
  const s = setup(t)
  const model = defineModel(authors, {
    fields: {
      name: { errorMessages: { required: 'model: name', maxLength: 'model: too long' } },
      title: { errorMessages: { required: 'model: title', invalidChoice: 'model: %(value)s?' } },
      bio: { errorMessages: { required: 'model: bio' } }
    }
  })
  const Form = modelForm(model, {
    fields: ['name', 'title', 'bio', 'birthDate'],
    errorMessages: { name: { required: 'form: name' }, title: { required: 'form: title' } },
    declared: {
      name: fields.string({ maxLength: 3, errorMessages: { required: 'declared: name' } }),
      title: fields.choice({ choices: ['MR'] }),
      bio: fields.string(),
      birthDate: fields.date()
    }
  })
  const empty = new Form({ db: s.db, data: { name: '', title: '', bio: '', birthDate: '' } })
  t.equal(await empty.isValid(), false)
  t.strictSame(empty.errors, {
    name: ['declared: name'],
    title: ['form: title'],
    bio: ['model: bio'],
    birthDate: ['This field is required.']
  })
  const wrong = new Form({ db: s.db, data: { name: 'Ada Lovelace', title: 'DR', bio: 'x', birthDate: '2024-02-30' } })
  t.equal(await wrong.isValid(), false)
  t.strictSame(wrong.errors, {
    name: ['model: too long'],
    title: ['model: DR?'],
    birthDate: ['Enter a valid date.']
  })
})

t.test('unique: checked before saving, with Django\'s message from the model\'s names', async (t) => {
  const s = setup(t)
  addAuthor(s, 'Ada')
  const Form = modelForm(authors, { fields: ['name'] })
  const form = new Form({ db: s.db, data: { name: ' Ada ' } })
  t.equal(await form.isValid(), false)
  t.strictSame(form.errors, { name: ['Author with this Name already exists.'] })
  t.strictSame(form.cleanedData, {})
  const Named = modelForm(defineModel(authors, { verboseName: 'writer', fields: { name: { verboseName: 'pen name' } } }), { fields: ['name'], labels: { name: 'Ignored label' } })
  const other = new Named({ db: s.db, data: { name: 'Ada' } })
  t.equal(await other.isValid(), false)
  t.strictSame(other.errors, { name: ['Writer with this Pen name already exists.'] })
  t.strictSame(s.rows('authors').length, 1)
})

t.test('an overridden fullClean or validateUnique takes the place of its default stages, and can call it', async (t) => {
  const s = setup(t)
  addAuthor(s, 'Ada')
  const Form = modelForm(authors, { fields: ['name'] })
  const seen: string[] = []
  class Checked extends Form {
    protected override async fullClean (): Promise<void> {
      seen.push('before')
      await super.fullClean()
      seen.push('after')
      if (this.cleanedData.name === 'Bob') this.addError('name', 'Not Bob.')
    }
  }
  const bob = new Checked({ db: s.db, data: { name: 'Bob' } })
  t.equal(await bob.isValid(), false)
  t.strictSame(bob.errors, { name: ['Not Bob.'] })
  t.strictSame(seen, ['before', 'after'], 'the override runs once, around the default stages')
  const ada = new Checked({ db: s.db, data: { name: 'Ada' } })
  t.equal(await ada.isValid(), false)
  t.strictSame(ada.errors, { name: ['Author with this Name already exists.'] }, 'super.fullClean() ran the unique check')
  t.ok(await new Checked({ db: s.db, data: { name: 'Cy' } }).isValid())

  class Lenient extends Form {
    protected override async validateUnique (): Promise<void> {
      seen.push('unique')
    }
  }
  seen.length = 0
  const again = new Lenient({ db: s.db, data: { name: 'Ada' } })
  t.equal(await again.isValid(), true, 'the override, not the default unique check')
  t.strictSame(seen, ['unique'])
  const empty = new Lenient({ db: s.db, data: { name: '' } })
  t.equal(await empty.isValid(), false, 'the other stages still run')
  t.strictSame(empty.errors, { name: ['This field is required.'] })
})

t.test('unique: a custom message from any layer, with Django\'s placeholders', async (t) => {
  const s = setup(t)
  addAuthor(s, 'Ada')
  const FromForm = modelForm(authors, { fields: ['name'], errorMessages: { name: { unique: 'Another %(model_name)s has this %(field_label)s.' } } })
  const form = new FromForm({ db: s.db, data: { name: 'Ada' } })
  await form.isValid()
  t.strictSame(form.errors, { name: ['Another Author has this Name.'] })
  const FromModel = modelForm(defineModel(authors, { fields: { name: { errorMessages: { unique: 'Taken.' } } } }), { fields: ['name'] })
  const again = new FromModel({ db: s.db, data: { name: 'Ada' } })
  await again.isValid()
  t.strictSame(again.errors, { name: ['Taken.'] })
})

t.test('unique together: checked before saving and filed under __all__', async (t) => {
  const s = setup(t)
  const ada = addAuthor(s, 'Ada')
  s.db.insert(books).values({ title: 'Notes', author: ada.id }).run()
  const Form = modelForm(books, { fields: ['title', 'author'] })
  const form = new Form({ db: s.db, data: { title: 'Notes', author: String(ada.id) } })
  t.equal(await form.isValid(), false)
  t.strictSame(form.errors, { [NON_FIELD_ERRORS]: ['Book with this Title and Author already exists.'] })
  const other = new Form({ db: s.db, data: { title: 'Sketches', author: ada.id } })
  t.equal(await other.isValid(), true)
  const Custom = modelForm(books, { fields: ['title', 'author'], errorMessages: { __all__: { uniqueTogether: 'One %(model_name)s per %(field_labels)s.' } } })
  const third = new Custom({ db: s.db, data: { title: 'Notes', author: ada.id } })
  await third.isValid()
  t.strictSame(third.errors, { __all__: ['One Book per Title and Author.'] })
  t.strictSame(s.rows('books'), [{ id: 1, title: 'Notes', author_id: 1, year: null }])
})

t.test('unique together is not checked when one of its columns is not in the form', async (t) => {
  const s = setup(t)
  const ada = addAuthor(s, 'Ada')
  s.db.insert(books).values({ title: 'Notes', author: ada.id }).run()
  const Form = modelForm(books, { fields: ['title'] })
  t.strictSame(Form.meta.uniqueChecks, [])
  const form = new Form({ db: s.db, data: { title: 'Notes' } })
  t.equal(await form.isValid(), true)
})

t.test('unique checks leave out the row being updated', async (t) => {
  const s = setup(t)
  const ada = addAuthor(s, 'Ada')
  addAuthor(s, 'Grace')
  const Form = modelForm(authors, { fields: ['name', 'title'] })
  const same = new Form({ db: s.db, instance: ada, data: { name: 'Ada', title: 'MS' } })
  t.equal(await same.isValid(), true, 'keeping its own name is not a duplicate')
  t.strictSame(await same.save(), { ...ada, title: 'MS' })
  const taken = new Form({ db: s.db, instance: ada, data: { name: 'Grace' } })
  t.equal(await taken.isValid(), false)
  t.strictSame(taken.errors, { name: ['Author with this Name already exists.'] })
  t.strictSame(s.rows('authors').map((row) => (row as { name: string }).name), ['Ada', 'Grace'])
})

t.test('unique checks skip fields that failed and empty values', async (t) => {
  const s = setup(t)
  addAuthor(s, 'Ada')
  const Form = modelForm(authors, { fields: ['name'], declared: { name: fields.string({ maxLength: 2 }) } })
  const form = new Form({ db: s.db, data: { name: 'Ada' } })
  t.equal(await form.isValid(), false)
  t.strictSame(form.errors, { name: ['Ensure this value has at most 2 characters (it has 3).'] }, 'one error, not the duplicate as well')
  const Optional = modelForm(books, { fields: ['title', 'author'], declared: { author: fields.integer({ required: false, nullable: true }) } })
  const noAuthor = new Optional({ db: s.db, data: { title: 'Notes' } })
  t.equal(await noAuthor.isValid(), true, 'NULL never equals NULL in SQL')
})

t.test('a foreign key that points nowhere is a field error', async (t) => {
  const s = setup(t)
  addAuthor(s, 'Ada')
  const Form = modelForm(books, { fields: ['title', 'author'] })
  t.equal(Form.baseFields.author.kind, 'foreignKey')
  t.equal(Form.baseFields.author.label, 'Author')
  for (const author of ['999', 999, 'abc', '1.5']) {
    const form = new Form({ db: s.db, data: { title: 'Notes', author } })
    t.equal(await form.isValid(), false, String(author))
    t.strictSame(form.errors, { author: [MODEL_CHOICE] }, String(author))
  }
  const good = new Form({ db: s.db, data: { title: 'Notes', author: '1' } })
  t.equal(await good.isValid(), true)
  t.strictSame(good.cleanedData, { title: 'Notes', author: 1 })
  const Custom = modelForm(books, { fields: ['title', 'author'], errorMessages: { author: { invalidChoice: 'No such author.' } } })
  const form = new Custom({ db: s.db, data: { title: 'Notes', author: 5 } })
  await form.isValid()
  t.strictSame(form.errors, { author: ['No such author.'] })
  t.strictSame(s.rows('books'), [])
})

t.test('clean hooks replace a field\'s value and get the form', async (t) => {
  const s = setup(t)
  let seenForm: unknown
  const Form = modelForm(authors, {
    fields: ['name', 'title'],
    clean: {
      name: async (value: string, form) => { seenForm = form; return value.toUpperCase() },
      title: () => 'MS'
    }
  })
  const form = new Form({ db: s.db, data: { name: 'ada', title: 'MR' } })
  t.equal(await form.isValid(), true)
  t.equal(seenForm, form)
  t.strictSame(form.cleanedData, { name: 'ADA', title: 'MS' })
  await form.save()
  t.strictSame(s.rows('authors'), [{ id: 1, name: 'ADA', title: 'MS', birth_date: null, bio: 'No biography yet.', visits: 0 }])
})

t.test('clean hooks throwing ValidationError as a string, a list or a dict', async (t) => {
  const s = setup(t)
  const Form = modelForm(authors, {
    fields: ['name', 'title', 'birthDate'],
    clean: {
      name: () => { throw new ValidationError('No names today.') },
      title: () => { throw new ValidationError(['First.', 'Second.']) },
      birthDate: () => { throw new ValidationError({ birthDate: ['Too early.'], __all__: 'Something else.' }) }
    }
  })
  const form = new Form({ db: s.db, data: { name: 'Ada', title: 'MR', birthDate: '1815-12-10' } })
  t.equal(await form.isValid(), false)
  t.strictSame(form.errors, { name: ['No names today.'], title: ['First.', 'Second.'], birthDate: ['Too early.'], __all__: ['Something else.'] })
  t.strictSame(form.cleanedData, {})
})

t.test('clean hooks do not run for a field whose value is invalid', async (t) => {
  const s = setup(t)
  const calls: unknown[] = []
  const Form = modelForm(authors, { fields: ['name', 'title'], clean: { title: (value) => { calls.push(value); return value } } })
  const form = new Form({ db: s.db, data: { name: 'Ada', title: 'DR' } })
  t.equal(await form.isValid(), false)
  t.strictSame(calls, [])
  t.strictSame(form.errors, { title: ['Select a valid choice. DR is not one of the available choices.'] })
  t.strictSame(form.cleanedData, { name: 'Ada' })
})

t.test('a clean hook throwing anything but ValidationError rejects isValid', async (t) => {
  const s = setup(t)
  const Form = modelForm(authors, { fields: ['name'], clean: { name: () => { throw new TypeError('bug in hook') } } })
  await t.rejects(new Form({ db: s.db, data: { name: 'Ada' } }).isValid(), new TypeError('bug in hook'))
})

t.test('cleanForm throwing ValidationError as a string, a list or a dict', async (t) => {
  const s = setup(t)
  const make = (error: ValidationError) => modelForm(authors, { fields: ['name', 'title'], cleanForm: () => { throw error } })
  const asString = new (make(new ValidationError('Not both.')))({ db: s.db, data: { name: 'Ada', title: 'MR' } })
  t.equal(await asString.isValid(), false)
  t.strictSame(asString.errors, { __all__: ['Not both.'] })
  t.strictSame(asString.cleanedData, { name: 'Ada', title: 'MR' }, 'a form-wide error keeps the cleaned fields')
  const asList = new (make(new ValidationError(['One.', 'Two.'])))({ db: s.db, data: { name: 'Ada', title: 'MR' } })
  await asList.isValid()
  t.strictSame(asList.errors, { __all__: ['One.', 'Two.'] })
  const asDict = new (make(new ValidationError({ title: 'Not with this name.', __all__: ['Check again.'] })))({ db: s.db, data: { name: 'Ada', title: 'MR' } })
  await asDict.isValid()
  t.strictSame(asDict.errors, { title: ['Not with this name.'], __all__: ['Check again.'] })
  t.strictSame(asDict.cleanedData, { name: 'Ada' }, 'a field given an error leaves the cleaned data')
  t.strictSame(s.rows('authors'), [])
})

t.test('cleanForm sees only clean fields and its errors add to a field\'s own', async (t) => {
  const s = setup(t)
  let seen: unknown
  const Form = modelForm(authors, {
    fields: ['name', 'title'],
    cleanForm: (data) => { seen = { ...data }; throw new ValidationError({ title: 'And another thing.' }) }
  })
  const form = new Form({ db: s.db, data: { name: 'Ada', title: 'DR' } })
  await form.isValid()
  t.strictSame(seen, { name: 'Ada' })
  t.strictSame(form.errors, { title: ['Select a valid choice. DR is not one of the available choices.', 'And another thing.'] })
})

t.test('cleanForm returning data replaces the cleaned data; returning nothing keeps it', async (t) => {
  const s = setup(t)
  const Replacing = modelForm(authors, { fields: ['name', 'title'], cleanForm: (data) => ({ ...data, name: `${String(data.name)} Lovelace` }) })
  const form = new Replacing({ db: s.db, data: { name: 'Ada', title: 'MS' } })
  t.equal(await form.isValid(), true)
  t.strictSame(form.cleanedData, { name: 'Ada Lovelace', title: 'MS' })
  await form.save()
  const Keeping = modelForm(authors, { fields: ['name'], cleanForm: (data) => { data.name = 'Grace' } })
  const kept = new Keeping({ db: s.db, data: { name: 'Anything' } })
  t.equal(await kept.isValid(), true)
  await kept.save()
  t.strictSame(s.rows('authors').map((row) => (row as { name: string }).name), ['Ada Lovelace', 'Grace'])
})

t.test('uniqueness is checked on the data cleanForm returns', async (t) => {
  const s = setup(t)
  addAuthor(s, 'Ada')
  const Form = modelForm(authors, { fields: ['name'], cleanForm: () => ({ name: 'Ada' }) })
  const form = new Form({ db: s.db, data: { name: 'Someone else' } })
  t.equal(await form.isValid(), false)
  t.strictSame(form.errors, { name: ['Author with this Name already exists.'] })
})

t.test('save() inserts the form\'s columns and returns the stored row', async (t) => {
  const s = setup(t)
  const Form = modelForm(authors, { fields: ['name', 'title', 'birthDate'] })
  const form = new Form({ db: s.db, data: { name: 'Ada Lovelace', title: 'MS', birthDate: '1815-12-10' } })
  const row = await form.save()
  t.strictSame(row, { id: 1, name: 'Ada Lovelace', title: 'MS', birthDate: '1815-12-10', bio: 'No biography yet.', visits: 0 })
  t.strictSame(s.rows('authors'), [{ id: 1, name: 'Ada Lovelace', title: 'MS', birth_date: '1815-12-10', bio: 'No biography yet.', visits: 0 }])
})

t.test('save() keeps a column\'s default when the data leaves the field out, and stores NULL when it is sent empty', async (t) => {
  const s = setup(t)
  const Form = modelForm(authors, { fields: ['name', 'bio', 'visits'] })
  t.strictSame(await new Form({ db: s.db, data: { name: 'Ada' } }).save(), { id: 1, name: 'Ada', title: null, birthDate: null, bio: 'No biography yet.', visits: 0 })
  t.strictSame(await new Form({ db: s.db, data: { name: 'Grace', bio: '', visits: '' } }).save(), { id: 2, name: 'Grace', title: null, birthDate: null, bio: null, visits: 0 })
  t.strictSame(await new Form({ db: s.db, data: { name: 'Mary', bio: 'Wrote Frankenstein.', visits: '3' } }).save(), { id: 3, name: 'Mary', title: null, birthDate: null, bio: 'Wrote Frankenstein.', visits: 3 })
  t.strictSame(s.rows('authors').map((row) => [(row as { bio: unknown }).bio, (row as { visits: unknown }).visits]), [['No biography yet.', 0], [null, 0], ['Wrote Frankenstein.', 3]])
})

t.test('save() on an instance updates only the form\'s columns', async (t) => {
  const s = setup(t)
  const ada = addAuthor(s, 'Ada', { title: 'MR', bio: 'Old bio', birthDate: '1815-12-10', visits: 5 })
  // another writer changes columns this form does not have after the instance was read
  s.sqlite.prepare("update authors set bio = 'Newer bio', visits = 6 where id = 1").run()
  const Form = modelForm(authors, { fields: ['name', 'title'] })
  const form = new Form({ db: s.db, instance: ada, data: { name: 'Ada Lovelace', title: 'MS', bio: 'sent but not in the form', visits: 100 } })
  const row = await form.save()
  t.strictSame(row, { id: 1, name: 'Ada Lovelace', title: 'MS', birthDate: '1815-12-10', bio: 'Newer bio', visits: 6 })
  t.strictSame(s.rows('authors'), [{ id: 1, name: 'Ada Lovelace', title: 'MS', birth_date: '1815-12-10', bio: 'Newer bio', visits: 6 }])
})

t.test('save() on an instance with an optional field sent empty stores NULL', async (t) => {
  const s = setup(t)
  const ada = addAuthor(s, 'Ada', { title: 'MR' })
  const Form = modelForm(authors, { fields: ['name', 'title'] })
  t.strictSame(await new Form({ db: s.db, instance: ada, data: { name: 'Ada', title: '' } }).save(), { ...ada, title: null })
  t.strictSame(s.rows('authors'), [{ id: 1, name: 'Ada', title: null, birth_date: null, bio: 'No biography yet.', visits: 0 }])
})

t.test('save({ commit: false }) returns the unsaved row and writes nothing', async (t) => {
  const s = setup(t)
  const Form = modelForm(authors, { fields: ['name', 'title'] })
  const created = new Form({ db: s.db, data: { name: 'Ada', title: 'MS' } })
  t.strictSame(await created.save({ commit: false }), { name: 'Ada', title: 'MS' })
  t.strictSame(s.rows('authors'), [])
  const ada = addAuthor(s, 'Grace')
  const changed = new Form({ db: s.db, instance: ada, data: { name: 'Grace Hopper', title: 'MS' } })
  t.strictSame(await changed.save({ commit: false }), { ...ada, name: 'Grace Hopper', title: 'MS' })
  await changed.saveM2M()
  t.strictSame(s.rows('authors'), [{ id: 1, name: 'Grace', title: null, birth_date: null, bio: 'No biography yet.', visits: 0 }])
})

t.test('a duplicate written between validation and save becomes the unique field error', async (t) => {
  const s = setup(t)
  const Form = modelForm(authors, { fields: ['name'] })
  const first = new Form({ db: s.db, data: { name: 'Ada' } })
  const second = new Form({ db: s.db, data: { name: 'Ada' } })
  t.equal(await first.isValid(), true)
  t.equal(await second.isValid(), true)
  t.strictSame(await first.save(), { id: 1, name: 'Ada', title: null, birthDate: null, bio: 'No biography yet.', visits: 0 })
  const error = await second.save().then(() => undefined, (error: unknown) => error)
  t.ok(error instanceof ValidationError, 'the second save throws ValidationError')
  t.strictSame((error as ValidationError).toErrorDict(), { name: ['Author with this Name already exists.'] })
  t.strictSame(second.errors, { name: ['Author with this Name already exists.'] })
  t.strictSame(second.cleanedData, {})
  t.equal(await second.isValid(), false, 'the form is no longer valid once the database refused it')
  t.equal(s.rows('authors').length, 1)
})

t.test('a unique-together duplicate written between validation and save is filed under __all__', async (t) => {
  const s = setup(t)
  const ada = addAuthor(s, 'Ada')
  const Form = modelForm(books, { fields: ['title', 'author'] })
  const form = new Form({ db: s.db, data: { title: 'Notes', author: ada.id } })
  t.equal(await form.isValid(), true)
  s.db.insert(books).values({ title: 'Notes', author: ada.id }).run()
  await t.rejects(form.save(), ValidationError)
  t.strictSame(form.errors, { __all__: ['Book with this Title and Author already exists.'] })
  t.equal(s.rows('books').length, 1)
})

t.test('a referenced row deleted between validation and save becomes the foreign key field error', async (t) => {
  const s = setup(t)
  const ada = addAuthor(s, 'Ada')
  const Form = modelForm(books, { fields: ['title', 'author'] })
  const form = new Form({ db: s.db, data: { title: 'Notes', author: ada.id } })
  t.equal(await form.isValid(), true)
  s.sqlite.prepare('delete from authors').run()
  await t.rejects(form.save(), ValidationError)
  t.strictSame(form.errors, { author: [MODEL_CHOICE] })
  t.strictSame(s.rows('books'), [])
})

t.test('a NOT NULL refused by the database becomes the required error of its field', async (t) => {
  // the table object says nullable, the database says NOT NULL: the database has the last word
  const notes = sqliteTable('notes', { id: integer('id').primaryKey(), body: text('body') })
  const s = setup(t, [sql`create table notes (id integer primary key, body text not null)`])
  const form = new (modelForm(notes, { fields: ['body'] }))({ db: s.db, data: { body: '' } })
  t.equal(await form.isValid(), true)
  await t.rejects(form.save(), ValidationError)
  t.strictSame(form.errors, { body: ['This field is required.'] })
  t.strictSame(s.rows('notes'), [])
})

t.test('a CHECK refused by the database becomes a form-wide error', async (t) => {
  const notes = sqliteTable('notes', { id: integer('id').primaryKey(), body: text('body').notNull() })
  const s = setup(t, [sql`create table notes (id integer primary key, body text not null check (length(body) > 3))`])
  const form = new (modelForm(notes, { fields: ['body'] }))({ db: s.db, data: { body: 'ab' } })
  t.equal(await form.isValid(), true)
  await t.rejects(form.save(), ValidationError)
  t.strictSame(form.errors, { __all__: ['The database refused these values.'] })
  t.strictSame(s.rows('notes'), [])
})

t.test('any other database error at save time is thrown as it is', async (t) => {
  const notes = sqliteTable('notes', { id: integer('id').primaryKey(), body: text('body').notNull() })
  const s = setup(t, [sql`create table other (id integer primary key)`])
  const form = new (modelForm(notes, { fields: ['body'] }))({ db: s.db, data: { body: 'text' } })
  t.equal(await form.isValid(), true)
  const error = await form.save().then(() => undefined, (error: unknown) => error)
  t.ok(error instanceof Error && !(error instanceof ValidationError))
  t.match(String((error as Error & { cause?: Error }).cause?.message ?? (error as Error).message), /no such table: notes/)
  t.strictSame(form.errors, {})
})

t.test('saving an invalid form throws, naming whether it would create or change', async (t) => {
  const s = setup(t)
  const Form = modelForm(authors, { fields: ['name'] })
  await t.rejects(new Form({ db: s.db, data: { name: '' } }).save(), new Error("The author could not be created because the data didn't validate."))
  const ada = addAuthor(s, 'Ada')
  await t.rejects(new Form({ db: s.db, instance: ada, data: { name: '' } }).save(), new Error("The author could not be changed because the data didn't validate."))
  await t.rejects(new Form({ db: s.db }).save(), new Error("The author could not be created because the data didn't validate."), 'an unbound form')
  t.strictSame(s.rows('authors'), [{ id: 1, name: 'Ada', title: null, birth_date: null, bio: 'No biography yet.', visits: 0 }])
})

t.test('save() of an instance whose row is gone throws ObjectDoesNotExist', async (t) => {
  const s = setup(t)
  const ada = addAuthor(s, 'Ada')
  s.sqlite.prepare('delete from authors').run()
  const form = new (modelForm(authors, { fields: ['title'] }))({ db: s.db, instance: ada, data: { title: 'MS' } })
  await t.rejects(form.save(), new ObjectDoesNotExist('This author no longer exists.'))
  t.strictSame(s.rows('authors'), [])
})

t.test('save() of an instance with nothing to write returns the instance', async (t) => {
  const s = setup(t)
  const ada = addAuthor(s, 'Ada')
  const Form = modelForm(authors, { fields: [], declared: { note: fields.string() } })
  const form = new Form({ db: s.db, instance: ada, data: { note: 'only a declared field' } })
  t.equal(await form.save(), ada)
  t.strictSame(form.cleanedData, { note: 'only a declared field' })
})

t.test('a declared field replaces the derived one; a declared field that is not a column is cleaned but not saved', async (t) => {
  const s = setup(t)
  const Form = modelForm(authors, {
    fields: ['name'],
    declared: { name: fields.slug({ maxLength: 10 }), confirm: fields.boolean({ required: true }) }
  })
  t.strictSame(Object.values(Form.baseFields).map((field) => [field.kind, field.label, field.required]), [['slug', 'Name', true], ['boolean', 'Confirm', true]])
  const bad = new Form({ db: s.db, data: { name: 'not a slug', confirm: 'no' } })
  t.equal(await bad.isValid(), false)
  t.strictSame(bad.errors, { name: ['Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.'], confirm: ['This field is required.'] })
  const good = new Form({ db: s.db, data: { name: 'ada-l', confirm: 'on' } })
  t.strictSame(await good.save(), { id: 1, name: 'ada-l', title: null, birthDate: null, bio: 'No biography yet.', visits: 0 })
  t.strictSame(good.cleanedData, { name: 'ada-l', confirm: true })
})

t.test('a form is bound by data; an unbound form is never valid and has no errors', async (t) => {
  const s = setup(t)
  const Form = modelForm(authors, { fields: ['name'] })
  const unbound = new Form({ db: s.db, initial: { name: 'Ada' } })
  t.equal(unbound.isBound, false)
  t.equal(await unbound.isValid(), false)
  t.strictSame(unbound.errors, {})
  t.strictSame(unbound.data, {})
  t.strictSame(unbound.initial, { name: 'Ada' })
  const bound = new Form({ db: s.db, data: {} })
  t.equal(bound.isBound, true)
  t.equal(await bound.isValid(), false)
  t.strictSame(bound.errors, { name: ['This field is required.'] })
})

t.test('isValid validates once however often it is called', async (t) => {
  const s = setup(t)
  let calls = 0
  const Form = modelForm(authors, { fields: ['name'], clean: { name: (value) => { calls++; return value } } })
  const form = new Form({ db: s.db, data: { name: 'Ada' } })
  const [a, b] = await Promise.all([form.isValid(), form.isValid()])
  t.strictSame([a, b, await form.isValid(), calls], [true, true, true, 1])
})

t.test('a form without db works until it needs the database', async (t) => {
  const Plain = modelForm(authors, { fields: ['title'] })
  const form = new Plain({ data: { title: 'MR' } })
  t.equal(await form.isValid(), true)
  await t.rejects(form.save(), new Error('This form needs `db` to check uniqueness and to save: new Form({ db, data }).'))
  const Unique = modelForm(authors, { fields: ['name'] })
  await t.rejects(new Unique({ data: { name: 'Ada' } }).isValid(), new Error('This form needs `db` to check uniqueness and to save: new Form({ db, data }).'))
})

t.test('addError files messages under a field or __all__ and takes the field out of the cleaned data', async (t) => {
  const s = setup(t)
  const Form = modelForm(authors, {
    fields: ['name', 'title'],
    cleanForm: (_data, form: ModelForm) => {
      form.addError('name', 'Plain message.')
      form.addError('name', ['Second.', 'Third.'])
      form.addError(null, 'Form-wide.')
      form.addError('title', new ValidationError({ __all__: 'From a dict.' }))
    }
  })
  const form = new Form({ db: s.db, data: { name: 'Ada', title: 'MR' } })
  t.equal(await form.isValid(), false)
  t.strictSame(form.errors, { name: ['Plain message.', 'Second.', 'Third.'], __all__: ['Form-wide.', 'From a dict.'] })
  t.strictSame(form.cleanedData, { title: 'MR' })
})

t.test('a subclass gets extra constructor options and may change its own fields', async (t) => {
  const s = setup(t)
  const AuthorForm = modelForm(authors, { fields: ['name', 'title'] })
  class ShortNameForm extends AuthorForm {
    readonly user: string
    constructor (args: FormArgs<typeof authors> & { user: string }) {
      super(args)
      this.user = args.user
      this.fields.name = this.fields.name.extend({ maxLength: 3 })
    }
  }
  const form = new ShortNameForm({ db: s.db, data: { name: 'Grace' }, user: 'admin' })
  t.equal(form.user, 'admin')
  t.equal(await form.isValid(), false)
  t.strictSame(form.errors, { name: ['Ensure this value has at most 3 characters (it has 5).'] })
  t.equal(AuthorForm.baseFields.name.options.maxLength, 200, 'the class\'s fields are untouched')
  t.equal(ShortNameForm.baseFields, AuthorForm.baseFields)
})

t.test('ModelForm cannot be made directly', async (t) => {
  t.throws(() => new ModelForm({}), new Error('ModelForm is made with modelForm(table, options), not directly.'))
})

t.test('unknown keys in the data are ignored and never written', async (t) => {
  const s = setup(t)
  const Form = modelForm(authors, { fields: ['name'] })
  const form = new Form({ db: s.db, data: { name: 'Ada', id: 42, visits: 9, __proto__: { polluted: true }, constructor: 'x' } })
  t.strictSame(await form.save(), { id: 1, name: 'Ada', title: null, birthDate: null, bio: 'No biography yet.', visits: 0 })
  t.strictSame(form.cleanedData, { name: 'Ada' })
  t.strictSame(s.rows('authors'), [{ id: 1, name: 'Ada', title: null, birth_date: null, bio: 'No biography yet.', visits: 0 }])
})

t.test('inserts use fresh $defaultFn and $onUpdateFn values on every save', async (t) => {
  let n = 0
  const tokens = sqliteTable('tokens', {
    id: text('id').primaryKey().$defaultFn(() => `token-${++n}`),
    label: text('label').notNull(),
    touched: integer('touched').$onUpdateFn(() => 1000 + n)
  })
  const s = setup(t, [sql`create table tokens (id text primary key, label text not null, touched integer)`])
  const Form = modelForm(tokens, { fields: ['label'] })
  const first = await new Form({ db: s.db, data: { label: 'a' } }).save()
  const second = await new Form({ db: s.db, data: { label: 'b' } }).save()
  t.strictSame([first, second], [{ id: 'token-1', label: 'a', touched: 1001 }, { id: 'token-2', label: 'b', touched: 1002 }])
  n = 10
  t.strictSame(await new Form({ db: s.db, instance: first, data: { label: 'c' } }).save(), { id: 'token-1', label: 'c', touched: 1010 })
  t.strictSame(s.rows('tokens'), [{ id: 'token-1', label: 'c', touched: 1010 }, { id: 'token-2', label: 'b', touched: 1002 }])
})
