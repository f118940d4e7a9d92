import t from 'tap'
import {
  defineResource, DOES_NOT_EXIST, FormResource, INVALID_FORM_DATA, ITEM_IN_USE, METHOD_NOT_ALLOWED,
  NOT_LOGGED_IN, PERMISSION_DENIED, PRECONDITION_FAILED
} from 'fastify-form-resources'
import {
  AuthorForm, AuthorResource, authors, buildTestApp, failure, FORM, itemLinks, SIGNED_IN, url
} from './helpers/app.ts'

const AUTHOR_ROW = { id: 1, name: 'Ann Leckie', title: 'MS', birth_date: '1966-03-02', secret: null }
const ANN = { id: 1, name: 'Ann Leckie', title: 'MS', birthDate: '1966-03-02', secret: null }

function seedAuthors (sqlite: { exec (sql: string): unknown }, count: number): void {
  const values = Array.from({ length: count }, (_, i) => `('Author ${String(i + 1).padStart(2, '0')}')`).join(', ')
  sqlite.exec(`INSERT INTO authors (name) VALUES ${values}`)
}

const listed = (n: number): Record<string, unknown> => ({
  id: n, name: `Author ${String(n).padStart(2, '0')}`, title: null, birthDate: null, secret: null, links: itemLinks(`/api/authors/${n}/`)
})

t.test('GET on the list of an empty table', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/api/authors/' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    stat: 'ok',
    authors: [],
    total_results: 0,
    links: { self: { href: url('/api/authors/'), method: 'GET' }, create: { href: url('/api/authors/'), method: 'POST' } }
  })
})

t.test('GET on the list pages with start and max-results', async (t) => {
  const { app, sqlite } = await buildTestApp(t)
  seedAuthors(sqlite, 30)
  const get = async (query: string): Promise<any> => {
    const res = await app.inject({ method: 'GET', url: `/api/authors/${query}` })
    t.equal(res.statusCode, 200, query)
    return res.json()
  }
  const page = (start: number, max: number): { href: string, method: string } => ({ href: url(`/api/authors/?start=${start}&max-results=${max}`), method: 'GET' })

  t.test('without parameters: the first 25 and a next link', async (t) => {
    t.same(await get(''), {
      stat: 'ok',
      authors: Array.from({ length: 25 }, (_, i) => listed(i + 1)),
      total_results: 30,
      links: { self: { href: url('/api/authors/'), method: 'GET' }, create: { href: url('/api/authors/'), method: 'POST' }, next: page(25, 25) }
    })
  })
  t.test('on the last page: a prev link and no next link', async (t) => {
    t.same(await get('?start=25'), {
      stat: 'ok',
      authors: [26, 27, 28, 29, 30].map(listed),
      total_results: 30,
      links: { self: { href: url('/api/authors/?start=25'), method: 'GET' }, create: { href: url('/api/authors/'), method: 'POST' }, prev: page(0, 25) }
    })
  })
  t.test('in the middle: both links, prev never before 0', async (t) => {
    const body = await get('?start=10&max-results=5')
    t.same(body.authors.map((a: { id: number }) => a.id), [11, 12, 13, 14, 15])
    t.same(body.links.prev, page(5, 5))
    t.same(body.links.next, page(15, 5))
    const near = await get('?start=2&max-results=5')
    t.same(near.links.prev, page(0, 5))
    t.same(near.links.next, page(7, 5))
  })
  t.test('max-results over the cap is 200', async (t) => {
    const body = await get('?max-results=1000')
    t.equal(body.authors.length, 30)
    t.equal(body.total_results, 30)
    t.notOk('next' in body.links)
    t.notOk('prev' in body.links)
  })
  t.test('max-results of 0 or below is 1', async (t) => {
    for (const max of ['0', '-5']) {
      const body = await get(`?max-results=${max}`)
      t.same(body.authors, [listed(1)], max)
      t.same(body.links.next, page(1, 1), max)
    }
  })
  t.test('bad values fall back to the defaults', async (t) => {
    for (const query of ['?start=abc&max-results=xyz', '?start=-3', '?start=&max-results=']) {
      const body = await get(query)
      t.same(body.authors.map((a: { id: number }) => a.id), Array.from({ length: 25 }, (_, i) => i + 1), query)
      t.same(body.links.next, page(25, 25), query)
      t.notOk('prev' in body.links, query)
    }
  })
  t.test('a start past the end gives an empty page with a prev link', async (t) => {
    const body = await get('?start=100')
    t.same(body.authors, [])
    t.equal(body.total_results, 30)
    t.same(body.links.prev, page(75, 25))
    t.notOk('next' in body.links)
  })
})

