/**
 * The OpenAPI document @fastify/swagger makes of the plugin's routes: valid OpenAPI (checked by
 * @seriousme/openapi-schema-validator), only the statuses each route can answer with their
 * descriptions, bodies in every content type, nullable dates as strings, summaries; the same
 * whether swagger is registered before or after the plugin; the example app's /docs.
 */
import t, { type Test } from 'tap'
import swagger from '@fastify/swagger'
import { Validator } from '@seriousme/openapi-schema-validator'
import Fastify from 'fastify'
import formResources from 'fastify-form-resources'
import { buildApp } from '../example-app/app.ts'
import { AuthorResource, BookResource, openDb } from './helpers/app.ts'

type Doc = { paths: Record<string, Record<string, any>> }

async function documented (t: Test, order: 'before' | 'after'): Promise<Doc> {
  const { sqlite, db } = openDb()
  const app = Fastify()
  t.teardown(async () => { await app.close(); sqlite.close() })
  const docs = async (): Promise<void> => { await app.register(swagger, { openapi: { info: { title: 'test', version: '1' } } }) }
  if (order === 'before') await docs()
  await app.register(formResources, { db, prefix: '/api', resources: [new AuthorResource(), new BookResource()] })
  if (order === 'after') await docs()
  await app.ready()
  return app.swagger() as unknown as Doc
}

async function validate (t: Test, doc: unknown): Promise<void> {
  const result = await new Validator().validate(structuredClone(doc) as Parameters<Validator['validate']>[0])
  t.same(result.errors ?? [], [], 'no validation errors')
  t.equal(result.valid, true, 'the document is valid OpenAPI')
}

t.test('swagger registered after the plugin documents the same routes as before it', async (t) => {
  const after = await documented(t, 'after')
  const before = await documented(t, 'before')
  t.same(Object.keys(after.paths).sort(), ['/api/authors/', '/api/authors/{id}/', '/api/books/', '/api/books/{id}/'])
  t.same(after, before, 'the same document either way')
  t.same(Object.keys(after.paths['/api/authors/{id}/']).sort(), ['delete', 'get', 'options', 'patch', 'put'], 'no hidden tunnel or multipart twin; the form metadata at OPTIONS')
  await validate(t, after)
})

t.test('each route documents only the statuses it can answer, each described', async (t) => {
  const doc = await documented(t, 'after')
  const statuses = (path: string, method: string): string[] => Object.keys(doc.paths[path][method].responses)
  t.same(statuses('/api/authors/', 'get'), ['200', '400', '401', '403', '500', '503'])
  t.same(statuses('/api/authors/', 'post'), ['200', '201', '303', '400', '401', '403', '405', '413', '415', '500', '503'])
  t.same(statuses('/api/authors/', 'options'), ['200', '500', '503'])
  t.same(statuses('/api/authors/{id}/', 'options'), ['200', '404', '500', '503'])
  t.same(statuses('/api/authors/{id}/', 'get'), ['200', '304', '401', '403', '404', '500', '503'])
  t.same(statuses('/api/authors/{id}/', 'put'), ['200', '303', '400', '401', '403', '404', '412', '413', '415', '500', '503'])
  t.same(statuses('/api/authors/{id}/', 'delete'), ['204', '303', '400', '401', '403', '404', '409', '412', '413', '415', '500', '503'])
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries<any>(item)) {
      t.type(operation.summary, 'string', `${method} ${path} has a summary`)
      for (const [status, response] of Object.entries<any>(operation.responses)) {
        t.not(response.description, 'Default Response', `${method} ${path} ${status} is described`)
      }
    }
  }
  const put = doc.paths['/api/authors/{id}/'].put
  t.match(put.responses['200'].description, /dry-run=1/, 'the dry run\'s 200 is said')
  t.same(put.parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name).sort(), ['dry-run', 'only-fields'])
  t.match(doc.paths['/api/authors/'].get.responses['400'].description, /^INVALID_ATTRIBUTE \(102\)/)
  t.match(put.responses['412'].description, /^PRECONDITION_FAILED \(203\)/)
  t.same(put.responses['412'].headers.ETag.schema, { type: 'string' })
  t.match(put.responses['503'].headers['Retry-After'], { schema: { type: 'integer' } })
})

