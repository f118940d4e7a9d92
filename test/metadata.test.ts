import t from 'tap'
import cors from '@fastify/cors'
import type { FastifyRequest } from 'fastify'
import { defineResource, FormResource, inlineFormSet, modelForm } from 'fastify-form-resources'
import { clientsApp, DIALECTS, type Tables } from './helpers/clients.ts'

const signedIn = (request: FastifyRequest): boolean => (request as { user?: unknown }).user != null

function resources ({ writers, novels }: Tables): Array<FormResource<any, any>> {
  return [
    defineResource({
      name: 'writer',
      table: writers,
      formClass: modelForm(writers, { fields: ['name', 'country'], helpTexts: { name: 'Pen name' }, errorMessages: { name: { maxLength: 'Too long: %(limit_value)s at most.' } } }),
      hasModifyPermissions: signedIn
    }),
    defineResource({ name: 'novel', table: novels, formClass: modelForm(novels, { fields: ['title', 'pages', 'published', 'writerId'] }), hasModifyPermissions: signedIn })
  ]
}

const WRITER_FIELDS = {
  id: { type: 'integer', required: false, read_only: true, label: 'Id' },
  name: {
    type: 'string',
    required: true,
    read_only: false,
    label: 'Name',
    help_text: 'Pen name',
    max_length: 50,
    messages: { required: 'This field is required.', invalid: 'Enter a valid value.', maxLength: 'Too long: 50 at most.', unique: 'Writer with this Name already exists.' }
  },
  country: {
    type: 'choice',
    required: false,
    read_only: false,
    label: 'Country',
    max_length: 2,
    choices: [{ value: 'FR', display_name: 'FR' }, { value: 'RU', display_name: 'RU' }, { value: 'US', display_name: 'US' }],
    messages: { required: 'This field is required.', invalid: 'Enter a valid value.', maxLength: 'Ensure this value has at most 2 characters (it has %(show_value)d).', invalidChoice: 'Select a valid choice. %(value)s is not one of the available choices.' }
  }
}

const PARSES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data']

for (const dialect of DIALECTS) {
  t.test(`${dialect}: OPTIONS and ?metadata=1 answer the form's metadata, with only the actions the request may do`, async (t) => {
    const { app } = await clientsApp(t, dialect, resources)
    const options = await app.inject({ method: 'OPTIONS', url: '/api/writers/', headers: { 'x-user': 'ann' } })
    t.equal(options.statusCode, 200)
    t.equal(options.headers.allow, 'GET, POST')
    t.strictSame(options.json(), { stat: 'ok', name: 'writer', name_plural: 'writers', parses: PARSES, actions: { POST: WRITER_FIELDS } })
    const get = await app.inject({ url: '/api/writers/?metadata=1', headers: { 'x-user': 'ann' } })
    t.strictSame(get.json(), options.json(), 'the same document at GET ?metadata=1')
    t.strictSame((await app.inject({ method: 'OPTIONS', url: '/api/writers/' })).json().actions, {}, 'no action for a request that may not create')

    t.equal((await app.inject({ method: 'POST', url: '/api/writers/', headers: { 'x-user': 'ann' }, payload: { name: 'Colette' } })).statusCode, 201)
    const item = await app.inject({ method: 'OPTIONS', url: '/api/writers/1/', headers: { 'x-user': 'ann' } })
    t.strictSame(item.json(), { stat: 'ok', name: 'writer', name_plural: 'writers', parses: PARSES, actions: { PUT: WRITER_FIELDS } })
    t.equal(item.headers.allow, 'GET, PUT, PATCH, DELETE')
    t.strictSame((await app.inject({ method: 'OPTIONS', url: '/api/writers/9/' })).json().err.code, 100, 'a missing item is a 404')

    const novel = (await app.inject({ url: '/api/novels/?metadata=1', headers: { 'x-user': 'ann' } })).json().actions.POST
    t.strictSame(novel.writerId, {
      type: 'field',
      required: false,
      read_only: false,
      label: 'Writer id',
      related: { name: 'writer', href: 'http://localhost:80/api/writers/' },
      messages: { required: 'This field is required.', invalid: 'Select a valid choice. That choice is not one of the available choices.', invalidChoice: 'Select a valid choice. That choice is not one of the available choices.' }
    })
    t.strictSame(novel.published.type, 'boolean')
    t.strictSame([novel.pages.type, novel.pages.min_value, novel.pages.max_value], dialect === 'sqlite' ? ['integer', -9007199254740991, 9007199254740991] : ['integer', -2147483648, 2147483647], 'the column\'s range')
  })
}

