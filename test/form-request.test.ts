/**
 * The request plan (lib/form-request.ts): which stages a resource's plan holds, each stage's
 * work, and that a request whose stages answer at once answers at once (SQLite) while the same
 * plan waits on PostgreSQL's promises.
 */
import t from 'tap'
import type { FastifyRequest } from 'fastify'
import { FormResource, INVALID_FORM_DATA, modelForm, ValidationError, type SaveOptions } from 'fastify-form-resources'
import { bindData, makeForm, planFormRequest, runFormRequest, startRequest } from '../dist/form-request.js'
import { parseHooks } from '../dist/parse-hooks.js'
import { Author, AuthorResource, openDb } from './helpers/app.ts'
import { pgDatabase } from './helpers/pg.ts'
import { AuthorResource as PgAuthorResource, tables } from './helpers/pg-tables.ts'

const request = { user: { name: 'ann' }, headers: {} } as unknown as FastifyRequest
const names = (plan: { stages: ReadonlyArray<{ name: string }> }): string[] => plan.stages.map((stage) => stage.name)

function setUp (t: { teardown (fn: () => unknown): void }) {
  const test = openDb()
  t.teardown(() => test.sqlite.close())
  return { ...test, resource: new AuthorResource({ db: test.db }) }
}

t.test('a plan leaves out the stages the resource does not use and puts overridden steps in their place', async (t) => {
  const { resource } = setUp(t)
  t.strictSame(names(planFormRequest(resource, { create: true })), ['bindData', 'makeForm', 'clean', 'save', 'envelope'])
  resource.parse = { name: (value) => value }
  t.strictSame(names(planFormRequest(resource, { create: false })), ['bindData', 'parseHooks', 'makeForm', 'clean', 'save', 'envelope'])
  class Custom extends AuthorResource {
    async createForm (args: Parameters<AuthorResource['createForm']>[0]) { return await super.createForm(args) }
    async saveForm (form: Parameters<AuthorResource['saveForm']>[0], args: Parameters<AuthorResource['saveForm']>[1]) { return await super.saveForm(form, args) }
    buildFormSuccessResponse (args: Parameters<AuthorResource['buildFormSuccessResponse']>[0]) { return super.buildFormSuccessResponse(args) }
  }
  t.strictSame(names(planFormRequest(new Custom(), { create: true })), ['callCreateForm', 'clean', 'callSaveForm', 'callBuildSuccess'])
  class SavingForm extends modelForm(Author, { fields: ['name'] }) {
    async save (options?: SaveOptions) { return await super.save(options) }
  }
  const saving = Object.assign(new AuthorResource(), { formClass: SavingForm })
  t.strictSame(names(planFormRequest(saving, { create: true })), ['bindData', 'makeForm', 'clean', 'callFormSave', 'envelope'], 'a form class\'s own save() is kept')
  const AddForm = modelForm(Author, { fields: ['name'] })
  const adding = Object.assign(new AuthorResource(), { addFormClass: AddForm })
  t.equal(planFormRequest(adding, { create: true }).FormClass, AddForm, 'creating takes addFormClass')
  t.equal(planFormRequest(adding, { create: false }).FormClass, adding.formClass, 'changing takes formClass')
})

t.test('bindData binds the form\'s fields only: data, else the instance, else the initial value', async (t) => {
  const { resource } = setUp(t)
  const state = startRequest(resource, planFormRequest(resource, { create: false }), {
    request,
    data: { name: 'Bea', secret: 'no', id: 9 },
    instance: { id: 1, name: 'Ann', title: 'MS', birthDate: null, secret: 'kept' }
  })
  bindData(state)
  t.strictSame(state.formData, { name: 'Bea', title: 'MS', birthDate: null })
})

