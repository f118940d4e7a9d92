import t from 'tap'
import type { FastifyRequest } from 'fastify'
import {
  defineResource, fields, FormResource, INVALID_FORM_DATA, modelForm, NON_FIELD_ERRORS, ObjectDoesNotExist,
  ValidationError, type FormArgs, type StepContext
} from 'fastify-form-resources'
import { Author, AuthorForm, AuthorResource, authors, openDb } from './helpers/app.ts'

type AuthorRow = typeof authors.$inferSelect

/** A stand-in request: the hooks only pass it along. */
const request = { user: { name: 'ann' }, headers: {} } as unknown as FastifyRequest

/** A fresh database and a resource over it, used without an app. */
function setUp (t: { teardown (fn: () => unknown): void }, make: (db: unknown) => AuthorResource = (db) => new AuthorResource({ db })) {
  const { sqlite, db } = openDb()
  t.teardown(() => sqlite.close())
  const rows = (): unknown[] => sqlite.prepare('SELECT * FROM authors ORDER BY id').all()
  return { sqlite, db, resource: make(db), rows }
}

/** A form whose title and birth date start from initial values and whose clean hooks count their calls. */
function countingForm () {
  const calls = { initial: 0, clean: 0, cleanForm: 0 }
  const Form = modelForm(Author, {
    fields: ['name', 'title', 'birthDate'],
    declared: {
      title: fields.choice({ choices: ['MR', 'MRS', 'MS'], required: false, nullable: true, initial: () => { calls.initial++; return 'MS' } }),
      birthDate: fields.date({ required: false, nullable: true, initial: '2000-01-01' })
    },
    clean: { name: (value: string) => { calls.clean++; return value } },
    cleanForm: () => { calls.cleanForm++ }
  })
  return { Form, calls }
}

const INSTANCE: AuthorRow = { id: 1, name: 'Ann Leckie', title: 'MR', birthDate: null, secret: 'kept' }

t.test('createForm merges initial < instance < parsed data', async (t) => {
  const { Form, calls } = countingForm()
  const { resource } = setUp(t, (db) => Object.assign(new AuthorResource({ db }), { formClass: Form }))

  t.test('without an instance: the initial values, the functions called', async (t) => {
    const form = await resource.createForm({ data: {}, request })
    t.strictSame(form.data, { title: 'MS', birthDate: '2000-01-01' })
    t.equal(calls.initial, 1)
    await resource.createForm({ data: {}, request })
    t.equal(calls.initial, 2, 'called again for each form')
  })
  t.test('with an instance: its values win over the initial ones, even null', async (t) => {
    const form = await resource.createForm({ data: {}, request, instance: INSTANCE })
    t.strictSame(form.data, { name: 'Ann Leckie', title: 'MR', birthDate: null }, 'only the form\'s fields, not secret or id')
    t.equal(form.instance, INSTANCE)
  })
  t.test('the request data wins over both', async (t) => {
    const form = await resource.createForm({ data: { name: 'Becky', title: null }, request, instance: INSTANCE })
    t.strictSame(form.data, { name: 'Becky', title: null, birthDate: null })
    const fresh = await resource.createForm({ data: { birthDate: '1966-03-02' }, request })
    t.strictSame(fresh.data, { title: 'MS', birthDate: '1966-03-02' })
  })
  t.equal(calls.clean, 0, 'making a form validates nothing')
})

t.test('createForm drops unknown keys; a parse hook that names no form field throws, naming the closest', async (t) => {
  const seen: string[] = []
  const { resource } = setUp(t)
  resource.parse = { name: (value) => { seen.push('name'); return value } }
  const form = await resource.createForm({ data: { name: 'Ann', id: 9, secret: 'x', bogus: 1, toString: 'y' }, request })
  t.strictSame(form.data, { name: 'Ann' })
  t.strictSame(seen, ['name'])
  resource.parse = { name: (value: unknown) => value, titel: (value: unknown) => value } as never
  const error = await resource.createForm({ data: { name: 'Ann' }, request }).then(() => undefined, (e: unknown) => e)
  t.match(error, { code: 'FFR_ERR_UNKNOWN_FIELD', message: 'resource "author": unknown field "titel" in `parse`; did you mean "title"?' })
  resource.parse = { secret: (value: unknown) => value } as never
  t.match(await resource.handleFormRequest({ request, data: {} }).then(() => undefined, (e: unknown) => e),
    { code: 'FFR_ERR_UNKNOWN_FIELD', message: 'resource "author": unknown field "secret" in `parse`; the fields are: name, title, birthDate.' }, 'a column that is not a form field is no field')
})

