// Plain HTML forms: a checkbox's hidden false, _method only at item URLs, the 401's WWW-Authenticate, and 303 See Other after a success.
import t, { type Test } from 'tap'
import { METHOD_NOT_ALLOWED, NOT_LOGGED_IN } from 'fastify-form-resources'
import { AuthorResource, BookResource, buildTestApp, failure, FORM, SIGNED_IN, url } from './helpers/app.ts'
import { multipart } from './helpers/files.ts'

const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }

/** A test app with one author and one book (in print: false). */
async function withBook (t: Test, options = {}) {
  const built = await buildTestApp(t, options)
  built.sqlite.exec("INSERT INTO authors (name) VALUES ('Ann'); INSERT INTO books (title, author_id) VALUES ('Dune', 1)")
  const inPrint = (): unknown => (built.sqlite.prepare('SELECT in_print FROM books WHERE id = 1').get() as { in_print: number }).in_print
  return { ...built, inPrint }
}

t.test('a boolean sent twice in a form body takes the last value: the hidden false before a checkbox', async (t) => {
  const { app, inPrint } = await withBook(t)
  const patch = async (payload: string) => await app.inject({ method: 'PATCH', url: '/api/books/1/', headers: { ...SIGNED_IN, ...FORM }, payload })
  let res = await patch('inPrint=false&inPrint=on')
  t.equal(res.statusCode, 200)
  t.equal(res.json().book.inPrint, true, 'ticked: the hidden false, then the checkbox')
  t.equal(inPrint(), 1)
  res = await patch('title=Dune+Messiah')
  t.equal(res.json().book.inPrint, true, 'absent keeps the value (djblets\' partial updates)')
  res = await patch('inPrint=false')
  t.equal(res.json().book.inPrint, false, 'unticked: only the hidden false')
  t.equal(inPrint(), 0)
  res = await patch('inPrint=on&inPrint=false')
  t.equal(res.json().book.inPrint, false, 'the last value, whatever the order')
  const body = await multipart({ inPrint: ['false', 'on'] })
  res = await app.inject({ method: 'PATCH', url: '/api/books/1/', headers: { ...SIGNED_IN, ...body.headers }, payload: body.payload })
  t.equal(res.json().book.inPrint, true, 'in a multipart body too')
  t.equal(inPrint(), 1)
})

t.test('the boolean exception is exact: a JSON list is no boolean, a repeated text field is still refused', async (t) => {
  const { app, inPrint } = await withBook(t)
  for (const payload of [{ inPrint: [false, true] }, { inPrint: ['false', 'on'] }, { inPrint: [] }]) {
    const res = await app.inject({ method: 'PATCH', url: '/api/books/1/', headers: SIGNED_IN, payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.strictSame(res.json().fields, { inPrint: ['Enter a valid value.'] }, JSON.stringify(payload))
  }
  const repeated = await app.inject({ method: 'PATCH', url: '/api/books/1/', headers: { ...SIGNED_IN, ...FORM }, payload: 'title=a&title=b&pages=1&pages=2' })
  t.strictSame(repeated.json().fields, { title: ['Enter a valid value.'], pages: ['Enter a whole number.'] }, 'a list where a scalar belongs')
  const strange = await app.inject({ method: 'PATCH', url: '/api/books/1/', headers: { ...SIGNED_IN, ...FORM }, payload: 'inPrint=false&inPrint=maybe' })
  t.strictSame(strange.json().fields, { inPrint: ['Enter a valid value.'] }, 'the last value is still checked')
  t.equal(inPrint(), 0)
})

t.test('_method at a list URL is refused with 405 and Allow; nothing is written', async (t) => {
  const { app, rows } = await withBook(t)
  for (const [payload, headers] of [['_method=PUT&name=Bob', FORM], ['_method=DELETE', FORM], ['_method=POST&name=Bob', FORM], [{ _method: 'PATCH', name: 'Bob' }, {}]] as const) {
    const res = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...headers }, payload })
    t.equal(res.statusCode, 405, JSON.stringify(payload))
    t.equal(res.headers.allow, 'GET, POST')
    t.strictSame(res.json(), failure(METHOD_NOT_ALLOWED))
  }
  t.equal(rows('authors').length, 1)
  const item = await app.inject({ method: 'POST', url: '/api/authors/1/', headers: { ...SIGNED_IN, ...FORM }, payload: '_method=PUT&name=Bob' })
  t.equal(item.statusCode, 200, 'at an item URL it tunnels')
})

