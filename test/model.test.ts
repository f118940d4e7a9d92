import t from 'tap'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { defineModel, fields } from 'fastify-form-resources'

const authors = sqliteTable('authors', {
  id: integer('id').primaryKey(),
  name: text('name', { length: 200 }).notNull(),
  birthDate: text('birth_date')
})

const named = (name: string) => sqliteTable(name, { id: integer('id').primaryKey() })

t.test('defineModel without options names the model after its table, made singular', async (t) => {
  const model = defineModel(authors)
  t.equal(model.table, authors)
  t.equal(model.verboseName, 'author')
  t.equal(model.verboseNamePlural, 'authors')
  t.strictSame(model.fields, {})
})

t.test('defineModel derives singular names from common plural table names', async (t) => {
  const expected: Record<string, string> = {
    authors: 'author',
    sticky_notes: 'sticky note',
    stickyNotes: 'sticky note',
    categories: 'category',
    addresses: 'address',
    boxes: 'box',
    matches: 'match',
    wishes: 'wish',
    buzzes: 'buzz',
    statuses: 'status',
    buses: 'bus',
    houses: 'house',
    courses: 'course',
    purchases: 'purchase',
    sizes: 'size',
    status: 'status',
    campus: 'campus',
    glass: 'glass',
    person: 'person'
  }
  for (const [table, singular] of Object.entries(expected)) t.equal(defineModel(named(table)).verboseName, singular, table)
})

t.test('defineModel takes verboseName and verboseNamePlural as given', async (t) => {
  const model = defineModel(authors, { verboseName: 'writer', verboseNamePlural: 'writers of books' })
  t.equal(model.verboseName, 'writer')
  t.equal(model.verboseNamePlural, 'writers of books')
  t.equal(defineModel(named('people'), { verboseName: 'person' }).verboseNamePlural, 'persons', 'the plural defaults to the verbose name plus s')
})

t.test('defineModel keeps the per-column options', async (t) => {
  const formField = fields.date()
  const validator = (): void => {}
  const model = defineModel(authors, {
    fields: {
      name: { verboseName: 'writer', helpText: 'Full name', errorMessages: { required: 'Name, please.' }, validators: [validator] },
      birthDate: { formField, editable: false, choices: ['a'] }
    }
  })
  t.strictSame(Object.keys(model.fields), ['name', 'birthDate'])
  t.equal(model.fields.name?.verboseName, 'writer')
  t.equal(model.fields.name?.helpText, 'Full name')
  t.strictSame(model.fields.name?.errorMessages, { required: 'Name, please.' })
  t.equal(model.fields.name?.validators?.[0], validator)
  t.equal(model.fields.birthDate?.formField, formField)
  t.equal(model.fields.birthDate?.editable, false)
})

t.test('defineModel with an unknown column key throws, naming the columns to use', async (t) => {
  t.throws(
    () => defineModel(authors, { fields: { nmae: { verboseName: 'x' } } as never }),
    new Error('defineModel(authors): unknown field "nmae" in `fields`; did you mean "name"?')
  )
})

t.test('defineModel with something that is not a Drizzle table throws a TypeError naming what it needs', async (t) => {
  for (const value of [{}, 'authors', null]) {
    t.throws(
      () => defineModel(value as never),
      new TypeError('defineModel(table, options) needs a Drizzle table (sqliteTable or pgTable) as its first argument.'),
      String(value)
    )
  }
})