t.test('parse hooks run only for keys present and get { request, ...kwargs }', async (t) => {
  const { resource } = setUp(t)
  const calls: Array<[string, unknown, StepContext]> = []
  resource.parse = {
    name: (value, ctx) => { calls.push(['name', value, ctx]); return String(value).trim() },
    title: (value, ctx) => { calls.push(['title', value, ctx]); return value }
  }
  const form = await resource.createForm({ data: { name: '  Ann  ' }, request, files: {}, formKwargs: { owner: 'x' }, extra: 'kw', more: 2 })
  t.equal(calls.length, 1, 'only the hook of the key sent')
  t.equal(calls[0][0], 'name')
  t.equal(calls[0][1], '  Ann  ')
  t.strictSame(calls[0][2], { request, extra: 'kw', more: 2 })
  t.equal(calls[0][2].request, request)
  t.equal(form.data.name, 'Ann')

  calls.length = 0
  await resource.createForm({ data: { title: undefined }, request })
  t.strictSame(calls.map(([name]) => name), ['title'], 'a key present with an undefined value is present')
})

t.test('async parse hooks are awaited', async (t) => {
  const { resource, rows } = setUp(t)
  resource.parse = { name: async (value) => { await new Promise((resolve) => setImmediate(resolve)); return `${String(value)}!` } }
  const [status, payload] = await resource.handleFormRequest({ request, data: { name: 'Ann' } })
  t.equal(status, 201)
  t.strictSame(payload, { author: { id: 1, name: 'Ann!', title: null, birthDate: null, secret: null } })
  t.strictSame(rows(), [{ id: 1, name: 'Ann!', title: null, birth_date: null, secret: null }])
})

t.test('every parse hook error is collected per field: createForm throws them, handleFormRequest reports them with every other field\'s', async (t) => {
  const { Form, calls } = countingForm()
  const { resource, rows } = setUp(t, (db) => Object.assign(new AuthorResource({ db }), { formClass: Form }))
  resource.parse = {
    name: () => { throw new ValidationError('Bad name.') },
    title: () => { throw new ValidationError(['One.', 'Two.']) },
    birthDate: () => { throw new ValidationError({ birthDate: 'Bad date.', [NON_FIELD_ERRORS]: ['Whole.'] }) }
  }
  const expected = { name: ['Bad name.'], title: ['One.', 'Two.'], birthDate: ['Bad date.'], [NON_FIELD_ERRORS]: ['Whole.'] }
  const data = { name: 'Ann', title: 'MS', birthDate: '1966-03-02' }

  const error = await resource.createForm({ data, request }).then(() => undefined, (e: unknown) => e)
  t.ok(error instanceof ValidationError, 'createForm throws ValidationError')
  t.strictSame((error as ValidationError).messageDict, expected)

  const result = await resource.handleFormRequest({ request, data })
  t.equal(result[0], INVALID_FORM_DATA)
  t.strictSame(result[1], { codes: { name: ['invalid'], title: ['invalid', 'invalid'], birthDate: ['invalid'], __all__: ['invalid'] }, fields: expected })
  t.equal(calls.clean, 0, 'no clean hook ran for a field its parse hook refused')
  t.equal(calls.cleanForm, 1, 'cleanForm still runs, as Django\'s clean() does after field errors')
  t.strictSame(rows(), [])
})

