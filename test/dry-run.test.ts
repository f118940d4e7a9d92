import t from 'tap'
import type { FastifyRequest } from 'fastify'
import { defineResource, modelForm, type FormResource } from 'fastify-form-resources'
import { clientsApp, DIALECTS, FIELD_ERROR, type Tables } from './helpers/clients.ts'

const signedIn = (request: FastifyRequest): boolean => (request as { user?: unknown }).user != null
const ANN = { 'x-user': 'ann' }

function resources ({ writers, novels }: Tables): Array<FormResource<any, any>> {
  return [
    defineResource({ name: 'writer', table: writers, formClass: modelForm(writers, { fields: ['name', 'country'] }), bulk: true, hasModifyPermissions: signedIn, hasDeletePermissions: signedIn }),
    defineResource({ name: 'novel', table: novels, formClass: modelForm(novels, { fields: ['title', 'pages', 'writerId'] }), hasModifyPermissions: signedIn })
  ]
}

for (const dialect of DIALECTS) {
  t.test(`${dialect}: ?dry-run=1 takes every stage but the write`, async (t) => {
    const { app, rows } = await clientsApp(t, dialect, resources)
    t.equal((await app.inject({ method: 'POST', url: '/api/writers/', headers: ANN, payload: { name: 'Colette', country: 'FR' } })).statusCode, 201)
    const before = await rows('writers')

    let res = await app.inject({ method: 'POST', url: '/api/writers/?dry-run=1', headers: ANN, payload: { name: 'Gogol', country: 'RU' } })
    t.strictSame([res.statusCode, res.json()], [200, { stat: 'ok', dry_run: true, writer: { name: 'Gogol', country: 'RU' } }])
    res = await app.inject({ method: 'POST', url: '/api/writers/?dry-run=1', headers: ANN, payload: { name: 'colette' } })
    t.equal(res.statusCode, dialect === 'sqlite' ? 400 : 200, 'the unique check runs (SQLite\'s column is COLLATE NOCASE)')
    res = await app.inject({ method: 'POST', url: '/api/writers/?dry-run=1', headers: ANN, payload: { name: 'Colette', country: 'XX' } })
    t.strictSame(res.json(), {
      stat: 'fail',
      err: FIELD_ERROR,
      fields: { name: ['Writer with this Name already exists.'], country: ['Select a valid choice. XX is not one of the available choices.'] },
      codes: { name: ['unique'], country: ['invalidChoice'] }
    }, 'the usual 400, a value taken meanwhile included')
    res = await app.inject({ method: 'POST', url: '/api/writers/?dry-run=1&only-fields=country', headers: ANN, payload: { name: 'Colette', country: 'XX' } })
    t.strictSame(res.json(), { stat: 'fail', err: FIELD_ERROR, fields: { country: ['Select a valid choice. XX is not one of the available choices.'] }, codes: { country: ['invalidChoice'] } }, 'only-fields: only those errors')
    res = await app.inject({ method: 'POST', url: '/api/writers/?dry-run=1&only-fields=country', headers: ANN, payload: { name: 'Colette', country: 'US' } })
    t.strictSame([res.statusCode, res.json()], [200, { stat: 'ok', dry_run: true, writer: { country: 'US' } }], 'the field checked is fine')
    t.equal((await app.inject({ method: 'POST', url: '/api/writers/?dry-run=1', payload: { name: 'Bely' } })).statusCode, 401, 'permission asked')

    res = await app.inject({ method: 'PATCH', url: '/api/writers/1/?dry-run=1', headers: ANN, payload: { country: 'US' } })
    t.strictSame([res.statusCode, res.json()], [200, { stat: 'ok', dry_run: true, writer: { id: 1, name: 'Colette', country: 'US' } }])
    res = await app.inject({ method: 'PUT', url: '/api/writers/1/?dry-run=1', headers: { ...ANN, 'if-match': '"stale"' }, payload: { country: 'US' } })
    t.equal(res.statusCode, 412, 'If-Match checked')
    const etag = (await app.inject({ url: '/api/writers/1/' })).headers.etag as string
    t.equal((await app.inject({ method: 'PUT', url: '/api/writers/1/?dry-run=1', headers: { ...ANN, 'if-match': etag }, payload: { country: 'US' } })).statusCode, 200)
    t.equal((await app.inject({ method: 'PATCH', url: '/api/writers/9/?dry-run=1', headers: ANN, payload: { country: 'US' } })).statusCode, 404)

    res = await app.inject({ method: 'POST', url: '/api/writers/?dry-run=1', headers: ANN, payload: [{ name: 'Gogol' }, { name: 'Bely' }] })
    t.strictSame([res.statusCode, res.json()], [200, { stat: 'ok', dry_run: true, writers: [{ name: 'Gogol', country: null }, { name: 'Bely', country: null }], deleted: [] }])
    res = await app.inject({ method: 'PATCH', url: '/api/writers/?dry-run=1', headers: ANN, payload: [{ id: 1, DELETE: true }, { name: 'Colette' }] })
    t.strictSame([res.statusCode, res.json().fields], [400, { 'writers-1-name': ['Writer with this Name already exists.'] }], 'a formset\'s usual 400')
    res = await app.inject({ method: 'PATCH', url: '/api/writers/?dry-run=1', headers: ANN, payload: [{ id: 1, DELETE: true }, { name: 'Gogol' }] })
    t.strictSame(res.json(), { stat: 'ok', dry_run: true, writers: [null, { name: 'Gogol', country: null }], deleted: [1] })

    res = await app.inject({ method: 'POST', url: '/api/writers/?dry-run=1&only-fields=writers-1-country', headers: ANN, payload: [{ name: '' }, { name: 'Bely', country: 'ZZ' }] })
    t.strictSame(res.json(), {
      stat: 'fail',
      err: FIELD_ERROR,
      fields: { 'writers-1-country': ['Select a valid choice. ZZ is not one of the available choices.'] },
      codes: { 'writers-1-country': ['invalidChoice'] },
      items: { writers: { 1: { country: ['Select a valid choice. ZZ is not one of the available choices.'] } } }
    }, 'a formset\'s only-fields: those inputs only')
    res = await app.inject({ method: 'POST', url: '/api/writers/?dry-run=1&only-fields=writers-1-country', headers: ANN, payload: [{ name: '' }, { name: 'Bely', country: 'FR' }] })
    t.strictSame([res.statusCode, res.json().writers[1]], [200, { name: 'Bely', country: 'FR' }], 'the input checked is fine')

    t.strictSame(await rows('writers'), before, 'nothing written')
    t.strictSame(await rows('novels'), [])
  })
}