t.test('a resource with its own page size and cap', async (t) => {
  const resource = new AuthorResource()
  resource.maxResultsDefault = 2
  resource.maxResultsCap = 3
  const { app, sqlite } = await buildTestApp(t, { resources: [resource] })
  seedAuthors(sqlite, 5)
  const first = (await app.inject({ method: 'GET', url: '/api/authors/' })).json()
  t.same(first.authors.map((a: { id: number }) => a.id), [1, 2])
  t.same(first.links.next, { href: url('/api/authors/?start=2&max-results=2'), method: 'GET' })
  const capped = (await app.inject({ method: 'GET', url: '/api/authors/?max-results=50' })).json()
  t.same(capped.authors.map((a: { id: number }) => a.id), [1, 2, 3])
})

t.test('GET on an item', async (t) => {
  const { app, sqlite } = await buildTestApp(t)
  sqlite.exec("INSERT INTO authors (name, title, birth_date) VALUES ('Ann Leckie', 'MS', '1966-03-02')")

  const res = await app.inject({ method: 'GET', url: '/api/authors/1/' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { stat: 'ok', author: { ...ANN, links: itemLinks('/api/authors/1/') } })
  const etag = res.headers.etag as string
  t.match(etag, /^"[\w-]+"$/)

  t.test('If-None-Match with the current ETag: 304 with an empty body', async (t) => {
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const cached = await app.inject({ method: 'GET', url: '/api/authors/1/', headers: { 'if-none-match': header } })
      t.equal(cached.statusCode, 304, header)
      t.equal(cached.body, '', header)
      t.equal(cached.headers.etag, etag, header)
    }
  })
  t.test('If-None-Match with another ETag: 200 with the item', async (t) => {
    const fresh = await app.inject({ method: 'GET', url: '/api/authors/1/', headers: { 'if-none-match': '"stale"' } })
    t.equal(fresh.statusCode, 200)
    t.equal(fresh.headers.etag, etag)
    t.same(fresh.json().author.name, 'Ann Leckie')
  })
  t.test('the ETag changes when the row changes', async (t) => {
    sqlite.exec("UPDATE authors SET title = 'MRS' WHERE id = 1")
    const changed = await app.inject({ method: 'GET', url: '/api/authors/1/', headers: { 'if-none-match': etag } })
    t.equal(changed.statusCode, 200)
    t.not(changed.headers.etag, etag)
  })
})

t.test('GET on a missing item: 404 DOES_NOT_EXIST', async (t) => {
  const { app } = await buildTestApp(t)
  for (const path of ['/api/authors/1/', '/api/authors/abc/', '/api/authors/-1/', '/api/authors/99999999999999999999999/']) {
    const res = await app.inject({ method: 'GET', url: path })
    t.equal(res.statusCode, 404, path)
    t.same(res.json(), failure(DOES_NOT_EXIST), path)
  }
})

t.test('an unknown URL under the prefix answers the 404 envelope', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/api/nothing/' })
  t.equal(res.statusCode, 404)
  t.same(res.json(), failure(DOES_NOT_EXIST))
})

t.test('POST on the list creates: 201 with Location', async (t) => {
  const { app, rows } = await buildTestApp(t)
  const res = await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { name: 'Ann Leckie', title: 'MS', birthDate: '1966-03-02' } })
  t.equal(res.statusCode, 201)
  t.equal(res.headers.location, url('/api/authors/1/'))
  t.same(res.json(), { stat: 'ok', author: { ...ANN, links: itemLinks('/api/authors/1/') } })
  t.same(rows('authors'), [AUTHOR_ROW])
})

t.test('POST on the list with invalid data: 400 INVALID_FORM_DATA with Django messages, nothing written', async (t) => {
  const { app, sqlite, rows } = await buildTestApp(t)
  let res = await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { title: 'XX', birthDate: '1966-02-30' } })
  t.equal(res.statusCode, 400)
  t.same(res.json(), failure(INVALID_FORM_DATA, {
    codes: { name: ['required'], title: ['invalidChoice'], birthDate: ['invalid'] },
    fields: {
      name: ['This field is required.'],
      title: ['Select a valid choice. XX is not one of the available choices.'],
      birthDate: ['Enter a valid date.']
    }
  }))
  res = await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { name: 'x'.repeat(201) } })
  t.same(res.json(), failure(INVALID_FORM_DATA, { codes: { name: ['maxLength'] }, fields: { name: ['Ensure this value has at most 200 characters (it has 201).'] } }))
  t.same(rows('authors'), [])

  sqlite.exec("INSERT INTO authors (name) VALUES ('Ann Leckie')")
  res = await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { name: 'Ann Leckie' } })
  t.equal(res.statusCode, 400)
  t.same(res.json(), failure(INVALID_FORM_DATA, { codes: { name: ['unique'] }, fields: { name: ['Author with this Name already exists.'] } }))
  t.equal(rows('authors').length, 1)
})