t.test('a failing parse hook stops its own field; every other field is cleaned and reported in the same answer', async (t) => {
  const { Form, calls } = countingForm()
  const { resource, sqlite, rows } = setUp(t, (db) => Object.assign(new AuthorResource({ db }), { formClass: Form }))
  sqlite.exec("INSERT INTO authors (name) VALUES ('Ann')")
  resource.parse = { title: () => { throw new ValidationError('No titles today.') } }
  const result = await resource.handleFormRequest({ request, data: { name: 'Ann', title: 'MS', birthDate: '1966-02-30' } })
  t.strictSame(result, [INVALID_FORM_DATA, { codes: { title: ['invalid'], birthDate: ['invalid'], name: ['unique'] }, fields: { title: ['No titles today.'], birthDate: ['Enter a valid date.'], name: ['Author with this Name already exists.'] } }])
  t.equal(calls.clean, 1, 'the other fields\' clean hooks ran')
  t.equal(calls.cleanForm, 1)
  t.equal(rows().length, 1)
})

t.test('a parse hook throwing anything but ValidationError rejects', async (t) => {
  const { resource, rows } = setUp(t)
  resource.parse = { name: () => { throw new TypeError('boom') } }
  await t.rejects(resource.handleFormRequest({ request, data: { name: 'Ann' } }), new TypeError('boom'))
  t.strictSame(rows(), [])
})

t.test('handleFormRequest creates: [201, {author: row}]', async (t) => {
  const { resource, rows } = setUp(t)
  const result = await resource.handleFormRequest({ request, data: { name: 'Ann Leckie', title: 'MS', birthDate: '1966-03-02', id: 5, secret: 'x' } })
  t.strictSame(result, [201, { author: { id: 1, name: 'Ann Leckie', title: 'MS', birthDate: '1966-03-02', secret: null } }])
  t.strictSame(rows(), [{ id: 1, name: 'Ann Leckie', title: 'MS', birth_date: '1966-03-02', secret: null }])
})

t.test('handleFormRequest updates an instance: [200, {author: row}], absent fields and other columns kept', async (t) => {
  const { resource, sqlite, rows } = setUp(t)
  sqlite.exec("INSERT INTO authors (name, title, birth_date, secret) VALUES ('Ann Leckie', 'MS', '1966-03-02', 'kept')")
  const instance = await resource.getObject(1)
  t.strictSame(instance, { id: 1, name: 'Ann Leckie', title: 'MS', birthDate: '1966-03-02', secret: 'kept' })
  const result = await resource.handleFormRequest({ request, data: { title: 'MRS', secret: 'no', id: 3 }, instance })
  t.strictSame(result, [200, { author: { id: 1, name: 'Ann Leckie', title: 'MRS', birthDate: '1966-03-02', secret: 'kept' } }])
  t.strictSame(rows(), [{ id: 1, name: 'Ann Leckie', title: 'MRS', birth_date: '1966-03-02', secret: 'kept' }])
})

t.test('handleFormRequest with invalid data: [INVALID_FORM_DATA, {fields}], nothing written', async (t) => {
  const { resource, sqlite, rows } = setUp(t)
  sqlite.exec("INSERT INTO authors (name) VALUES ('Ann Leckie')")
  const result = await resource.handleFormRequest({ request, data: { title: 'XX' } })
  t.equal(result[0], INVALID_FORM_DATA)
  t.strictSame(result[1], { codes: { name: ['required'], title: ['invalidChoice'] }, fields: { name: ['This field is required.'], title: ['Select a valid choice. XX is not one of the available choices.'] } })
  const duplicate = await resource.handleFormRequest({ request, data: { name: 'Ann Leckie' } })
  t.strictSame(duplicate, [INVALID_FORM_DATA, { codes: { name: ['unique'] }, fields: { name: ['Author with this Name already exists.'] } }])
  t.equal(rows().length, 1)
})