t.test('request bodies in JSON, form-encoded and multipart; nullable dates as nullable strings', async (t) => {
  const doc = await documented(t, 'after')
  const content = doc.paths['/api/authors/'].post.requestBody.content
  t.same(Object.keys(content), ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'])
  const birthDate = content['application/json'].schema.properties.birthDate
  t.same(birthDate, { title: 'Birth date', format: 'date', type: 'string', nullable: true }, 'a nullable string with format, not an object')
  t.same(content['application/json'].schema.properties.title.enum, ['MR', 'MRS', 'MS', null])
  const item = doc.paths['/api/authors/{id}/'].get.responses['200'].content['application/json'].schema.properties.author
  t.same(item.properties.birthDate, { type: 'string', nullable: true, format: 'date' }, 'in the answer too (a text column on SQLite, a date field)')
  t.same(content['application/x-www-form-urlencoded'].schema.required, ['name'])
})

t.test('the example app: files as binary in multipart only, bulk, child and formset routes, /docs', async (t) => {
  const app = await buildApp()
  t.teardown(async () => await app.close())
  const res = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(res.statusCode, 200)
  const doc = res.json() as Doc
  await validate(t, doc)
  t.ok(doc.paths['/api/authors/{id}/books/'].get, 'child routes are documented')
  t.equal(doc.paths['/api/authors/{id}/books/'].post.summary, 'Add books to an author')
  t.equal(doc.paths['/api/authors/'].patch.summary, 'Create, update and delete several authors')
  t.same(Object.keys(doc.paths['/api/authors/'].post.responses), ['200', '201', '303', '400', '401', '403', '405', '413', '415', '500', '503'], 'a bulk list\'s POST: a single create may still answer 303; a dry run 200')
  t.same(Object.keys(doc.paths['/api/authors/'].patch.responses), ['200', '400', '401', '403', '413', '415', '500', '503'])
  t.same(Object.keys(doc.paths['/api/authors/{id}/books/'].get.responses), ['200', '401', '403', '404', '500', '503'])
  t.same(Object.keys(doc.paths['/api/authors/{id}/books/'].options.responses), ['200', '404', '500', '503'], 'the children\'s form at OPTIONS')
  t.equal(doc.paths['/api/authors/{id}/books/'].options.operationId, 'describeAuthorBooks')
  const content = doc.paths['/api/authors/{id}/'].put.requestBody.content
  t.match(content['multipart/form-data'].schema.properties.avatar, { type: 'string', format: 'binary' })
  t.match(content['multipart/form-data'].schema.properties, { 'avatar-clear': { type: 'boolean' }, 'books-TOTAL_FORMS': { type: 'integer' } })
  t.notOk(content['application/x-www-form-urlencoded'].schema.properties.avatar, 'no file in a URL-encoded body')
  t.same(content['application/json'].schema.properties.avatar.enum, [null], 'JSON only clears a file')
  t.equal(content['application/json'].schema.properties.books.type, 'array', 'the inline books in JSON')
  const ids = Object.values(doc.paths).flatMap((item) => Object.values<any>(item).map((operation) => operation.operationId))
  t.ok(ids.every((id) => typeof id === 'string'), 'every operation has an operationId')
  t.equal(new Set(ids).size, ids.length, 'operationIds are unique')
  t.notOk(doc.paths['/'] ?? doc.paths['/sign-in'] ?? doc.paths['/authors/{id}/'], 'the web page is no part of the API')
  const page = await app.inject({ method: 'GET', url: '/docs' })
  t.ok(page.statusCode === 200 || page.statusCode === 302, 'the interactive page is served at /docs')
})