t.test('POST on the list never writes the key or a column outside the form', async (t) => {
  const { app, rows } = await buildTestApp(t)
  const res = await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { id: 42, name: 'Ann Leckie', secret: 'mine', links: 'x', stat: 'fail' } })
  t.equal(res.statusCode, 201)
  t.equal(res.headers.location, url('/api/authors/1/'))
  t.same(rows('authors'), [{ id: 1, name: 'Ann Leckie', title: null, birth_date: null, secret: null }])
})

t.test('POST of an HTML form converts strings as Django does', async (t) => {
  const { app, sqlite, rows } = await buildTestApp(t)
  sqlite.exec("INSERT INTO authors (name) VALUES ('Ann Leckie')")
  const post = (payload: string) => app.inject({ method: 'POST', url: '/api/books/', headers: { ...SIGNED_IN, ...FORM }, payload })

  let res = await post('title=Ancillary+Justice&pages=386&inPrint=on&authorId=1')
  t.equal(res.statusCode, 201)
  t.same(res.json(), { stat: 'ok', book: { id: 1, title: 'Ancillary Justice', pages: 386, inPrint: true, authorId: 1, links: itemLinks('/api/books/1/') } })
  res = await post('title=%20Provenance%20&pages=&authorId=1')
  t.equal(res.statusCode, 201)
  t.same(res.json().book, { id: 2, title: 'Provenance', pages: null, inPrint: false, authorId: 1, links: itemLinks('/api/books/2/') })
  res = await post('title=&pages=many&inPrint=maybe&authorId=one')
  t.equal(res.statusCode, 400)
  t.same(res.json(), failure(INVALID_FORM_DATA, {
    codes: { title: ['required'], pages: ['invalid'], inPrint: ['invalid'], authorId: ['invalidChoice'] },
    fields: {
      title: ['This field is required.'],
      pages: ['Enter a whole number.'],
      inPrint: ['Enter a valid value.'],
      authorId: ['Select a valid choice. That choice is not one of the available choices.']
    }
  }))
  t.same(rows('books'), [
    { id: 1, title: 'Ancillary Justice', pages: 386, in_print: 1, author_id: 1 },
    { id: 2, title: 'Provenance', pages: null, in_print: 0, author_id: 1 }
  ])
})

t.test('a foreign key pointing nowhere: 400 field error, nothing written', async (t) => {
  const { app, rows } = await buildTestApp(t)
  for (const authorId of [7, -1, '7']) {
    const res = await app.inject({ method: 'POST', url: '/api/books/', headers: SIGNED_IN, payload: { title: 'Orphan', authorId } })
    t.equal(res.statusCode, 400, String(authorId))
    t.same(res.json(), failure(INVALID_FORM_DATA, { codes: { authorId: ['invalidChoice'] }, fields: { authorId: ['Select a valid choice. That choice is not one of the available choices.'] } }))
  }
  t.same(rows('books'), [])
})

for (const method of ['PUT', 'PATCH'] as const) {
  t.test(`${method} on an item changes the fields sent and keeps the others`, async (t) => {
    const { app, sqlite, rows } = await buildTestApp(t)
    sqlite.exec("INSERT INTO authors (name, title, birth_date, secret) VALUES ('Ann Leckie', 'MS', '1966-03-02', 'kept')")
    const res = await app.inject({ method, url: '/api/authors/1/', headers: SIGNED_IN, payload: { title: 'MRS', id: 9, secret: 'changed' } })
    t.equal(res.statusCode, 200)
    const author = { id: 1, name: 'Ann Leckie', title: 'MRS', birthDate: '1966-03-02', secret: 'kept' }
    t.same(res.json(), { stat: 'ok', author: { ...author, links: itemLinks('/api/authors/1/') } })
    t.same(rows('authors'), [{ id: 1, name: 'Ann Leckie', title: 'MRS', birth_date: '1966-03-02', secret: 'kept' }])
    const get = await app.inject({ method: 'GET', url: '/api/authors/1/' })
    t.equal(res.headers.etag, get.headers.etag, 'the answer carries the new ETag')
  })
}

t.test('PUT on an item with an empty body keeps the row', async (t) => {
  const { app, sqlite, rows } = await buildTestApp(t)
  sqlite.exec("INSERT INTO authors (name, title, birth_date) VALUES ('Ann Leckie', 'MS', '1966-03-02')")
  const res = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: SIGNED_IN, payload: {} })
  t.equal(res.statusCode, 200)
  t.same(res.json().author, { ...ANN, links: itemLinks('/api/authors/1/') })
  t.same(rows('authors'), [AUTHOR_ROW])
})

