import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import {
  DOES_NOT_EXIST, INVALID_FORM_DATA, MALFORMED_BODY, REQUEST_TOO_LARGE, SERVER_ERROR, UNSUPPORTED_MEDIA_TYPE
} from 'fastify-form-resources'
import { AuthorResource, buildTestApp, failure, FORM, JSON_TYPE, SIGNED_IN } from './helpers/app.ts'

const ANN_ROW = { id: 1, name: 'Ann Leckie', title: 'MS', birth_date: '1966-03-02', secret: null }

function withDetail (error: { code: number, msg: string, errorType: string }, detail: string): Record<string, unknown> {
  return { stat: 'fail', err: { code: error.code, msg: error.msg, type: error.errorType, detail } }
}

const NOT_JSON = (reason: string) => withDetail(MALFORMED_BODY, `Invalid JSON: ${reason}`)
const NOT_AN_OBJECT = withDetail(MALFORMED_BODY, 'The body must be a JSON object of fields, or HTML form fields.')
const ACCEPTED = 'is not accepted; send application/json, application/x-www-form-urlencoded or multipart/form-data.'

const WRITES = [['POST', '/api/authors/'], ['PUT', '/api/authors/1/'], ['PATCH', '/api/authors/1/'], ['POST', '/api/authors/1/']] as const

/** Sends the same body to create, to update and to the HTML form's item POST, and checks each answer. */
async function sendEverywhere (t: Test, app: FastifyInstance, request: { payload?: string, headers?: Record<string, string> }, status: number, payload: unknown, routes: ReadonlyArray<readonly [string, string]> = WRITES): Promise<void> {
  for (const [method, path] of routes as ReadonlyArray<readonly ['POST' | 'PUT' | 'PATCH', string]>) {
    const res = await app.inject({ method, url: path, ...request, headers: { ...SIGNED_IN, ...request.headers } })
    t.equal(res.statusCode, status, `${method} ${path}`)
    t.same(res.json(), payload, `${method} ${path}`)
  }
}