t.test('handleFormRequest when the database refuses the save: the same field error', async (t) => {
  // a concurrent writer takes the name between the uniqueness query and the insert
  class Raced extends AuthorResource {
    async saveForm (form: Parameters<AuthorResource['saveForm']>[0], args: Parameters<AuthorResource['saveForm']>[1]): Promise<AuthorRow> {
      sqlite.exec("INSERT INTO authors (name) VALUES ('Ann Leckie')")
      return await super.saveForm(form, args)
    }
  }
  const { resource, sqlite, rows } = setUp(t, (db) => new Raced({ db }))
  const result = await resource.handleFormRequest({ request, data: { name: 'Ann Leckie', title: 'MS' } })
  t.strictSame(result, [INVALID_FORM_DATA, { codes: { name: ['unique'] }, fields: { name: ['Author with this Name already exists.'] } }])
  t.strictSame(rows(), [{ id: 1, name: 'Ann Leckie', title: null, birth_date: null, secret: null }])
})

t.test('handleFormRequest on an instance deleted meanwhile rejects with ObjectDoesNotExist', async (t) => {
  const { resource, sqlite, rows } = setUp(t)
  sqlite.exec("INSERT INTO authors (name) VALUES ('Ann Leckie')")
  const instance = await resource.getObject(1)
  sqlite.exec('DELETE FROM authors')
  await t.rejects(resource.handleFormRequest({ request, data: { title: 'MS' }, instance }), ObjectDoesNotExist)
  t.strictSame(rows(), [])
})

t.test('handleFormRequest passes formKwargs to the form and saveKwargs to save', async (t) => {
  const made: Array<FormArgs<typeof authors>> = []
  class OwnedForm extends AuthorForm {
    constructor (args: FormArgs<typeof authors> = {}) {
      super(args)
      made.push(args)
    }
  }
  const { resource, rows } = setUp(t, (db) => Object.assign(new AuthorResource({ db }), { formClass: OwnedForm }))
  const result = await resource.handleFormRequest({ request, data: { name: 'Ann' }, formKwargs: { owner: 'ann' }, saveKwargs: { commit: false } })
  t.strictSame(result, [201, { author: { name: 'Ann', title: null, birthDate: null } }], 'commit: false returns the unsaved row')
  t.strictSame(rows(), [], 'and writes nothing')
  t.equal(made.length, 1)
  t.equal(made[0].owner, 'ann')
  t.equal(made[0].request, request)
  t.strictSame(made[0].data, { name: 'Ann' })
})

t.test('createForm uses addFormClass without an instance and formClass with one', async (t) => {
  const AddForm = modelForm(Author, { fields: ['name'] })
  const { resource } = setUp(t, (db) => Object.assign(new AuthorResource({ db }), { addFormClass: AddForm }))
  const add = await resource.createForm({ data: { name: 'Ann', title: 'MS' }, request })
  t.ok(add instanceof AddForm)
  t.strictSame(add.data, { name: 'Ann' })
  const change = await resource.createForm({ data: { name: 'Ann', title: 'MS' }, request, instance: INSTANCE })
  t.ok(change instanceof AuthorForm)
  t.strictSame(change.data, { name: 'Ann', title: 'MS', birthDate: null })
})

t.test('saveForm saves a valid form, or returns the unsaved row with commit: false', async (t) => {
  const { resource, rows } = setUp(t)
  const form = await resource.createForm({ data: { name: 'Ann' }, request })
  t.equal(await form.isValid(), true)
  t.strictSame(await resource.saveForm(form, { saveKwargs: { commit: false }, request }), { name: 'Ann', title: null, birthDate: null })
  t.strictSame(rows(), [])
  t.strictSame(await resource.saveForm(form), { id: 1, name: 'Ann', title: null, birthDate: null, secret: null })
  t.strictSame(rows(), [{ id: 1, name: 'Ann', title: null, birth_date: null, secret: null }])
})