t.test('PUT on an item clears an optional field sent as null or empty', async (t) => {
  const { app, sqlite, rows } = await buildTestApp(t)
  sqlite.exec("INSERT INTO authors (name, title, birth_date) VALUES ('Ann Leckie', 'MS', '1966-03-02')")
  const res = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: SIGNED_IN, payload: { title: null, birthDate: '' } })
  t.equal(res.statusCode, 200)
  t.same(rows('authors'), [{ ...AUTHOR_ROW, title: null, birth_date: null }])
})

t.test('PUT on an item with invalid data: 400 and the row unchanged', async (t) => {
  const { app, sqlite, rows } = await buildTestApp(t)
  sqlite.exec("INSERT INTO authors (name, title, birth_date) VALUES ('Ann Leckie', 'MS', '1966-03-02'), ('Becky Chambers', NULL, NULL)")
  let res = await app.inject({ method: 'PUT', url: '/api/authors/2/', headers: SIGNED_IN, payload: { name: 'Ann Leckie', title: 'DR' } })
  t.equal(res.statusCode, 400)
  t.same(res.json(), failure(INVALID_FORM_DATA, {
    codes: { title: ['invalidChoice'], name: ['unique'] }, fields: { title: ['Select a valid choice. DR is not one of the available choices.'], name: ['Author with this Name already exists.'] }
  }))
  res = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: SIGNED_IN, payload: { name: '' } })
  t.same(res.json(), failure(INVALID_FORM_DATA, { codes: { name: ['required'] }, fields: { name: ['This field is required.'] } }))
  t.same(rows('authors'), [AUTHOR_ROW, { id: 2, name: 'Becky Chambers', title: null, birth_date: null, secret: null }])
})

t.test('PUT on an item keeping its own unique name is no duplicate', async (t) => {
  const { app, sqlite, rows } = await buildTestApp(t)
  sqlite.exec("INSERT INTO authors (name, title, birth_date) VALUES ('Ann Leckie', 'MS', '1966-03-02')")
  const res = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: SIGNED_IN, payload: { name: 'Ann Leckie', title: 'MRS' } })
  t.equal(res.statusCode, 200)
  t.same(rows('authors'), [{ ...AUTHOR_ROW, title: 'MRS' }])
})

t.test('If-Match on PUT and DELETE', async (t) => {
  const { app, sqlite, rows } = await buildTestApp(t)
  sqlite.exec("INSERT INTO authors (name, title, birth_date) VALUES ('Ann Leckie', 'MS', '1966-03-02')")
  const etag = (await app.inject({ method: 'GET', url: '/api/authors/1/' })).headers.etag as string

  t.test('a stale ETag: 412 with the current ETag, nothing written', async (t) => {
    for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
      const res = await app.inject({ method, url: '/api/authors/1/', headers: { ...SIGNED_IN, 'if-match': '"stale"' }, payload: { title: 'MR' } })
      t.equal(res.statusCode, 412, method)
      t.equal(res.headers.etag, etag, method)
      t.same(res.json(), failure(PRECONDITION_FAILED), method)
    }
    t.same(rows('authors'), [AUTHOR_ROW])
  })
  t.test('the current ETag: the update goes through', async (t) => {
    const res = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: { ...SIGNED_IN, 'if-match': etag }, payload: { title: 'MR' } })
    t.equal(res.statusCode, 200)
    t.not(res.headers.etag, etag)
    t.same(rows('authors'), [{ ...AUTHOR_ROW, title: 'MR' }])
    const again = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: { ...SIGNED_IN, 'if-match': etag }, payload: { title: 'MRS' } })
    t.equal(again.statusCode, 412, 'the ETag read before the change is stale now')
    t.equal(again.headers.etag, res.headers.etag)
    t.same(rows('authors'), [{ ...AUTHOR_ROW, title: 'MR' }])
  })
})

t.test('DELETE on an item: 204 with an empty body', async (t) => {
  const { app, sqlite, rows } = await buildTestApp(t)
  sqlite.exec("INSERT INTO authors (name) VALUES ('Ann Leckie'), ('Becky Chambers')")
  const res = await app.inject({ method: 'DELETE', url: '/api/authors/1/', headers: SIGNED_IN })
  t.equal(res.statusCode, 204)
  t.equal(res.body, '')
  t.same(rows('authors'), [{ id: 2, name: 'Becky Chambers', title: null, birth_date: null, secret: null }])
  const gone = await app.inject({ method: 'DELETE', url: '/api/authors/1/', headers: SIGNED_IN })
  t.equal(gone.statusCode, 404)
  t.same(gone.json(), failure(DOES_NOT_EXIST))
})