t.test('bad bodies: the envelope, the right 4xx and nothing written', async (t) => {
  const { app, sqlite, rows } = await buildTestApp(t, { options: { bodyLimit: 256 } })
  sqlite.exec("INSERT INTO authors (name, title, birth_date) VALUES ('Ann Leckie', 'MS', '1966-03-02')")

  t.test('malformed JSON: 400 MALFORMED_BODY', async (t) => {
    const reasons: Record<string, string> = {
      '{"name": "x"': "Expected ',' or '}' after property value in JSON at position 12",
      '{name: "x"}': "Expected property name or '}' in JSON at position 1",
      "{'name': 'x'}": "Expected property name or '}' in JSON at position 1",
      '{"name": "x"}}': 'Unexpected non-whitespace character after JSON at position 13'
    }
    for (const [payload, reason] of Object.entries(reasons)) {
      await sendEverywhere(t, app, { payload, headers: JSON_TYPE }, 400, NOT_JSON(reason))
    }
  })
  t.test('an empty JSON body: 400 MALFORMED_BODY', async (t) => {
    await sendEverywhere(t, app, { payload: '', headers: JSON_TYPE }, 400, withDetail(MALFORMED_BODY, 'The body is empty; send a JSON object of fields.'))
  })
  t.test('JSON that is not an object: 400 MALFORMED_BODY', async (t) => {
    for (const payload of ['[{"name": "x"}]', '[]', '"Ann"', '42', 'true']) {
      await sendEverywhere(t, app, { payload, headers: JSON_TYPE }, 400, NOT_AN_OBJECT, WRITES.slice(0, 3))
      // the item's POST finds no `_method` in a body that is not an object
      const res = await app.inject({ method: 'POST', url: '/api/authors/1/', headers: { ...SIGNED_IN, ...JSON_TYPE }, payload })
      t.equal(res.statusCode, 405, payload)
      t.equal(res.headers.allow, 'GET, PUT, PATCH, DELETE', payload)
    }
  })
  t.test('JSON null: nothing sent, so the create misses its required field and the update changes nothing', async (t) => {
    const create = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...JSON_TYPE }, payload: 'null' })
    t.equal(create.statusCode, 400)
    t.same(create.json(), failure(INVALID_FORM_DATA, { codes: { name: ['required'] }, fields: { name: ['This field is required.'] } }))
    const update = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: { ...SIGNED_IN, ...JSON_TYPE }, payload: 'null' })
    t.equal(update.statusCode, 200)
  })
  t.test('text/plain: 415 UNSUPPORTED_MEDIA_TYPE', async (t) => {
    await sendEverywhere(t, app, { payload: 'name=x', headers: { 'content-type': 'text/plain' } }, 415, withDetail(UNSUPPORTED_MEDIA_TYPE, `text/plain ${ACCEPTED}`))
  })
  t.test('multipart/form-data: its fields as an HTML form\'s; a DELETE with one is 415', async (t) => {
    const type = 'multipart/form-data; boundary=XyZ'
    const payload = '--XyZ\r\nContent-Disposition: form-data; name="name"\r\n\r\nMallory\r\n--XyZ--\r\n'
    const res = await app.inject({ method: 'POST', url: '/api/authors/', payload, headers: { ...SIGNED_IN, 'content-type': type } })
    t.equal(res.statusCode, 201)
    t.equal(res.json().author.name, 'Mallory')
    const removed = await app.inject({ method: 'DELETE', url: '/api/authors/1/', payload, headers: { ...SIGNED_IN, 'content-type': type } })
    t.equal(removed.statusCode, 415)
    t.same(removed.json(), withDetail(UNSUPPORTED_MEDIA_TYPE, `${type} ${ACCEPTED}`))
  })
  t.test('other types and a body without a type: 415 UNSUPPORTED_MEDIA_TYPE', async (t) => {
    for (const type of ['application/xml', 'application/octet-stream']) {
      await sendEverywhere(t, app, { payload: '<name>x</name>', headers: { 'content-type': type } }, 415, withDetail(UNSUPPORTED_MEDIA_TYPE, `${type} ${ACCEPTED}`))
    }
    const res = await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: 'name=x' })
    t.equal(res.statusCode, 415)
    t.same(res.json(), withDetail(UNSUPPORTED_MEDIA_TYPE, `A body without a Content-Type ${ACCEPTED}`))
  })
  t.test('a body over the limit: 413 REQUEST_TOO_LARGE', async (t) => {
    const big = JSON.stringify({ name: 'x'.repeat(300) })
    await sendEverywhere(t, app, { payload: big, headers: JSON_TYPE }, 413, withDetail(REQUEST_TOO_LARGE, 'The limit is 256 bytes.'))
    await sendEverywhere(t, app, { payload: `name=${'x'.repeat(300)}`, headers: FORM }, 413, withDetail(REQUEST_TOO_LARGE, 'The limit is 256 bytes.'))
    const fits = await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { name: 'x'.repeat(200), title: 'XX' } })
    t.equal(fits.statusCode, 400, 'a body under the limit reaches the form')
  })
  t.test('__proto__ and constructor.prototype in JSON: 400 MALFORMED_BODY', async (t) => {
    const refused = (kind: string) => withDetail(MALFORMED_BODY, `Object contains forbidden ${kind} property: "__proto__" and "constructor.prototype" keys are refused.`)
    await sendEverywhere(t, app, { payload: '{"name": "Mallory", "__proto__": {"secret": "x"}}', headers: JSON_TYPE }, 400, refused('prototype'))
    await sendEverywhere(t, app, { payload: '{"name": "Mallory", "constructor": {"prototype": {"secret": "x"}}}', headers: JSON_TYPE }, 400, refused('prototype'))
  })

  t.equal(({} as Record<string, unknown>).secret, undefined, 'no prototype was polluted')
  t.same(rows('authors'), [ANN_ROW])
  t.same(rows('books'), [])
})

