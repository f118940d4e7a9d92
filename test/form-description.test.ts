/** describeForm: a form's fields as a server-rendered form needs them. */
import t from 'tap'
import { integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { defineModel, describeField, describeForm, fields, modelForm } from 'fastify-form-resources'

const people = sqliteTable('people', {
  id: integer().primaryKey({ autoIncrement: true }),
  fullName: text('full_name', { length: 100 }).notNull(),
  title: text({ enum: ['MR', 'MS'] }),
  bio: text(),
  age: integer(),
  height: real(),
  active: integer({ mode: 'boolean' }).notNull().default(true),
  photo: text()
})
const Person = defineModel(people, { fields: { fullName: { helpText: 'As on the passport.' }, photo: { formField: fields.image() } } })

t.test('describeForm gives each field\'s label, help text, required, limits, choices and widget, in form order', async (t) => {
  const PersonForm = modelForm(Person, { fields: ['fullName', 'title', 'bio', 'age', 'height', 'active', 'photo'], labels: { bio: 'About' }, declared: { website: fields.url({ required: false, minLength: 4 }) } })
  const described = describeForm(PersonForm)
  t.strictSame(described.map((field) => field.name), ['fullName', 'title', 'bio', 'age', 'height', 'active', 'photo', 'website'])
  t.strictSame(described[0], { name: 'fullName', label: 'Full name', required: true, kind: 'string', widget: 'text', helpText: 'As on the passport.', maxLength: 100 })
  t.match(described[1], { label: 'Title', required: false, widget: 'select', choices: [{ value: 'MR', label: 'MR' }, { value: 'MS', label: 'MS' }] })
  t.match(described[2], { label: 'About', widget: 'textarea' })
  t.match(described[3], { widget: 'number', step: '1', minValue: Number.MIN_SAFE_INTEGER, maxValue: Number.MAX_SAFE_INTEGER })
  t.match(described[4], { widget: 'number', step: 'any' })
  t.match(described[5], { widget: 'checkbox', required: false })
  t.match(described[6], { widget: 'file', accept: '.png,.jpg,.jpeg,.gif,.webp', clearable: true })
  t.match(described[7], { widget: 'url', required: false, minLength: 4 })
  t.strictSame(describeForm(PersonForm.baseFields), described, 'the same from baseFields')
})

t.test('describeField: a choice field with labels, a file without extensions, a date', async (t) => {
  t.strictSame(describeField('size', fields.choice({ choices: [['s', 'Small'], ['l', 'Large']] })).choices, [{ value: 's', label: 'Small' }, { value: 'l', label: 'Large' }])
  const file = describeField('cv', fields.file({ required: true, extensions: null }))
  t.equal(file.accept, undefined)
  t.equal(file.clearable, false)
  t.equal(describeField('born', fields.date()).widget, 'date')
  t.equal(describeField('at', fields.datetime()).widget, 'datetime-local')
})