t.test('DELETE on an item still referred to: 409 ITEM_IN_USE, nothing deleted', async (t) => {
  const { app, sqlite, rows } = await buildTestApp(t)
  sqlite.exec("INSERT INTO authors (name) VALUES ('Ann Leckie'); INSERT INTO books (title, author_id) VALUES ('Ancillary Justice', 1)")
  const res = await app.inject({ method: 'DELETE', url: '/api/authors/1/', headers: SIGNED_IN })
  t.equal(res.statusCode, 409)
  t.same(res.json(), failure(ITEM_IN_USE))
  t.equal(rows('authors').length, 1)
  t.equal(rows('books').length, 1)
})

t.test('a missing row answers 404 before any permission check', async (t) => {
  const { app } = await buildTestApp(t)
  for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
    for (const headers of [{}, SIGNED_IN]) {
      const res = await app.inject({ method, url: '/api/authors/5/', headers, ...(method === 'GET' || method === 'DELETE' ? {} : { payload: { name: 'x' } }) })
      t.equal(res.statusCode, 404, `${method} ${JSON.stringify(headers)}`)
      t.same(res.json(), failure(DOES_NOT_EXIST))
    }
  }
})

t.test('modify and delete are refused by default, as in djblets', async (t) => {
  const plain = defineResource({ name: 'author', table: authors, formClass: AuthorForm })
  const { app, sqlite, rows } = await buildTestApp(t, { resources: [plain] })
  sqlite.exec("INSERT INTO authors (name, title, birth_date) VALUES ('Ann Leckie', 'MS', '1966-03-02')")
  const requests = [
    { method: 'POST', url: '/api/authors/', payload: { name: 'New' } },
    { method: 'PUT', url: '/api/authors/1/', payload: { name: 'New' } },
    { method: 'PATCH', url: '/api/authors/1/', payload: { name: 'New' } },
    { method: 'DELETE', url: '/api/authors/1/' }
  ] as const

  t.test('without request.user: 401 NOT_LOGGED_IN with WWW-Authenticate', async (t) => {
    for (const request of requests) {
      const res = await app.inject(request)
      t.equal(res.statusCode, 401, request.method)
      t.equal(res.headers['www-authenticate'], 'Basic realm="Web API"', request.method)
      t.same(res.json(), failure(NOT_LOGGED_IN), request.method)
    }
  })
  t.test('with request.user: 403 PERMISSION_DENIED without WWW-Authenticate', async (t) => {
    for (const request of requests) {
      const res = await app.inject({ ...request, headers: SIGNED_IN })
      t.equal(res.statusCode, 403, request.method)
      t.notOk('www-authenticate' in res.headers, request.method)
      t.same(res.json(), failure(PERMISSION_DENIED), request.method)
    }
  })
  t.test('reads are allowed', async (t) => {
    t.equal((await app.inject({ method: 'GET', url: '/api/authors/' })).statusCode, 200)
    t.equal((await app.inject({ method: 'GET', url: '/api/authors/1/' })).statusCode, 200)
  })
  t.same(rows('authors'), [AUTHOR_ROW])
})

t.test('access permissions refused on the list and on an item', async (t) => {
  class Private extends AuthorResource {
    hasListAccessPermissions (request: { user?: unknown }): boolean { return request.user != null }
    hasAccessPermissions (request: { user?: { name: string } }, instance: { name: string }): boolean { return request.user?.name === instance.name }
  }
  const { app, sqlite } = await buildTestApp(t, { resources: [new Private()] })
  sqlite.exec("INSERT INTO authors (name) VALUES ('ann')")
  let res = await app.inject({ method: 'GET', url: '/api/authors/' })
  t.equal(res.statusCode, 401)
  t.same(res.json(), failure(NOT_LOGGED_IN))
  res = await app.inject({ method: 'GET', url: '/api/authors/1/' })
  t.equal(res.statusCode, 401)
  res = await app.inject({ method: 'GET', url: '/api/authors/1/', headers: { 'x-user': 'bob' } })
  t.equal(res.statusCode, 403)
  t.same(res.json(), failure(PERMISSION_DENIED))
  t.notOk('etag' in res.headers, 'no ETag leaks for a refused read')
  res = await app.inject({ method: 'GET', url: '/api/authors/1/', headers: { 'x-user': 'ann' } })
  t.equal(res.statusCode, 200)
  res = await app.inject({ method: 'GET', url: '/api/authors/2/', headers: { 'x-user': 'bob' } })
  t.equal(res.statusCode, 404, 'a missing row is 404 even for a reader refused elsewhere')
})