t.test('buildFormErrors', async (t) => {
  const { resource } = setUp(t)
  const errors = { name: ['x'] }
  const copy = resource.buildFormErrors({ errors })
  t.strictSame(copy, { name: ['x'] })
  t.not(copy, errors, 'a copy')
  t.strictSame(resource.buildFormErrors({ errors: new ValidationError('Whole.') }), { [NON_FIELD_ERRORS]: ['Whole.'] })
  t.strictSame(resource.buildFormErrors({ errors: new ValidationError({ name: 'N.' }) }), { name: ['N.'] })
  t.strictSame(resource.buildFormErrors({}), {})
  const form = await resource.createForm({ data: { title: 'XX' }, request })
  t.equal(await form.isValid(), false)
  t.strictSame(resource.buildFormErrors({ form }), { name: ['This field is required.'], title: ['Select a valid choice. XX is not one of the available choices.'] })
  t.strictSame(resource.buildFormErrors({ form, errors: { other: ['given errors win'] } }), { other: ['given errors win'] })
})

t.test('buildFormSuccessResponse and buildFormErrorResponse', async (t) => {
  const { resource } = setUp(t)
  t.strictSame(resource.buildFormSuccessResponse({ instance: INSTANCE, isCreated: true }), [201, { author: INSTANCE }])
  t.strictSame(resource.buildFormSuccessResponse({ instance: INSTANCE, isCreated: false, request }), [200, { author: INSTANCE }])
  resource.pluralName = 'writers'
  t.strictSame(resource.buildFormSuccessResponse({ instance: INSTANCE, isCreated: true }), [201, { author: INSTANCE }], 'keyed by the item name')

  t.strictSame(resource.buildFormErrorResponse({ errors: { name: ['x'] } }), [INVALID_FORM_DATA, { codes: { name: ['invalid'] }, fields: { name: ['x'] } }])
  t.strictSame(resource.buildFormErrorResponse({ errors: new ValidationError('Whole.'), instance: INSTANCE }), [INVALID_FORM_DATA, { codes: { __all__: ['invalid'] }, fields: { [NON_FIELD_ERRORS]: ['Whole.'] } }])
  const form = await resource.createForm({ data: {}, request })
  await form.isValid()
  const [error, payload] = resource.buildFormErrorResponse({ form })
  t.equal(error, INVALID_FORM_DATA)
  t.strictSame(payload, { codes: { name: ['required'] }, fields: { name: ['This field is required.'] } })
})

t.test('overridden builders shape what handleFormRequest returns', async (t) => {
  class Shaped extends AuthorResource {
    buildFormSuccessResponse ({ instance, isCreated, marker }: { instance: AuthorRow, isCreated: boolean } & StepContext): ReturnType<AuthorResource['buildFormSuccessResponse']> {
      return [isCreated ? 201 : 200, { author: { ...instance, secret: String(marker) } }]
    }

    buildFormErrors (args: Parameters<AuthorResource['buildFormErrors']>[0]) {
      const errors = super.buildFormErrors(args)
      return Object.fromEntries(Object.entries(errors).map(([key, list]) => [key.toUpperCase(), list]))
    }
  }
  const { resource } = setUp(t, (db) => new Shaped({ db }))
  t.strictSame(await resource.handleFormRequest({ request, data: { name: 'Ann' }, marker: 'm' }), [201, { author: { id: 1, name: 'Ann', title: null, birthDate: null, secret: 'm' } }], 'the extra key reaches the builder')
  t.strictSame(await resource.handleFormRequest({ request, data: {} }), [INVALID_FORM_DATA, { codes: { NAME: ['invalid'] }, fields: { NAME: ['This field is required.'] } }])
})

t.test('names, URL segment and primary key of a resource', async (t) => {
  const resource = new AuthorResource()
  t.equal(resource.listKey, 'authors')
  t.equal(resource.urlName, 'authors')
  t.equal(resource.primaryKey, 'id')
  resource.pluralName = 'people'
  t.equal(resource.listKey, 'people')
  t.equal(resource.urlName, 'people')
  resource.uriName = 'writers'
  t.equal(resource.urlName, 'writers')
  t.equal(resource.listKey, 'people')
})

t.test('default permissions: reads allowed, modify and delete refused', async (t) => {
  const resource = new FormResource<typeof authors>()
  t.equal(await resource.hasListAccessPermissions(request), true)
  t.equal(await resource.hasAccessPermissions(request, INSTANCE), true)
  t.equal(await resource.hasModifyPermissions(request), false)
  t.equal(await resource.hasModifyPermissions(request, INSTANCE), false)
  t.equal(await resource.hasDeletePermissions(request, INSTANCE), false)
  t.equal(resource.serializeObject(INSTANCE, { request }), INSTANCE, 'serializeObject returns the row as it is')
})