t.test('arrays and objects where scalars belong: field errors, nothing written', async (t) => {
  const { app, sqlite, rows } = await buildTestApp(t)
  sqlite.exec("INSERT INTO authors (name, title, birth_date) VALUES ('Ann Leckie', 'MS', '1966-03-02')")
  const invalid = failure(INVALID_FORM_DATA, { fields: { name: ['Enter a valid value.'], title: ['Enter a valid value.'], birthDate: ['Enter a valid date.'] }, codes: { name: ['invalid'], title: ['invalid'], birthDate: ['invalid'] } })
  for (const payload of [
    { name: ['Mallory'], title: ['MS'], birthDate: ['1966-03-02'] },
    { name: { first: 'Mallory' }, title: { MS: true }, birthDate: { year: 1966 } },
    { name: [['Mallory']], title: [{}, 1], birthDate: [1966, 3, 2] }
  ]) {
    for (const [method, path] of [['POST', '/api/authors/'], ['PUT', '/api/authors/1/']] as const) {
      const res = await app.inject({ method, url: path, headers: SIGNED_IN, payload })
      t.equal(res.statusCode, 400, `${method} ${JSON.stringify(payload)}`)
      t.same(res.json(), invalid, `${method} ${JSON.stringify(payload)}`)
    }
  }
  const empty = await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { name: [], title: {} } })
  t.same(empty.json(), failure(INVALID_FORM_DATA, { codes: { name: ['required'] }, fields: { name: ['This field is required.'] } }), 'an empty list or object is an empty value')
  const repeated = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...FORM }, payload: 'name=a&name=b' })
  t.same(repeated.json(), failure(INVALID_FORM_DATA, { codes: { name: ['invalid'] }, fields: { name: ['Enter a valid value.'] } }), 'a repeated HTML form field is a list')
  const book = await app.inject({ method: 'POST', url: '/api/books/', headers: SIGNED_IN, payload: { title: 'T', pages: [1], inPrint: [true], authorId: { id: 1 } } })
  t.same(book.json(), failure(INVALID_FORM_DATA, {
    codes: { pages: ['invalid'], inPrint: ['invalid'], authorId: ['invalidChoice'] }, fields: { pages: ['Enter a whole number.'], inPrint: ['Enter a valid value.'], authorId: ['Select a valid choice. That choice is not one of the available choices.'] }
  }))
  t.same(rows('authors'), [ANN_ROW])
  t.same(rows('books'), [])
})

t.test('__proto__ and constructor keys in an HTML form are unknown fields: ignored, nothing polluted', async (t) => {
  const { app, rows } = await buildTestApp(t)
  const res = await app.inject({
    method: 'POST',
    url: '/api/authors/',
    headers: { ...SIGNED_IN, ...FORM },
    payload: '__proto__=x&__proto__[secret]=y&constructor=z&constructor[prototype][secret]=w&prototype=v&name=Ann&title=MS'
  })
  t.equal(res.statusCode, 201)
  t.same(rows('authors'), [{ id: 1, name: 'Ann', title: 'MS', birth_date: null, secret: null }])
  const only = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...FORM }, payload: '__proto__=x&constructor=y' })
  t.equal(only.statusCode, 400)
  t.same(only.json(), failure(INVALID_FORM_DATA, { codes: { name: ['required'] }, fields: { name: ['This field is required.'] } }))
  t.equal(({} as Record<string, unknown>).secret, undefined, 'no prototype was polluted')
  t.same(rows('authors'), [{ id: 1, name: 'Ann', title: 'MS', birth_date: null, secret: null }])
})

t.test('a constructor key that is not an object in JSON is an unknown field: ignored', async (t) => {
  const { app, rows } = await buildTestApp(t)
  const res = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...JSON_TYPE }, payload: '{"name": "Ann", "constructor": "x", "toString": 1, "hasOwnProperty": 2}' })
  t.equal(res.statusCode, 201)
  t.same(rows('authors'), [{ id: 1, name: 'Ann', title: null, birth_date: null, secret: null }])
})