t.test('methods not in allowedMethods: 405 with Allow', async (t) => {
  class ReadOnly extends AuthorResource {
    allowedMethods = ['GET'] as const
  }
  const { app, sqlite, rows } = await buildTestApp(t, { resources: [new ReadOnly()] })
  sqlite.exec("INSERT INTO authors (name, title, birth_date) VALUES ('Ann Leckie', 'MS', '1966-03-02')")
  const requests = [
    { method: 'POST', url: '/api/authors/', allow: 'GET' },
    { method: 'PUT', url: '/api/authors/1/', allow: 'GET' },
    { method: 'PATCH', url: '/api/authors/1/', allow: 'GET' },
    { method: 'DELETE', url: '/api/authors/1/', allow: 'GET' },
    { method: 'POST', url: '/api/authors/1/', allow: 'GET' },
    { method: 'DELETE', url: '/api/authors/', allow: 'GET' }
  ] as const
  for (const { allow, ...request } of requests) {
    const res = await app.inject({ ...request, headers: SIGNED_IN, payload: request.method === 'DELETE' ? undefined : { name: 'x' } })
    t.equal(res.statusCode, 405, `${request.method} ${request.url}`)
    t.equal(res.headers.allow, allow, `${request.method} ${request.url}`)
    t.same(res.json(), failure(METHOD_NOT_ALLOWED))
  }
  const tunnelled = await app.inject({ method: 'POST', url: '/api/authors/1/', headers: { ...SIGNED_IN, ...FORM }, payload: '_method=DELETE' })
  t.equal(tunnelled.statusCode, 405)
  t.equal(tunnelled.headers.allow, 'GET')
  t.same(rows('authors'), [AUTHOR_ROW])

  const item = await app.inject({ method: 'GET', url: '/api/authors/1/' })
  t.same(item.json().author.links, { self: { href: url('/api/authors/1/'), method: 'GET' } }, 'no update or delete link')
  const list = await app.inject({ method: 'GET', url: '/api/authors/' })
  t.same(list.json().links, { self: { href: url('/api/authors/'), method: 'GET' } }, 'no create link')
})

t.test('PUT, PATCH and DELETE on the list URL: 405 with Allow', async (t) => {
  const { app, rows } = await buildTestApp(t)
  for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
    const res = await app.inject({ method, url: '/api/authors/', headers: SIGNED_IN, payload: method === 'DELETE' ? undefined : { name: 'x' } })
    t.equal(res.statusCode, 405, method)
    t.equal(res.headers.allow, 'GET, POST', method)
    t.same(res.json(), failure(METHOD_NOT_ALLOWED), method)
  }
  const post = await app.inject({ method: 'POST', url: '/api/authors/1/', headers: SIGNED_IN, payload: { name: 'x' } })
  t.equal(post.statusCode, 405, 'POST on an item without _method')
  t.equal(post.headers.allow, 'GET, PUT, PATCH, DELETE')
  t.same(rows('authors'), [])
})

t.test('only-fields and only-links trim the item', async (t) => {
  const { app, sqlite } = await buildTestApp(t)
  sqlite.exec("INSERT INTO authors (name, title, birth_date) VALUES ('Ann Leckie', 'MS', '1966-03-02')")
  const get = async (path: string): Promise<any> => {
    const res = await app.inject({ method: 'GET', url: path })
    t.equal(res.statusCode, 200, path)
    return res.json()
  }
  const links = itemLinks('/api/authors/1/')
  t.same((await get('/api/authors/1/?only-fields=name,title')).author, { name: 'Ann Leckie', title: 'MS', links })
  t.same((await get('/api/authors/1/?only-fields=name,unknown')).author, { name: 'Ann Leckie', links })
  t.same((await get('/api/authors/1/?only-links=self,delete')).author, { ...ANN, links: { self: links.self, delete: links.delete } })
  t.same((await get('/api/authors/1/?only-fields=&only-links=')).author, { links: {} }, 'empty values keep nothing')
  t.same((await get('/api/authors/1/?only-fields=')).author, { links })
  t.same((await get('/api/authors/1/?only-links=')).author, { ...ANN, links: {} })
  t.same((await get('/api/authors/1/?only-fields=id&only-links=self')).author, { id: 1, links: { self: links.self } })

  const list = await get('/api/authors/?only-fields=name&only-links=')
  t.same(list.authors, [{ name: 'Ann Leckie', links: {} }])
  t.same(list.links, {
    self: { href: url('/api/authors/?only-fields=name&only-links='), method: 'GET' },
    create: { href: url('/api/authors/'), method: 'POST' }
  }, 'the list\'s own links are not trimmed')
})