t.test('parseHooks runs the hooks of keys present, keeps each refusal for its field and waits for a promise', async (t) => {
  const { resource } = setUp(t)
  resource.parse = {
    name: async (value) => `${String(value)}!`,
    title: () => { throw new ValidationError('No titles.', { code: 'noTitles' }) },
    birthDate: () => { throw new Error('never called: the key is absent') }
  }
  const state = startRequest(resource, planFormRequest(resource, { create: true }), { request, data: { name: 'Ann', title: 'MS' } })
  bindData(state)
  const pending = parseHooks(state)
  t.ok(pending instanceof Promise)
  await pending
  t.strictSame(state.formData, { name: 'Ann!', title: 'MS' })
  t.strictSame(state.parseErrors?.map(([name, error]) => [name, error.messages]), [['title', ['No titles.']]])
  makeForm(state)
  t.strictSame(state.form!.errors, { title: ['No titles.'] }, 'makeForm files the refusals on the form')
  t.strictSame(state.form!.errorCodes, { title: ['noTitles'] })
})

t.test('on SQLite a request whose stages all answer at once answers at once, without a promise', async (t) => {
  const { resource, sqlite } = setUp(t)
  const plan = planFormRequest(resource, { create: true })
  const created = runFormRequest(resource, plan, { request, data: { name: 'Ann' } })
  t.notOk(created instanceof Promise, 'no promise')
  t.strictSame(created, [201, { author: { id: 1, name: 'Ann', title: null, birthDate: null, secret: null } }])
  const refused = runFormRequest(resource, plan, { request, data: { name: 'Ann' } })
  t.notOk(refused instanceof Promise)
  t.strictSame(refused, [INVALID_FORM_DATA, { codes: { name: ['unique'] }, fields: { name: ['Author with this Name already exists.'] } }])
  resource.parse = { name: async (value) => value }
  const hooked = runFormRequest(resource, planFormRequest(resource, { create: true }), { request, data: { name: 'Bob' } })
  t.ok(hooked instanceof Promise, 'an async parse hook makes the request wait, for it alone')
  t.equal((await hooked)[0], 201)
  t.strictSame(sqlite.prepare('SELECT count(*) AS n FROM authors').get(), { n: 2 })
})

t.test('a plan made at registration is written out as one function that answers as the stages do', async (t) => {
  const { resource } = setUp(t)
  const plan = planFormRequest(resource, { create: true, compose: true })
  t.equal(plan.run.name, 'plan_author_create', 'named for profiles')
  t.equal(plan.dryRun?.run.name, 'plan_author_create_dry_run')
  t.not(planFormRequest(resource, { create: true }).run.name, 'plan_author_create', 'a plan made per call is not compiled')
  const created = runFormRequest(resource, plan, { request, data: { name: 'Ann' } })
  t.notOk(created instanceof Promise, 'no promise')
  t.strictSame(created, [201, { author: { id: 1, name: 'Ann', title: null, birthDate: null, secret: null } }])
  t.strictSame(runFormRequest(resource, plan, { request, data: { name: 'Ann' } }), [INVALID_FORM_DATA, { codes: { name: ['unique'] }, fields: { name: ['Author with this Name already exists.'] } }], 'a refusal stops the plan')
  resource.parse = { name: async (value) => value }
  const hooked = runFormRequest(resource, planFormRequest(resource, { create: true, compose: true }), { request, data: { name: 'Bob' } })
  t.ok(hooked instanceof Promise, 'a stage\'s promise: the rest waits for it')
  t.equal((await hooked)[0], 201)
})

t.test('on PostgreSQL the same plan waits for the database', async (t) => {
  const { db } = await pgDatabase(t, tables)
  const resource = new PgAuthorResource({ db })
  const pending = runFormRequest(resource, planFormRequest(resource, { create: true }), { request, data: { name: 'Ann' } })
  t.ok(pending instanceof Promise)
  t.strictSame(await pending, [201, { author: { id: 1, name: 'Ann', title: null, birthDate: null, secret: null } }])
})

t.test('a registered resource keeps its plan; one used without an app plans each call from its current steps', async (t) => {
  const { resource } = setUp(t)
  const result = await resource.handleFormRequest({ request, data: { name: 'Ann' } })
  t.equal(result[0], 201)
  resource.parse = { name: (value) => `${String(value)} 2` }
  t.strictSame((await resource.handleFormRequest({ request, data: { name: 'Ann' } }))[1], { author: { id: 2, name: 'Ann 2', title: null, birthDate: null, secret: null } })
  t.ok(resource instanceof FormResource)
})
