/**
 * Each of the form's stages alone (lib/form-stages.ts), on a form made over a fresh database:
 * what it reads, what it files and what it leaves out.
 */
import t from 'tap'
import { fields, modelForm, ValidationError } from 'fastify-form-resources'
import {
  checkReferences, checkUnique, cleanFields, cleanHooks, cleanStages, cleanWhole, planWrite, valuesToSave, writeForm
} from '../dist/form-stages.js'
import { Author, authors, books, openDb } from './helpers/app.ts'

function setUp (t: { teardown (fn: () => unknown): void }) {
  const test = openDb()
  t.teardown(() => test.sqlite.close())
  return test
}

t.test('cleanFields cleans every field from the data and leaves fields already refused alone', async (t) => {
  const { db } = setUp(t)
  const Form = modelForm(Author, { fields: ['name', 'title', 'birthDate'] })
  const form = new Form({ db, data: { name: ' Ann ', title: 'XX', birthDate: '1966-03-02' } })
  form.addError('birthDate', 'Refused by a parse hook.')
  cleanFields(form)
  t.strictSame(form.cleanedData, { name: 'Ann' })
  t.strictSame(form.errors, { birthDate: ['Refused by a parse hook.'], title: ['Select a valid choice. XX is not one of the available choices.'] })
  t.strictSame(form.errorCodes, { birthDate: ['invalid'], title: ['invalidChoice'] })
})

t.test('cleanHooks runs a hook only for a field that cleaned, in form order, waiting for a promise', async (t) => {
  const { db } = setUp(t)
  const seen: string[] = []
  const Form = modelForm(Author, {
    fields: ['name', 'title'],
    clean: {
      title: (value) => { seen.push('title'); return value },
      name: (value) => { seen.push('name'); return Promise.resolve(value.toUpperCase()) }
    }
  })
  const form = new Form({ db, data: { name: 'ann', title: 'XX' } })
  cleanFields(form)
  const pending = cleanHooks(form)
  t.ok(pending instanceof Promise, 'an async hook makes the stage a promise')
  await pending
  t.strictSame(seen, ['name'], 'the title failed its field: its hook did not run')
  t.equal(form.cleanedData.name, 'ANN')

  const Refusing = modelForm(Author, { fields: ['name'], clean: { name: () => { throw new ValidationError('No.', { code: 'refused' }) } } })
  const refused = new Refusing({ db, data: { name: 'Ann' } })
  cleanFields(refused)
  t.equal(cleanHooks(refused), undefined, 'hooks that answer at once: no promise')
  t.strictSame(refused.errors, { name: ['No.'] })
  t.strictSame(refused.errorCodes, { name: ['refused'] })
  t.strictSame(refused.cleanedData, {}, 'a refused value leaves the cleaned data')
})

t.test('cleanWhole runs cleanForm after the fields; new data replaces, a refusal goes under __all__', async (t) => {
  const { db } = setUp(t)
  const Replacing = modelForm(Author, { fields: ['name'], cleanForm: (data) => ({ ...data, name: `${String(data.name)}!` }) })
  const form = new Replacing({ db, data: { name: 'Ann' } })
  cleanFields(form)
  t.equal(cleanWhole(form), undefined)
  t.strictSame(form.cleanedData, { name: 'Ann!' })
  const Refusing = modelForm(Author, { fields: ['name'], cleanForm: async () => { throw new ValidationError('Not today.') } })
  const refused = new Refusing({ db, data: { name: 'Ann' } })
  cleanFields(refused)
  await cleanWhole(refused)
  t.strictSame(refused.errors, { __all__: ['Not today.'] })
  const Failing = modelForm(Author, { fields: ['name'], cleanForm: () => { throw new TypeError('bug') } })
  const failing = new Failing({ db, data: { name: 'Ann' } })
  t.throws(() => cleanWhole(failing), TypeError, 'anything but ValidationError is thrown on')
})

t.test('checkReferences asks whether each referenced row exists, skipping empty and refused values', async (t) => {
  const { db, sqlite } = setUp(t)
  sqlite.exec("INSERT INTO authors (name) VALUES ('Ann')")
  const Form = modelForm(books, { fields: ['title', 'authorId'] })
  const found = new Form({ db, data: { title: 'A', authorId: 1 } })
  cleanFields(found)
  t.equal(checkReferences(found), undefined, 'SQLite answers at once')
  t.strictSame(found.errors, {})
  const missing = new Form({ db, data: { title: 'A', authorId: 9 } })
  cleanFields(missing)
  checkReferences(missing)
  t.strictSame(missing.errors, { authorId: ['Select a valid choice. That choice is not one of the available choices.'] })
})