for (const dialect of DIALECTS) {
  t.test(`${dialect}: OPTIONS and ?metadata=1 on an inline's child URL answer the children's form, without the key to the parent`, async (t) => {
    const withNovels = ({ writers, novels }: Tables): Array<FormResource<any, any>> => [
      defineResource({
        name: 'writer',
        table: writers,
        formClass: modelForm(writers, { fields: ['name', 'country'] }),
        inlines: { novels: inlineFormSet(writers, novels, { fk: 'writerId', fields: ['title', 'pages'] }) },
        hasModifyPermissions: signedIn
      })
    ]
    const { app } = await clientsApp(t, dialect, withNovels)
    t.equal((await app.inject({ method: 'POST', url: '/api/writers/', headers: { 'x-user': 'ann' }, payload: { name: 'Colette' } })).statusCode, 201)
    const options = await app.inject({ method: 'OPTIONS', url: '/api/writers/1/novels/', headers: { 'x-user': 'ann' } })
    t.equal(options.statusCode, 200)
    t.equal(options.headers.allow, 'GET, POST, PATCH')
    const doc = options.json()
    t.strictSame([doc.name, doc.name_plural, doc.parses], ['novel', 'novels', PARSES])
    t.strictSame(Object.keys(doc.actions.POST), ['id', 'title', 'pages'], 'the key to the writer comes from the URL: no field for it')
    t.strictSame(doc.actions.POST.title, { type: 'string', required: true, read_only: false, label: 'Title', max_length: 100, messages: { required: 'This field is required.', invalid: 'Enter a valid value.', maxLength: 'Ensure this value has at most 100 characters (it has %(show_value)d).' } })
    t.strictSame((await app.inject({ url: '/api/writers/1/novels/?metadata=1', headers: { 'x-user': 'ann' } })).json(), doc, 'the same document at GET ?metadata=1')
    t.strictSame((await app.inject({ method: 'OPTIONS', url: '/api/writers/1/novels/' })).json().actions, {}, 'no action for a request that may not change the writer')
    const missing = await app.inject({ method: 'OPTIONS', url: '/api/writers/9/novels/', headers: { 'x-user': 'ann' } })
    t.strictSame([missing.statusCode, missing.json().err.code], [404, 100], 'no parent: a 404')
    t.equal((await app.inject({ url: '/api/writers/1/novels/' })).json().total_results, 0, 'without ?metadata=1 the children are listed')
  })
}

t.test('with @fastify/cors: preflights still answered, metadata at GET ?metadata=1 and, with preflightContinue, at OPTIONS', async (t) => {
  for (const preflightContinue of [false, true]) {
    const { app } = await clientsApp(t, 'sqlite', resources, { before: async (app) => { await app.register(cors, { origin: 'https://app.example', preflightContinue }) } })
    const preflight = await app.inject({ method: 'OPTIONS', url: '/api/writers/', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } })
    t.equal(preflight.headers['access-control-allow-origin'], 'https://app.example')
    t.ok(preflight.statusCode < 300, 'the preflight succeeds')
    const get = await app.inject({ url: '/api/writers/?metadata=1', headers: { origin: 'https://app.example', 'x-user': 'ann' } })
    t.equal(get.headers['access-control-allow-origin'], 'https://app.example')
    t.strictSame(get.json().actions.POST.name.max_length, 50)
    t.match(get.headers.vary, /Accept-Language/, 'the metadata\'s messages vary by language, whatever CORS put in Vary')
    t.equal(String(get.headers.vary).split(',').filter((each) => each.trim().toLowerCase() === 'accept-language').length, 1)
    const options = await app.inject({ method: 'OPTIONS', url: '/api/writers/', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'x-user': 'ann' } })
    if (preflightContinue) t.strictSame([options.statusCode, options.json().name], [200, 'writer'], 'preflightContinue lets OPTIONS reach the metadata')
    else t.equal(options.body, '', 'without it, @fastify/cors answers every OPTIONS itself')
  }
})