t.test('an HTML form POST with _method=PUT or _method=DELETE on an item', async (t) => {
  const { app, sqlite, rows } = await buildTestApp(t)
  sqlite.exec("INSERT INTO authors (name, title, birth_date) VALUES ('Ann Leckie', 'MS', '1966-03-02'), ('Becky Chambers', NULL, NULL)")
  const post = (path: string, payload: string, headers: Record<string, string> = SIGNED_IN) => app.inject({ method: 'POST', url: path, headers: { ...headers, ...FORM }, payload })

  let res = await post('/api/authors/1/', '_method=PUT&title=MRS&id=7')
  t.equal(res.statusCode, 200)
  t.same(res.json(), { stat: 'ok', author: { ...ANN, title: 'MRS', links: itemLinks('/api/authors/1/') } })
  res = await post('/api/authors/1/', '_method=patch&birthDate=')
  t.equal(res.statusCode, 200, 'lower case and PATCH work too')
  t.same(rows('authors')[0], { ...AUTHOR_ROW, title: 'MRS', birth_date: null })

  res = await post('/api/authors/1/', '_method=PUT&title=XX')
  t.equal(res.statusCode, 400)
  t.same(res.json(), failure(INVALID_FORM_DATA, { codes: { title: ['invalidChoice'] }, fields: { title: ['Select a valid choice. XX is not one of the available choices.'] } }))

  res = await post('/api/authors/2/', '_method=DELETE', {})
  t.equal(res.statusCode, 401, 'the tunnelled method gets its own permission check')
  res = await post('/api/authors/2/', '_method=DELETE')
  t.equal(res.statusCode, 204)
  t.equal(res.body, '')
  res = await post('/api/authors/2/', '_method=DELETE')
  t.equal(res.statusCode, 404)

  res = await post('/api/authors/1/', '_method=GET')
  t.equal(res.statusCode, 405)
  t.equal(res.headers.allow, 'GET, PUT, PATCH, DELETE')
  t.same(rows('authors'), [{ ...AUTHOR_ROW, title: 'MRS', birth_date: null }])
})

t.test('_method in a JSON body is dispatched the same way', async (t) => {
  const { app, sqlite, rows } = await buildTestApp(t)
  sqlite.exec("INSERT INTO authors (name) VALUES ('Ann Leckie')")
  const res = await app.inject({ method: 'POST', url: '/api/authors/1/', headers: SIGNED_IN, payload: { _method: 'PUT', title: 'MS' } })
  t.equal(res.statusCode, 200)
  t.same(rows('authors'), [{ id: 1, name: 'Ann Leckie', title: 'MS', birth_date: null, secret: null }])
})

t.test('a resource built with defineResource serves the same routes with its hooks', async (t) => {
  const resource = defineResource({
    name: 'writer',
    uriName: 'people',
    table: authors,
    formClass: AuthorForm,
    parse: { name: (value) => String(value).toUpperCase() },
    hasModifyPermissions: (request) => request.user != null,
    serializeObject: (row) => ({ id: row.id, name: row.name, initials: row.name.split(' ').map((w) => w[0]).join('') })
  })
  t.ok(resource instanceof FormResource)
  const { app, rows } = await buildTestApp(t, { resources: [resource] })
  const res = await app.inject({ method: 'POST', url: '/api/people/', headers: SIGNED_IN, payload: { name: 'ann leckie' } })
  t.equal(res.statusCode, 201)
  t.equal(res.headers.location, url('/api/people/1/'))
  const links = itemLinks('/api/people/1/')
  t.same(res.json(), { stat: 'ok', writer: { id: 1, name: 'ANN LECKIE', initials: 'AL', links } })
  const list = await app.inject({ method: 'GET', url: '/api/people/' })
  t.same(list.json().writers, [{ id: 1, name: 'ANN LECKIE', initials: 'AL', links }])
  t.same(rows('authors'), [{ id: 1, name: 'ANN LECKIE', title: null, birth_date: null, secret: null }])
  const del = await app.inject({ method: 'DELETE', url: '/api/people/1/', headers: SIGNED_IN })
  t.equal(del.statusCode, 403, 'delete keeps the default refusal')
})

t.test('PUT on an item deleted between reading and saving: 404 DOES_NOT_EXIST', async (t) => {
  let deleteFirst = (): void => {}
  class Racing extends AuthorResource {
    hasModifyPermissions (): boolean {
      deleteFirst()
      return true
    }
  }
  const { app, sqlite, rows } = await buildTestApp(t, { resources: [new Racing()] })
  sqlite.exec("INSERT INTO authors (name) VALUES ('Ann Leckie')")
  deleteFirst = () => { sqlite.exec('DELETE FROM authors') }
  const res = await app.inject({ method: 'PUT', url: '/api/authors/1/', payload: { title: 'MS' } })
  t.equal(res.statusCode, 404)
  t.same(res.json(), failure(DOES_NOT_EXIST))
  t.same(rows('authors'), [])
})

