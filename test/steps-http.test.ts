/**
 * The steps' semantics as a client sees them over HTTP: parse hook refusals with every other
 * field's errors in one 400, and a `serializeObject` that answers with a promise.
 */
import t from 'tap'
import type { FastifyRequest } from 'fastify'
import { INVALID_FORM_DATA, modelForm, ValidationError } from 'fastify-form-resources'
import { Author, AuthorResource, buildTestApp, failure, itemLinks, JSON_TYPE, SIGNED_IN, url } from './helpers/app.ts'

t.test('a refused parse hook and other fields\' errors come back in one 400; nothing is written', async (t) => {
  class Parsed extends AuthorResource {
    parse = { title: (value: unknown) => { if (value === 'DR') throw new ValidationError('Doctors sign in elsewhere.'); return value } }
  }
  const { app, rows, sqlite } = await buildTestApp(t, { resources: [new Parsed()] })
  sqlite.exec("INSERT INTO authors (name) VALUES ('Ann')")
  const res = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...JSON_TYPE, ...SIGNED_IN }, payload: { name: 'Ann', title: 'DR', birthDate: 'soon' } })
  t.equal(res.statusCode, 400)
  t.strictSame(res.json(), failure(INVALID_FORM_DATA, {
    codes: { title: ['invalid'], birthDate: ['invalid'], name: ['unique'] }, fields: { title: ['Doctors sign in elsewhere.'], birthDate: ['Enter a valid date.'], name: ['Author with this Name already exists.'] }
  }))
  t.equal(rows('authors').length, 1)
  const update = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: { ...JSON_TYPE, ...SIGNED_IN }, payload: { title: 'DR', birthDate: '1966-02-30' } })
  t.strictSame(update.json().fields, { title: ['Doctors sign in elsewhere.'], birthDate: ['Enter a valid date.'] })
})

t.test('serializeObject may answer with a promise: items, lists, creates and updates wait for it', async (t) => {
  class Async extends AuthorResource {
    async serializeObject (row: { id: number, name: string }, { request }: { request?: FastifyRequest }): Promise<Record<string, unknown>> {
      await new Promise((resolve) => setImmediate(resolve))
      return { id: row.id, name: row.name.toUpperCase(), seenBy: request?.user?.name ?? null }
    }
  }
  const { app } = await buildTestApp(t, { resources: [new Async()] })
  const created = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...JSON_TYPE, ...SIGNED_IN }, payload: { name: 'Ann' } })
  t.equal(created.statusCode, 201)
  t.strictSame(created.json(), { stat: 'ok', author: { id: 1, name: 'ANN', seenBy: 'ann', links: itemLinks('/api/authors/1/') } })
  const item = await app.inject({ method: 'GET', url: '/api/authors/1/' })
  t.strictSame(item.json(), { stat: 'ok', author: { id: 1, name: 'ANN', seenBy: null, links: itemLinks('/api/authors/1/') } })
  const updated = await app.inject({ method: 'PATCH', url: '/api/authors/1/', headers: { ...JSON_TYPE, ...SIGNED_IN }, payload: { name: 'Bea' } })
  t.strictSame(updated.json(), { stat: 'ok', author: { id: 1, name: 'BEA', seenBy: 'ann', links: itemLinks('/api/authors/1/') } })
  const list = await app.inject({ method: 'GET', url: '/api/authors/' })
  t.strictSame(list.json(), {
    stat: 'ok',
    authors: [{ id: 1, name: 'BEA', seenBy: null, links: itemLinks('/api/authors/1/') }],
    total_results: 1,
    links: { self: { href: url('/api/authors/'), method: 'GET' }, create: { href: url('/api/authors/'), method: 'POST' } }
  })
})

t.test('a row a saveForm, buildFormSuccessResponse or getObject override hands back and keeps is answered as a copy: it never gains the answer\'s links', async (t) => {
  const kept: Array<Record<string, unknown>> = []
  class Keeping extends AuthorResource {
    override async saveForm (...args: Parameters<AuthorResource['saveForm']>): ReturnType<AuthorResource['saveForm']> {
      const row = await super.saveForm(...args)
      kept.push(row)
      return row
    }
  }
  class KeepingAnswer extends AuthorResource {
    override buildFormSuccessResponse (args: Parameters<AuthorResource['buildFormSuccessResponse']>[0]): ReturnType<AuthorResource['buildFormSuccessResponse']> {
      kept.push(args.instance)
      return super.buildFormSuccessResponse(args)
    }
  }
  for (const Resource of [Keeping, KeepingAnswer]) {
    kept.length = 0
    const { app } = await buildTestApp(t, { resources: [new Resource()] })
    const created = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...JSON_TYPE, ...SIGNED_IN }, payload: { name: 'Ann' } })
    t.strictSame(created.json(), { stat: 'ok', author: { id: 1, name: 'Ann', title: null, birthDate: null, secret: null, links: itemLinks('/api/authors/1/') } }, Resource.name)
    const updated = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: { ...JSON_TYPE, ...SIGNED_IN }, payload: { name: 'Bea' } })
    t.strictSame(updated.json(), { stat: 'ok', author: { id: 1, name: 'Bea', title: null, birthDate: null, secret: null, links: itemLinks('/api/authors/1/') } }, Resource.name)
    t.strictSame(kept, [{ id: 1, name: 'Ann', title: null, birthDate: null, secret: null }, { id: 1, name: 'Bea', title: null, birthDate: null, secret: null }], `${Resource.name}: the rows it kept have no links`)
  }
  // an update that writes nothing answers the instance: the row a getObject of the resource's own handed out
  const row = { id: 1, name: 'Ann', title: null, birthDate: null, secret: null }
  class KeepingLoad extends AuthorResource {
    formClass = modelForm(Author, { fields: [] }) as never
    override async getObject (): Promise<typeof row> { return row }
  }
  const { app } = await buildTestApp(t, { resources: [new KeepingLoad()] })
  const updated = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: { ...JSON_TYPE, ...SIGNED_IN }, payload: {} })
  t.strictSame(updated.json(), { stat: 'ok', author: { ...row, links: itemLinks('/api/authors/1/') } })
  t.strictSame(row, { id: 1, name: 'Ann', title: null, birthDate: null, secret: null }, 'the row getObject keeps has no links')
})