t.test('authenticate: djblets\' Basic challenge by default, another one, or none', async (t) => {
  const attempt = async (options: object): Promise<{ status: number, header: unknown, body: unknown }> => {
    const { app } = await buildTestApp(t, { options })
    const res = await app.inject({ method: 'POST', url: '/api/authors/', payload: { name: 'Ann' } })
    return { status: res.statusCode, header: res.headers['www-authenticate'], body: res.json() }
  }
  t.strictSame(await attempt({}), { status: 401, header: 'Basic realm="Web API"', body: failure(NOT_LOGGED_IN) })
  t.strictSame(await attempt({ authenticate: 'Bearer realm="api"' }), { status: 401, header: 'Bearer realm="api"', body: failure(NOT_LOGGED_IN) })
  t.strictSame(await attempt({ authenticate: false }), { status: 401, header: undefined, body: failure(NOT_LOGGED_IN) }, 'no header: a browser shows no password dialog')
  for (const authenticate of ['', 42, true]) {
    await t.rejects(buildTestApp(t, { options: { authenticate } as object }), { code: 'FFR_ERR_AUTHENTICATE' })
  }
})

t.test('a request that asks for HTML and succeeds is answered 303 See Other to the item; every other request JSON', async (t) => {
  const { app, rows } = await withBook(t)
  const create = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...FORM, ...BROWSER }, payload: 'name=Bob' })
  t.equal(create.statusCode, 303)
  t.equal(create.headers.location, url('/api/authors/2/'))
  t.equal(create.body, '')
  t.equal(rows('authors').length, 2)
  const update = await app.inject({ method: 'POST', url: '/api/authors/2/', headers: { ...SIGNED_IN, ...FORM, accept: 'text/html' }, payload: '_method=PUT&name=Bobby' })
  t.equal(update.statusCode, 303)
  t.equal(update.headers.location, url('/api/authors/2/'))
  const remove = await app.inject({ method: 'POST', url: '/api/authors/2/', headers: { ...SIGNED_IN, ...FORM, ...BROWSER }, payload: '_method=DELETE' })
  t.equal(remove.statusCode, 303)
  t.equal(remove.headers.location, url('/api/authors/'), 'after a delete, the list')
  t.equal(rows('authors').length, 1)

  const json: Array<[string, Record<string, string>]> = [
    ['the browser helper (X-Requested-With)', { ...BROWSER, 'x-requested-with': 'fetch' }],
    ['XMLHttpRequest', { ...BROWSER, 'x-requested-with': 'XMLHttpRequest' }],
    ['JSON first', { accept: 'application/json, text/html' }],
    ['anything', { accept: '*/*' }],
    ['no Accept', {}],
    ['text/htmlx is no HTML', { accept: 'text/htmlx' }]
  ]
  for (const [what, headers] of json) {
    const res = await app.inject({ method: 'PATCH', url: '/api/authors/1/', headers: { ...SIGNED_IN, ...FORM, ...headers }, payload: 'title=MS' })
    t.equal(res.statusCode, 200, what)
    t.equal(res.json().author.title, 'MS', what)
  }
  const invalid = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...FORM, ...BROWSER }, payload: 'name=' })
  t.equal(invalid.statusCode, 400, 'a failure is JSON, for the page to show')
  t.strictSame(invalid.json().fields, { name: ['This field is required.'] })
  const refused = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...FORM, ...BROWSER }, payload: 'name=Eve' })
  t.equal(refused.statusCode, 401)
})

t.test('successUrl: a URL with the row\'s values, or a function of the row', async (t) => {
  class Authors extends AuthorResource { successUrl = '/authors/{id}/?name={name}&missing={nope}' }
  class Books extends BookResource {
    successUrl = (row: { id: number, title: string }, { action, request }: { action: string, request: { url: string } }): string => `/books/${action}/${row.id}?from=${encodeURIComponent(request.url)}`
  }
  const { app } = await buildTestApp(t, { resources: [new Authors(), new Books()] })
  const author = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...FORM, ...BROWSER }, payload: 'name=Ann+L%C3%A9ckie' })
  t.equal(author.headers.location, '/authors/1/?name=Ann%20L%C3%A9ckie&missing={nope}')
  const book = await app.inject({ method: 'POST', url: '/api/books/', headers: { ...SIGNED_IN, ...FORM, ...BROWSER }, payload: 'title=Dune&authorId=1' })
  t.equal(book.headers.location, '/books/create/1?from=%2Fapi%2Fbooks%2F')
  const removed = await app.inject({ method: 'DELETE', url: '/api/books/1/', headers: { ...SIGNED_IN, ...BROWSER } })
  t.equal(removed.headers.location, '/books/delete/1?from=%2Fapi%2Fbooks%2F1%2F')
  class Broken extends AuthorResource { successUrl = 42 as never }
  await t.rejects(buildTestApp(t, { resources: [new Broken()] }), { code: 'FFR_ERR_SUCCESS_URL' })
})
