import t from 'tap'
import { defineResource, modelForm, type FormResource } from 'fastify-form-resources'
import { clientsApp, DIALECTS, FIELD_ERROR, SIGNED_IN, type Tables } from './helpers/clients.ts'

function writersResource ({ writers }: Tables, bulk = false): FormResource<any, any> {
  return defineResource({
    name: 'writer',
    table: writers,
    formClass: modelForm(writers, { fields: ['name', 'country'] }),
    bulk,
    hasModifyPermissions: () => true
  })
}

for (const dialect of DIALECTS) {
  t.test(`${dialect}: every 400 with fields carries codes, the message keys in the same order`, async (t) => {
    const { app, rows } = await clientsApp(t, dialect, (tables) => [writersResource(tables, true)])
    const bad = await app.inject({ method: 'POST', url: '/api/writers/', headers: SIGNED_IN, payload: { name: 'x'.repeat(51), country: 'XX' } })
    t.equal(bad.statusCode, 400)
    t.strictSame(bad.json(), {
      stat: 'fail',
      err: FIELD_ERROR,
      fields: { name: ['Ensure this value has at most 50 characters (it has 51).'], country: ['Select a valid choice. XX is not one of the available choices.'] },
      codes: { name: ['maxLength'], country: ['invalidChoice'] }
    })
    t.equal((await app.inject({ method: 'POST', url: '/api/writers/', payload: { name: 'Colette' } })).statusCode, 201)
    const taken = await app.inject({ method: 'PUT', url: '/api/writers/1/', payload: { name: 'Colette', country: 'FR' } })
    t.equal(taken.statusCode, 200)
    const missing = await app.inject({ method: 'POST', url: '/api/writers/', payload: { name: 'Colette' } })
    t.strictSame(missing.json().codes, { name: ['unique'] })

    const batch = await app.inject({ method: 'POST', url: '/api/writers/', payload: [{ name: 'Gogol' }, { name: '' }, { name: 'Gogol', country: 'RU' }, { name: 'Bely', country: 'ZZ' }] })
    t.equal(batch.statusCode, 400)
    t.strictSame(batch.json().fields, {
      __all__: ['Please correct the duplicate data for name.'],
      'writers-1-name': ['This field is required.'],
      'writers-2-__all__': ['Please correct the duplicate values below.'],
      'writers-3-country': ['Select a valid choice. ZZ is not one of the available choices.']
    })
    t.strictSame(batch.json().codes, { __all__: ['duplicate'], 'writers-1-name': ['required'], 'writers-2-__all__': ['duplicateValues'], 'writers-3-country': ['invalidChoice'] })
    t.strictSame(Object.keys(batch.json().codes), Object.keys(batch.json().fields), 'the same keys, in the same order')
    t.strictSame((await rows('writers')).map((row) => row.name), ['Colette'])
  })
}
