import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import formResources, { defineResource, DOES_NOT_EXIST, FormResource, modelForm, type FormResourcesOptions } from 'fastify-form-resources'
import { AuthorForm, AuthorResource, authors, BookForm, BookResource, failure, FORM, openDb, SIGNED_IN, signInFromHeader } from './helpers/app.ts'

/** A fresh app over a fresh database, closed with the test. */
function freshApp (t: { teardown (fn: () => unknown): void }) {
  const { sqlite, db } = openDb()
  const app = Fastify()
  signInFromHeader(app)
  t.teardown(async () => {
    await app.close()
    sqlite.close()
  })
  return { app, sqlite, db }
}

/** Registers the plugin with `options` and returns how `ready()` failed. */
async function registrationError (t: { teardown (fn: () => unknown): void }, options: unknown): Promise<unknown> {
  const { app } = freshApp(t)
  app.register(formResources, options as FormResourcesOptions)
  return await app.ready().then(() => undefined, (error: unknown) => error)
}

t.test('the plugin is wrapped by fastify-plugin with its name and Fastify version', async (t) => {
  const plugin = formResources as unknown as Record<symbol, unknown>
  t.strictSame(plugin[Symbol.for('plugin-meta')], { fastify: '5.x', name: 'fastify-form-resources' })
  t.equal(plugin[Symbol.for('skip-override')], true, 'its decorators reach the app')
  t.equal(plugin[Symbol.for('fastify.display-name')], 'fastify-form-resources')
})

t.test('options are checked at registration', async (t) => {
  const { db } = openDb()
  const author = (): AuthorResource => new AuthorResource()
  const cases: Array<[string, unknown, RegExp | string]> = [
    ['no options', undefined, 'fastify-form-resources: the `db` option is required: app.register(formResources, { db: drizzle(...), resources: [...] }).'],
    ['no db', { resources: [author()] }, 'fastify-form-resources: the `db` option is required: app.register(formResources, { db: drizzle(...), resources: [...] }).'],
    ['a null db', { db: null, resources: [author()] }, 'fastify-form-resources: the `db` option is required: app.register(formResources, { db: drizzle(...), resources: [...] }).'],
    ['a db that is no object', { db: 'app.db', resources: [author()] }, /^fastify-form-resources: `db` must be a Drizzle database/],
    ['a db that is not Drizzle', { db: {}, resources: [author()] }, /^fastify-form-resources: `db` is not a Drizzle database this plugin supports/],
    ['no resources', { db }, 'fastify-form-resources: the `resources` option must be a list of FormResource instances.'],
    ['a resource that is no FormResource', { db, resources: [{ name: 'author', table: authors, formClass: AuthorForm }] }, 'fastify-form-resources: every entry of `resources` must be a FormResource (a subclass instance or defineResource(...)).'],
    ['a resource without a name', { db, resources: [Object.assign(new FormResource(), { table: authors, formClass: AuthorForm })] }, 'fastify-form-resources: a resource has no `name`; set name = \'author\' on it.'],
    ['a resource without a table', { db, resources: [Object.assign(new FormResource(), { name: 'author', formClass: AuthorForm })] }, 'fastify-form-resources: resource "author" has no `table`; set it to the Drizzle table it serves.'],
    ['a resource without a form', { db, resources: [Object.assign(new FormResource(), { name: 'author', table: authors })] }, 'fastify-form-resources: resource "author" has no `formClass`; make one with modelForm(table, { fields: [...] }).'],
    ['a form over another table', { db, resources: [Object.assign(new AuthorResource(), { formClass: BookForm })] }, 'fastify-form-resources: resource "author" has a formClass over another table; make its form with modelForm() over the resource `table`.'],
    ['two resources at one URL', { db, resources: [author(), Object.assign(author(), { name: 'writer', pluralName: 'authors' })] }, 'fastify-form-resources: two resources are served at "authors/"; give one another `uriName`.'],
    ['two resources of one name', { db, resources: [author(), Object.assign(author(), { uriName: 'writers' })] }, 'fastify-form-resources: two resources are named "author"; give one another `name`.']
  ]
  for (const [label, options, message] of cases) {
    const error = await registrationError(t, options)
    t.ok(error instanceof Error, label)
    if (typeof message === 'string') t.equal((error as Error).message, message, label)
    else t.match((error as Error).message, message, label)
  }
})