t.test('unknown fields are ignored and never written', async (t) => {
  const { app, sqlite, rows } = await buildTestApp(t)
  const payload = { name: 'Ann Leckie', id: 77, secret: 'set', birth_date: '2000-01-01', bogus: 'x', links: {}, _method: 'DELETE' }
  // `_method` is refused at a list URL (405, see test/html-forms.test.ts); at an item URL it is no field
  const { _method: _, ...create } = payload
  const res = await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: create })
  t.equal(res.statusCode, 201)
  t.same(rows('authors'), [{ id: 1, name: 'Ann Leckie', title: null, birth_date: null, secret: null }])

  sqlite.exec("UPDATE authors SET secret = 'kept' WHERE id = 1")
  const put = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: SIGNED_IN, payload: { ...payload, name: 'Ann' } })
  t.equal(put.statusCode, 200)
  const form = await app.inject({ method: 'POST', url: '/api/authors/1/', headers: { ...SIGNED_IN, ...FORM }, payload: '_method=PUT&id=5&secret=x&title=MRS' })
  t.equal(form.statusCode, 200)
  t.same(rows('authors'), [{ id: 1, name: 'Ann', title: 'MRS', birth_date: null, secret: 'kept' }])
})

t.test('ids in the URL that are no key: 404 DOES_NOT_EXIST, nothing written', async (t) => {
  const { app, sqlite, rows } = await buildTestApp(t)
  sqlite.exec("INSERT INTO authors (name, title, birth_date) VALUES ('Ann Leckie', 'MS', '1966-03-02')")
  const ids = ['abc', '1abc', '0x1', '-1', '0', '1.5', '1e3', '99999999999999999999999', '9007199254740993', '%20', '%00', 'null', 'undefined', '__proto__', 'constructor']
  for (const id of ids) {
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
      const res = await app.inject({ method, url: `/api/authors/${id}/`, headers: SIGNED_IN, ...(method === 'PUT' || method === 'PATCH' ? { payload: { name: 'x' } } : {}) })
      t.equal(res.statusCode, 404, `${method} ${id}`)
      t.same(res.json(), failure(DOES_NOT_EXIST), `${method} ${id}`)
    }
  }
  t.same(rows('authors'), [ANN_ROW])
})

t.test('a huge start or max-results in the list query never fails', async (t) => {
  const { app, sqlite } = await buildTestApp(t)
  sqlite.exec("INSERT INTO authors (name) VALUES ('Ann Leckie')")
  const cases: Array<[string, number[]]> = [
    ['start=99999999999999999999999', []],
    ['start=9223372036854775808', []],
    ['max-results=99999999999999999999999', [1]],
    ['start=0e400&max-results=-1e400', [1]],
    ['start[]=1&max-results[x]=2', [1]],
    ['start=0&start=5', [1]]
  ]
  for (const [query, ids] of cases) {
    const res = await app.inject({ method: 'GET', url: `/api/authors/?${query}` })
    t.equal(res.statusCode, 200, query)
    t.same(res.json().authors.map((a: { id: number }) => a.id), ids, query)
    t.equal(res.json().total_results, 1, query)
  }
  const far = await app.inject({ method: 'GET', url: '/api/authors/?start=99999999999999999999999' })
  t.same(far.json().links.prev, { href: `http://localhost:80/api/authors/?start=${Number.MAX_SAFE_INTEGER - 25}&max-results=25`, method: 'GET' }, 'a start past 2^53 is read as 2^53 - 1')
})

t.test('an error thrown while a JSON request runs is no JSON error: 500 in the envelope, not 400 MALFORMED_BODY', async (t) => {
  class Failing extends AuthorResource {
    hasModifyPermissions (): boolean { throw new Error('the permission check failed') }
  }
  const { app, rows } = await buildTestApp(t, { resources: [new Failing()] })
  const res = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...JSON_TYPE }, payload: '{"name": "Ann"}' })
  t.equal(res.statusCode, 500)
  t.same(res.json(), failure(SERVER_ERROR))
  t.strictSame(rows('authors'), [])
})