t.test('POST and PUT refused by the database for another reason than a constraint: 500 in the envelope, nothing written', async (t) => {
  const { app, sqlite, rows } = await buildTestApp(t)
  sqlite.exec(`INSERT INTO authors (name) VALUES ('Ann Leckie');
    CREATE TRIGGER no_insert BEFORE INSERT ON authors BEGIN SELECT RAISE(ABORT, 'closed for new authors'); END;
    CREATE TRIGGER no_update BEFORE UPDATE ON authors BEGIN SELECT RAISE(ABORT, 'closed for changes'); END;`)
  const SERVER_FAILURE = { stat: 'fail', err: { code: 205, msg: 'The server could not complete the request', type: 'server-error' } }
  const created = await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { name: 'Martha Wells' } })
  t.equal(created.statusCode, 500)
  t.same(created.json(), SERVER_FAILURE)
  const changed = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: SIGNED_IN, payload: { title: 'MS' } })
  t.equal(changed.statusCode, 500)
  t.same(changed.json(), SERVER_FAILURE)
  t.notMatch(changed.body, /closed/, 'the cause stays in the log')
  t.same(rows('authors'), [{ id: 1, name: 'Ann Leckie', title: null, birth_date: null, secret: null }])
})

t.test('DELETE refused by the database for another reason than a reference: 500 in the envelope, nothing deleted', async (t) => {
  const { app, sqlite, rows } = await buildTestApp(t)
  sqlite.exec(`INSERT INTO authors (name) VALUES ('Ann Leckie');
    CREATE TRIGGER keep_authors BEFORE DELETE ON authors BEGIN SELECT RAISE(ABORT, 'authors are kept'); END;`)
  const res = await app.inject({ method: 'DELETE', url: '/api/authors/1/', headers: SIGNED_IN })
  t.equal(res.statusCode, 500)
  t.same(res.json(), { stat: 'fail', err: { code: 205, msg: 'The server could not complete the request', type: 'server-error' } })
  t.notMatch(res.body, /authors are kept/, 'the cause stays in the log')
  t.equal(rows('authors').length, 1)
})

t.test('steps may answer with any thenable, or at once: permission checks, getObject and handleFormRequest', async (t) => {
  // a thenable that is not a Promise, as another promise library would give
  const later = <T>(value: T): PromiseLike<T> => ({ then: (resolve: any) => Promise.resolve(value).then(resolve) }) as PromiseLike<T>
  let allow = true
  class Thenables extends AuthorResource {
    hasModifyPermissions (): any { return later(allow) }
    hasAccessPermissions (): any { return later(allow) }
    getObject (id: unknown): any { return id === 1 ? later({ ...ANN, title: null, birthDate: null }) : later(undefined) }
  }
  class AtOnce extends AuthorResource {
    name = 'writer'
    // a step that answers at once, though its type says promise
    getObject (id: unknown): any { return id === 1 ? { ...ANN, title: null, birthDate: null } : undefined }
    handleFormRequest (args: any): any { return later([200, { writer: { ...args.instance, ...args.data } }]) }
  }
  const { app, sqlite } = await buildTestApp(t, { resources: [new Thenables(), new AtOnce()] })
  sqlite.exec("INSERT INTO authors (name) VALUES ('Ann Leckie')")
  const put = async (path: string): Promise<{ statusCode: number, json: () => any }> => await app.inject({ method: 'PUT', url: path, headers: SIGNED_IN, payload: { title: 'MS' } })

  let res = await put('/api/authors/1/')
  t.equal(res.statusCode, 200)
  t.equal(res.json().author.title, 'MS')
  t.equal((await put('/api/authors/2/')).statusCode, 404)
  allow = false
  res = await put('/api/authors/1/')
  t.equal(res.statusCode, 403, 'a thenable giving false refuses')
  t.same(res.json(), failure(PERMISSION_DENIED))
  t.equal((await app.inject({ method: 'GET', url: '/api/authors/1/', headers: SIGNED_IN })).statusCode, 403)
  t.equal((await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { name: 'Martha Wells' } })).statusCode, 403)
  t.same(sqlite.prepare('SELECT name, title FROM authors').all(), [{ name: 'Ann Leckie', title: 'MS' }], 'nothing written after the refusals')

  res = await app.inject({ method: 'PUT', url: '/api/writers/1/', headers: SIGNED_IN, payload: { name: 'Ann' } })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { stat: 'ok', writer: { id: 1, name: 'Ann' } })
})