t.test('getObject reads by primary key', async (t) => {
  const { resource, sqlite } = setUp(t)
  sqlite.exec("INSERT INTO authors (name) VALUES ('Ann')")
  t.strictSame(await resource.getObject(1), { id: 1, name: 'Ann', title: null, birthDate: null, secret: null })
  t.equal(await resource.getObject(2), undefined)
})

t.test('a resource without a database says how to give it one', async (t) => {
  const resource = new AuthorResource()
  const message = 'Resource "author" has no database: register it with the plugin or pass { db } to its constructor.'
  t.throws(() => resource.adapter, new Error(message))
  await t.rejects(resource.getObject(1), new Error(message))
})

t.test('defineResource builds a FormResource with the given hooks', async (t) => {
  const { sqlite, db } = openDb()
  t.teardown(() => sqlite.close())
  const permissions: unknown[] = []
  const resource = defineResource({
    name: 'writer',
    pluralName: 'writers',
    uriName: 'people',
    table: authors,
    formClass: AuthorForm,
    db,
    allowedMethods: ['GET', 'POST'],
    maxResultsDefault: 10,
    maxResultsCap: 20,
    parse: { name: (value, ctx) => `${String(value)} (${String(ctx.who)})` },
    hasModifyPermissions: (req, instance) => { permissions.push([req, instance]); return true },
    hasDeletePermissions: () => true,
    hasAccessPermissions: (_req, instance) => instance.name !== 'hidden',
    hasListAccessPermissions: () => false,
    serializeObject: (row) => ({ name: row.name })
  })
  t.ok(resource instanceof FormResource)
  t.equal(resource.db, db)
  t.equal(resource.listKey, 'writers')
  t.equal(resource.urlName, 'people')
  t.strictSame(resource.allowedMethods, ['GET', 'POST'])
  t.equal(resource.maxResultsDefault, 10)
  t.equal(resource.maxResultsCap, 20)
  t.equal(await resource.hasModifyPermissions(request, INSTANCE), true)
  t.strictSame(permissions, [[request, INSTANCE]])
  t.equal(await resource.hasDeletePermissions(request, INSTANCE), true)
  t.equal(await resource.hasAccessPermissions(request, { ...INSTANCE, name: 'hidden' }), false)
  t.equal(await resource.hasListAccessPermissions(request), false)
  t.strictSame(resource.serializeObject(INSTANCE, {}), { name: 'Ann Leckie' })

  const result = await resource.handleFormRequest({ request, data: { name: 'Ann' }, who: 'me' })
  t.strictSame(result, [201, { writer: { id: 1, name: 'Ann (me)', title: null, birthDate: null, secret: null } }])
  t.strictSame(sqlite.prepare('SELECT name FROM authors').all(), [{ name: 'Ann (me)' }])
})

t.test('defineResource without the defaults keeps the FormResource ones', async (t) => {
  const resource = defineResource({ name: 'author', table: authors, formClass: AuthorForm })
  t.equal(resource.db, undefined)
  t.strictSame(resource.allowedMethods, ['GET', 'POST', 'PUT', 'DELETE'])
  t.strictSame(resource.parse, {})
  t.equal(resource.maxResultsDefault, 25)
  t.equal(resource.maxResultsCap, 200)
  t.equal(await resource.hasModifyPermissions(request), false)
  t.equal(await resource.hasDeletePermissions(request, INSTANCE), false)
})

t.test('defineResource without name, table or formClass throws at once', async (t) => {
  const definition = { name: 'author', table: authors, formClass: AuthorForm }
  for (const key of ['name', 'table', 'formClass'] as const) {
    t.throws(() => defineResource({ ...definition, [key]: undefined }), new Error(`defineResource: \`${key}\` is required.`), key)
  }
})