t.test('a table the plugin cannot describe fails at registration', async (t) => {
  const { db } = openDb()
  const pairs = sqliteTable('pairs', { a: integer().notNull(), b: text().notNull() })
  const resource = Object.assign(new FormResource(), { name: 'pair', table: pairs, formClass: { meta: { info: { table: pairs } } } })
  const error = await registrationError(t, { db, resources: [resource] })
  t.equal((error as Error).message, 'fastify-form-resources: table "pairs" needs a single-column primary key.')
  t.throws(() => modelForm(pairs, { fields: '__all__' }), /single-column primary key/)
})

t.test('the formResources decorator', async (t) => {
  const { app, db } = freshApp(t)
  const author = new AuthorResource()
  const book = new BookResource()
  const note = defineResource({ name: 'note', uriName: 'sticky-notes', table: authors, formClass: AuthorForm })
  await app.register(formResources, { db, prefix: '/api/', resources: [author, book, note] })
  await app.ready()
  const { resources, listUrl, itemUrl } = app.formResources
  t.strictSame([...resources.keys()], ['author', 'book', 'note'])
  t.equal(resources.get('author'), author)
  t.equal(author.db, db, 'a registered resource gets the plugin\'s db')
  t.equal(listUrl('author'), '/api/authors/', 'a trailing slash on the prefix is dropped')
  t.equal(listUrl('note'), '/api/sticky-notes/')
  t.equal(itemUrl('author', 3), '/api/authors/3/')
  t.equal(itemUrl('book', '12'), '/api/books/12/')
  t.equal(itemUrl('author', { id: 7, name: 'Ann', title: null, birthDate: null, secret: null }), '/api/authors/7/')
  t.throws(() => listUrl('nobody'), new Error('fastify-form-resources: no resource named "nobody".'))
  t.throws(() => itemUrl('nobody', 1), new Error('fastify-form-resources: no resource named "nobody".'))
  const res = await app.inject({ method: 'GET', url: '/api/sticky-notes/' })
  t.equal(res.statusCode, 200, 'served where listUrl says')
})

t.test('a resource made with its own db keeps it', async (t) => {
  const { app, db } = freshApp(t)
  const own = openDb()
  t.teardown(() => own.sqlite.close())
  own.sqlite.exec("INSERT INTO authors (name) VALUES ('From its own database')")
  await app.register(formResources, { db, resources: [new AuthorResource({ db: own.db })] })
  const res = await app.inject({ method: 'GET', url: '/authors/?only-fields=name&only-links=' })
  t.same(res.json().authors, [{ name: 'From its own database', links: {} }])
})

t.test('one resource registered in two apps', async (t) => {
  const shared = new AuthorResource()
  const first = freshApp(t)
  await first.app.register(formResources, { db: first.db, resources: [shared] })
  await first.app.ready()
  t.equal(shared.db, first.db)

  t.test('over the same database: served by both', async (t) => {
    const app = Fastify()
    t.teardown(async () => await app.close())
    await app.register(formResources, { db: first.db, prefix: '/again', resources: [shared] })
    t.equal((await app.inject({ method: 'GET', url: '/again/authors/' })).statusCode, 200)
  })
  t.test('over another database: refused at registration rather than served from the first one', async (t) => {
    const other = openDb()
    t.teardown(() => other.sqlite.close())
    const error = await registrationError(t, { db: other.db, resources: [shared] })
    t.equal((error as Error).message, 'fastify-form-resources: resource "author" is already served from another app\'s database; make a new resource for each app.')
    t.equal(shared.db, first.db)
  })
})

t.test('without a prefix the routes are at the root and the app keeps its 404', async (t) => {
  const { app, db } = freshApp(t)
  await app.register(formResources, { db, resources: [new AuthorResource()] })
  t.equal(app.formResources.listUrl('author'), '/authors/')
  t.equal((await app.inject({ method: 'GET', url: '/authors/' })).statusCode, 200)
  const missing = await app.inject({ method: 'GET', url: '/nowhere' })
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { message: 'Route GET:/nowhere not found', error: 'Not Found', statusCode: 404 })
})