t.test('checkUnique queries each free set, leaving out the row itself; an update that keeps the value asks nothing', async (t) => {
  const { db, sqlite } = setUp(t)
  sqlite.exec("INSERT INTO authors (name) VALUES ('Ann'), ('Bob')")
  const Form = modelForm(Author, { fields: ['name'] })
  const taken = new Form({ db, data: { name: 'Ann' } })
  cleanFields(taken)
  checkUnique(taken)
  t.strictSame(taken.errors, { name: ['Author with this Name already exists.'] })
  t.strictSame(taken.errorCodes, { name: ['unique'] })

  const ann = { id: 1, name: 'Ann', title: null, birthDate: null, secret: null }
  const queries: string[] = []
  const prepare = sqlite.prepare.bind(sqlite)
  sqlite.prepare = ((source: string) => { queries.push(source); return prepare(source) }) as typeof sqlite.prepare
  const keeping = new Form({ db, instance: ann, data: { name: 'Ann' } })
  cleanFields(keeping)
  checkUnique(keeping)
  t.strictSame(keeping.errors, {}, 'its own name is no duplicate')
  t.strictSame(queries, [], 'and no query was made for it')
  const renaming = new Form({ db, instance: ann, data: { name: 'Bob' } })
  cleanFields(renaming)
  checkUnique(renaming)
  t.strictSame(renaming.errors, { name: ['Author with this Name already exists.'] })
  sqlite.prepare = prepare
})

t.test('cleanStages leaves out the stages a form has nothing for', async (t) => {
  const names = (Form: { meta: Parameters<typeof cleanStages>[0] }): string[] => cleanStages(Form.meta).map((stage) => stage.name)
  t.strictSame(names(modelForm(authors, { fields: ['title'] })), ['cleanFields'])
  t.strictSame(names(modelForm(authors, { fields: ['name'] })), ['cleanFields', 'checkUnique'])
  t.strictSame(names(modelForm(books, { fields: ['title', 'authorId'] })), ['cleanFields', 'checkReferences'])
  t.strictSame(names(modelForm(Author, { fields: ['name'], clean: { name: (v) => v }, cleanForm: () => {} })), ['cleanFields', 'cleanHooks', 'cleanWhole', 'checkUnique'])
})

t.test('valuesToSave, planWrite and writeForm: the form\'s columns, one insert or update, the stored row', async (t) => {
  const { db, sqlite } = setUp(t)
  const Form = modelForm(books, { fields: ['title', 'pages', 'inPrint', 'authorId'], declared: { note: fields.string({ required: false }) } })
  sqlite.exec("INSERT INTO authors (name) VALUES ('Ann')")
  const form = new Form({ db, data: { title: 'T', authorId: '1', note: 'not a column' } })
  t.equal(form.validate(), true, 'validate answers at once on SQLite')
  const values = valuesToSave(form)
  t.strictSame(values, { title: 'T', pages: null, inPrint: false, authorId: 1 }, 'a declared field that is no column is not saved')
  const ops = planWrite(form, values)
  t.equal(ops.length, 1)
  t.equal(ops[0].op, 'insert')
  const row = writeForm(form, ops)
  t.strictSame(row, { id: 1, title: 'T', pages: null, inPrint: false, authorId: 1 })
  t.strictSame(sqlite.prepare('SELECT * FROM books').all(), [{ id: 1, title: 'T', pages: null, in_print: 0, author_id: 1 }])
  const update = new Form({ db, instance: row as never, data: {} })
  update.validate()
  t.strictSame(planWrite(update, {}), [], 'an update with nothing to write plans nothing')
  t.equal(writeForm(update, []), row, 'and answers the row as it is')
  const precondition = (): boolean => true
  t.match(planWrite(update, {}, { precondition, versionColumn: 'pages' }), [{ op: 'update', key: 1, expect: precondition, bump: 'pages' }])
})

t.test('writeForm maps a constraint the database enforced to the field error, filed on the form', async (t) => {
  const { db, sqlite } = setUp(t)
  const Form = modelForm(Author, { fields: ['name'] })
  const form = new Form({ db, data: { name: 'Ann' } })
  t.equal(form.validate(), true)
  sqlite.exec("INSERT INTO authors (name) VALUES ('Ann')")
  const error = (() => { try { writeForm(form, planWrite(form, valuesToSave(form))) } catch (e) { return e } })()
  t.ok(error instanceof ValidationError)
  t.strictSame((error as ValidationError).messageDict, { name: ['Author with this Name already exists.'] })
  t.strictSame(form.errors, { name: ['Author with this Name already exists.'] })
  t.equal(form.validated, false)
})