t.test('the app\'s own error handler, 404 handler, parsers and validator are untouched outside the plugin\'s routes', async (t) => {
  const { app, db } = freshApp(t)
  app.setErrorHandler((error, _request, reply) => reply.code(418).send({ handledBy: 'app', message: (error as Error).message }))
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ notFoundBy: 'app', url: request.url }))
  await app.register(formResources, { db, prefix: '/api', resources: [new AuthorResource()] })
  app.get('/boom', async () => { throw new Error('boom') })
  app.post('/echo', async (request) => ({ body: request.body }))
  app.post('/strict', { schema: { body: { type: 'object', required: ['a'], properties: { a: { type: 'integer' } } } } }, async (request) => ({ body: request.body }))
  await app.ready()

  let res = await app.inject({ method: 'GET', url: '/boom' })
  t.equal(res.statusCode, 418)
  t.same(res.json(), { handledBy: 'app', message: 'boom' })

  res = await app.inject({ method: 'GET', url: '/nowhere' })
  t.same(res.json(), { notFoundBy: 'app', url: '/nowhere' })
  res = await app.inject({ method: 'GET', url: '/api/nowhere/' })
  t.same(res.json(), failure(DOES_NOT_EXIST), 'under the prefix the plugin answers its own 404')

  res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'text/plain' }, payload: 'plain text' })
  t.equal(res.statusCode, 200, 'text/plain still parses for the app')
  t.same(res.json(), { body: 'plain text' })
  res = await app.inject({ method: 'POST', url: '/echo', headers: FORM, payload: 'a=1' })
  t.equal(res.statusCode, 418, 'the plugin\'s form parser does not leak into the app')
  t.same(res.json(), { handledBy: 'app', message: 'Unsupported Media Type' })
  res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{bad' })
  t.equal(res.statusCode, 418, 'a bad JSON body on the app\'s route goes to the app\'s handler')

  res = await app.inject({ method: 'POST', url: '/strict', payload: { a: 'x' } })
  t.equal(res.statusCode, 418, 'the app\'s validator still runs')
  t.same(res.json(), { handledBy: 'app', message: 'body/a must be integer' })
  res = await app.inject({ method: 'POST', url: '/strict', payload: { a: '5' } })
  t.same(res.json(), { body: { a: 5 } }, 'with its own coercion')

  res = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...FORM }, payload: 'name=Ann' })
  t.equal(res.statusCode, 201, 'the plugin\'s routes still take HTML forms')
})

t.test('the bodyLimit option applies to the plugin\'s routes only; without it the app\'s limit holds', async (t) => {
  const { app, db, sqlite } = freshApp(t)
  await app.register(async (child: FastifyInstance) => {
    await child.register(formResources, { db, prefix: '/small', bodyLimit: 64, resources: [new AuthorResource()] })
  })
  app.post('/echo', async (request) => ({ size: JSON.stringify(request.body).length }))
  const body = { name: 'x'.repeat(100) }
  let res = await app.inject({ method: 'POST', url: '/small/authors/', headers: SIGNED_IN, payload: body })
  t.equal(res.statusCode, 413)
  t.same(res.json(), { stat: 'fail', err: { code: 202, msg: 'The request body is too large', type: 'request-too-large', detail: 'The limit is 64 bytes.' } })
  res = await app.inject({ method: 'POST', url: '/echo', payload: body })
  t.equal(res.statusCode, 200, 'the app\'s route keeps the app\'s limit')
  t.same(sqlite.prepare('SELECT * FROM authors').all(), [])

  const limited = Fastify({ bodyLimit: 64 })
  t.teardown(async () => await limited.close())
  await limited.register(formResources, { db, resources: [new AuthorResource()] })
  res = await limited.inject({ method: 'POST', url: '/authors/', payload: body })
  t.equal(res.statusCode, 413)
  t.same(res.json().err.detail, 'The limit is 64 bytes.', 'the app\'s bodyLimit is the default')
})

t.test('an app without handlers of its own keeps Fastify\'s defaults outside the plugin', async (t) => {
  const { app, db } = freshApp(t)
  await app.register(formResources, { db, prefix: '/api', resources: [new AuthorResource()] })
  app.get('/boom', async () => { throw new Error('boom') })
  const res = await app.inject({ method: 'GET', url: '/boom' })
  t.equal(res.statusCode, 500)
  t.same(res.json(), { statusCode: 500, error: 'Internal Server Error', message: 'boom' })
})

t.test('an unexpected error in a resource answers 500 in the envelope, without the cause', async (t) => {
  const { app, db } = freshApp(t)
  class Broken extends AuthorResource {
    async getObject (): Promise<undefined> { throw new Error('secret database detail') }
  }
  await app.register(formResources, { db, prefix: '/api', resources: [new Broken()] })
  const res = await app.inject({ method: 'GET', url: '/api/authors/1/' })
  t.equal(res.statusCode, 500)
  t.same(res.json(), { stat: 'fail', err: { code: 205, msg: 'The server could not complete the request', type: 'server-error' } })
  t.notMatch(res.body, /secret/)
})

t.test('@fastify/swagger describes every route', async (t) => {
  const { app, db } = freshApp(t)
  await app.register(swagger, { openapi: { info: { title: 'test', version: '1.0.0' } } })
  await app.register(formResources, { db, prefix: '/api', resources: [new AuthorResource(), new BookResource()] })
  await app.ready()
  const doc = app.swagger() as { paths: Record<string, Record<string, any>> }

  t.strictSame(Object.keys(doc.paths).sort(), ['/api/authors/', '/api/authors/{id}/', '/api/books/', '/api/books/{id}/'])
  t.strictSame(Object.keys(doc.paths['/api/authors/']).sort(), ['get', 'options', 'post'], 'the 405 answers are not documented')
  t.strictSame(Object.keys(doc.paths['/api/authors/{id}/']).sort(), ['delete', 'get', 'options', 'patch', 'put'])

  const list = doc.paths['/api/authors/'].get
  t.strictSame(list.tags, ['authors'])
  t.strictSame(list.parameters.map((p: { in: string, name: string }) => `${p.in}:${p.name}`), ['query:start', 'query:max-results', 'query:only-fields', 'query:only-links'])
  t.strictSame(list.parameters[1].schema, { minimum: 1, maximum: 200, type: 'integer' })
  t.strictSame(Object.keys(list.responses), ['200', '400', '401', '403', '500', '503'], 'only the statuses a list can answer (400: a query parameter it does not know)')
  const listSchema = list.responses['200'].content['application/json'].schema
  t.strictSame(listSchema.required, ['stat', 'authors', 'total_results', 'links'])
  const item = listSchema.properties.authors.items
  t.strictSame(Object.keys(item.properties), ['id', 'name', 'title', 'birthDate', 'secret', 'links'])
  t.strictSame(item.properties.name, { type: 'string', maxLength: 200 })
  t.strictSame(item.properties.birthDate, { type: 'string', nullable: true, format: 'date' }, 'a text column a date field writes: its format')

  const create = doc.paths['/api/authors/'].post
  t.strictSame(Object.keys(create.responses), ['200', '201', '303', '400', '401', '403', '405', '413', '415', '500', '503'])
  t.match(create.responses['200'].description, /^Dry run/, 'a create answers 200 only for a dry run')
  const body = create.requestBody.content['application/json'].schema
  t.strictSame(body.required, ['name'])
  t.strictSame(Object.keys(body.properties), ['name', 'title', 'birthDate'])
  t.strictSame(body.properties.name, { title: 'Name', maxLength: 200, type: 'string' })
  t.strictSame(body.properties.title, { title: 'Title', maxLength: 3, enum: ['MR', 'MRS', 'MS', null], type: 'string', nullable: true })
  const error = create.responses['400'].content['application/json'].schema
  t.strictSame(error.required, ['stat', 'err'])
  t.strictSame(Object.keys(error.properties), ['stat', 'err', 'fields', 'codes', 'items'])

  const bookBody = doc.paths['/api/books/'].post.requestBody.content['application/json'].schema
  t.strictSame(bookBody.required, ['title', 'authorId'])
  t.equal(bookBody.properties.authorId.type, 'integer')
  t.equal(bookBody.properties.inPrint.type, 'boolean')

  for (const method of ['get', 'put', 'patch', 'delete']) {
    const operation = doc.paths['/api/authors/{id}/'][method]
    t.strictSame(operation.tags, ['authors'], method)
    t.has(operation.parameters.find((p: { in: string }) => p.in === 'path'), { in: 'path', name: 'id', required: true, schema: { type: 'string' } }, method)
    t.has(operation.responses, Object.fromEntries([method === 'delete' ? '204' : '200', '401', '403', '404'].map((code) => [code, {}])), method)
  }
  for (const method of ['put', 'patch']) {
    const update = doc.paths['/api/authors/{id}/'][method].requestBody.content['application/json'].schema
    t.notOk('required' in update, `${method}: every field is optional in an update`)
    t.strictSame(Object.keys(update.properties), ['name', 'title', 'birthDate'], method)
  }
  t.strictSame(doc.paths['/api/authors/{id}/'].get.parameters.filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name), ['only-fields', 'only-links'])
  t.strictSame(doc.paths['/api/authors/{id}/'].delete.responses['204'], { description: 'Deleted: an empty body' })
})

t.test('two plugin registrations in one app serve separate prefixes', async (t) => {
  const { app, db } = freshApp(t)
  await app.register(async (child: FastifyInstance) => {
    await child.register(formResources, { db, prefix: '/v1', resources: [new AuthorResource()] })
  })
  await app.register(async (child: FastifyInstance) => {
    await child.register(formResources, { db, prefix: '/v2', resources: [new AuthorResource()] })
  })
  t.equal((await app.inject({ method: 'GET', url: '/v1/authors/' })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/v2/authors/' })).statusCode, 200)
})
