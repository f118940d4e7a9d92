/**
 * The browser helper (`fastify-form-resources/browser`) in Debian's Chromium, driven by
 * playwright-core, against the plugin on a real port; and the route that serves it.
 */
import { existsSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { chromium, type Browser, type Page } from 'playwright-core'
import formResources, { modelForm, ValidationError, type FormResourcesOptions } from 'fastify-form-resources'
import { registerBrowserRoute } from '../dist/browser-route.js'
import { Author, AuthorResource, BookResource, openDb, signInFromHeader } from './helpers/app.ts'

const CHROMIUM = '/usr/bin/chromium'
const MODULE = readFileSync(new URL('../dist/browser/index.js', import.meta.url), 'utf8')

/** A request the server got: method, URL, the headers the helper sets, the parsed body. */
interface Seen {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  body?: unknown
}

/** An event the page recorded: its type and what its detail says. */
interface Recorded {
  type: string
  status: number | null
  fields: Record<string, string[]> | null
  data: unknown
  error: string | null
}

interface Site {
  app: FastifyInstance
  base: string
  seen: Seen[]
  rows (table: 'authors' | 'books'): unknown[]
  sqlite: ReturnType<typeof openDb>['sqlite']
}

/**
 * Starts the plugin under `/api` over a fresh database on 127.0.0.1, the helper at
 * `/assets/_ffr/browser.js`, and `/page/<n>` serving `pages[n]` (a form and the options the
 * page enhances it with). Every request under `/api/` and `/echo/` is recorded in `seen`.
 */
async function startSite (t: Test, {
  pages,
  resources,
  routes
}: { pages: Array<{ form: string, options?: Record<string, unknown> }>, resources?: FormResourcesOptions['resources'], routes?: (app: FastifyInstance) => void }): Promise<Site> {
  const { sqlite, db } = openDb()
  const app = Fastify()
  t.teardown(async () => {
    await app.close()
    sqlite.close()
  })
  signInFromHeader(app)
  routes?.(app)
  const seen: Seen[] = []
  app.addHook('preHandler', async (request) => {
    if (!request.url.startsWith('/api/') && !request.url.startsWith('/echo/')) return
    const { accept, 'x-requested-with': requestedWith, 'x-csrf-token': csrf, 'content-type': contentType } = request.headers
    seen.push({ method: request.method, url: request.url, headers: { accept, 'x-requested-with': requestedWith, 'x-csrf-token': csrf, 'content-type': contentType }, body: request.body })
  })
  await app.register(formResources, { db, prefix: '/api', resources: resources ?? [new AuthorResource(), new BookResource()] })
  await app.register(async (assets) => registerBrowserRoute(assets), { prefix: '/assets' })
  app.get('/page/:n', async (request, reply) => {
    const { form, options = {} } = pages[Number((request.params as { n: string }).n)]
    reply.type('text/html; charset=utf-8').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="csrf-token" content="tok-123"><title>Form</title></head>
<body>${form}
<script type="module">
import * as ffr from '/assets/_ffr/browser.js'
window.ffr = ffr
window.events = []
for (const type of ['ffr:success', 'ffr:invalid', 'ffr:error']) {
  document.addEventListener(type, (event) => {
    const { response, data, fields, error } = event.detail
    window.events.push({ type, status: response ? response.status : null, fields: fields ?? null, data: data ?? null, error: error ? String(error) : null })
    if (window.cancel === type) event.preventDefault()
  })
}
for (const form of document.forms) ffr.enhanceForm(form, ${JSON.stringify({ csrfHeader: 'x-csrf-token', invalidClass: 'is-invalid', ...options })})
window.ready = true
</script></body></html>`)
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address() as { port: number }
  const rows = (table: 'authors' | 'books'): unknown[] => sqlite.prepare(`SELECT * FROM ${table} ORDER BY id`).all()
  return { app, base: `http://127.0.0.1:${address.port}`, seen, rows, sqlite }
}

let browser: Browser | undefined
t.teardown(async () => await browser?.close())

/** A fresh browser context and page signed in as `ann`, at `/page/<n>` once the module ran. */
async function open (t: Test, site: Site, n = 0): Promise<Page> {
  // playwright gives the browser a fresh temporary profile (its --user-data-dir) and removes it on close
  if (browser === undefined) {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
    })
  }
  const context = await browser.newContext({ extraHTTPHeaders: { 'x-user': 'ann' } })
  t.teardown(() => context.close())
  const page = await context.newPage()
  page.on('pageerror', (error) => t.fail(`the page threw: ${error.message}`))
  await page.goto(`${site.base}/page/${n}`)
  await page.waitForFunction('window.ready === true')
  return page
}

/** The events the page recorded, once there are `count` of them. */
async function eventsOf (page: Page, count: number): Promise<Recorded[]> {
  await page.waitForFunction(`window.events.length >= ${count}`)
  return await page.evaluate('window.events') as Recorded[]
}

/** What the helper did to the input(s) named `name` and where their messages went. */
async function fieldState (page: Page, name: string): Promise<Record<string, unknown>> {
  return await page.evaluate((name) => {
    const doc = (globalThis as any).document
    const form = doc.forms[0]
    const found = form.elements.namedItem(name)
    const control = found !== null && 'length' in found && found.tagName !== 'SELECT' ? found[0] : found
    const messages = [...form.querySelectorAll(`[data-ffr-error="${name}"]`)]
    return {
      ariaInvalid: control.getAttribute('aria-invalid'),
      describedBy: control.getAttribute('aria-describedby'),
      validationMessage: control.validationMessage,
      className: control.className,
      messages: messages.map((m: any) => m.textContent),
      messageIds: messages.map((m: any) => m.id).join(' '),
      messageTags: messages.map((m: any) => `${m.tagName.toLowerCase()}.${m.className}`),
      after: messages.length === 0 ? null : messages[0].previousElementSibling?.getAttribute('data-at')
    }
  }, name)
}

const activeName = async (page: Page): Promise<string | null> => await page.evaluate('document.activeElement.getAttribute("name") ?? document.activeElement.getAttribute("data-ffr-summary") ?? document.activeElement.tagName')

/** The summary's state: where it is, whether it shows, its role and its messages. */
async function summaryState (page: Page): Promise<Record<string, unknown>> {
  return await page.evaluate(() => {
    const form = (globalThis as any).document.forms[0]
    const all = form.querySelectorAll('[data-ffr-summary]')
    const summary = all[0]
    if (summary === undefined) return { count: 0 }
    return {
      count: all.length,
      first: form.firstElementChild === summary,
      hidden: summary.hidden,
      role: summary.getAttribute('role'),
      tag: summary.tagName.toLowerCase(),
      messages: [...summary.querySelectorAll('.ffr-error')].map((m: any) => m.textContent),
      text: summary.textContent.trim()
    }
  })
}

const AUTHOR_FORM = `<form action="/api/authors/" method="post">
  <label for="name">Name</label>
  <input id="name" name="name" aria-describedby="name-help" data-at="name">
  <p id="name-help">Full name</p>
  <label data-at="title">Title <select name="title"><option value="">---</option><option>MR</option><option>MRS</option><option>MS</option><option>XX</option></select></label>
  <label for="birthDate">Born</label> <input id="birthDate" name="birthDate" type="date" data-at="birthDate">
  <button type="submit">Save</button>
</form>`

const noChromium = existsSync(CHROMIUM) ? false : 'chromium is not installed: apt-get install -y chromium'

t.test('registerBrowserRoute serves the built module with a strong ETag', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(async (child) => registerBrowserRoute(child), { prefix: '/api' })
  const res = await app.inject({ method: 'GET', url: '/api/_ffr/browser.js' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/javascript; charset=utf-8')
  t.equal(res.headers['cache-control'], 'public, no-cache')
  t.match(res.headers.etag, /^"[\w-]+"$/)
  t.equal(res.body, MODULE)
  const etag = res.headers.etag as string
  for (const header of [etag, `W/${etag}`, `"other", ${etag}`]) {
    const cached = await app.inject({ method: 'GET', url: '/api/_ffr/browser.js', headers: { 'if-none-match': header } })
    t.equal(cached.statusCode, 304, header)
    t.equal(cached.body, '', header)
    t.equal(cached.headers.etag, etag, header)
  }
  const stale = await app.inject({ method: 'GET', url: '/api/_ffr/browser.js', headers: { 'if-none-match': '"old"' } })
  t.equal(stale.statusCode, 200)
  const head = await app.inject({ method: 'HEAD', url: '/api/_ffr/browser.js' })
  t.equal(head.statusCode, 200)
  t.equal(head.headers['content-type'], 'text/javascript; charset=utf-8')
  t.equal((await app.inject({ method: 'GET', url: '/_ffr/browser.js' })).statusCode, 404, 'only under the context\'s prefix')
})

t.test('registerBrowserRoute before the module is built throws, naming the fix', async (t) => {
  const missing = Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' })
  const route = await t.mockImport<typeof import('../dist/browser-route.js')>('../dist/browser-route.js', {
    'node:fs': { readFileSync: () => { throw missing } }
  })
  const app = Fastify()
  t.teardown(() => app.close())
  t.throws(() => route.registerBrowserRoute(app), {
    code: 'FFR_ERR_BROWSER_NOT_BUILT',
    message: /the browser helper is not built \(.*\/dist\/browser\/index\.js is missing\); run `npm run build`, or register the plugin with `browser: false`\./,
    cause: missing
  })
})

t.test('an invalid create, then a duplicate, then a valid one', { skip: noChromium }, async (t) => {
  const site = await startSite(t, { pages: [{ form: AUTHOR_FORM }] })
  site.sqlite.exec("INSERT INTO authors (name) VALUES ('Ann Leckie')")
  const page = await open(t, site)
  await page.selectOption('select[name=title]', 'XX')
  await page.click('button[type=submit]')
  const [invalid] = await eventsOf(page, 1)
  const required = 'This field is required.'
  const badChoice = 'Select a valid choice. XX is not one of the available choices.'
  t.same(invalid, { type: 'ffr:invalid', status: 400, fields: { name: [required], title: [badChoice] }, data: invalid.data, error: null })
  t.same((invalid.data as { err: unknown }).err, { code: 105, msg: 'One or more fields had errors', type: 'request-field-error' })
  t.same(site.seen, [{
    method: 'POST',
    url: '/api/authors/',
    headers: { accept: 'application/json', 'x-requested-with': 'fetch', 'x-csrf-token': 'tok-123', 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
    body: { name: '', title: 'XX', birthDate: '' }
  }])

  const name = await fieldState(page, 'name')
  t.same(name, {
    ariaInvalid: 'true',
    describedBy: `name-help ${name.messageIds as string}`,
    validationMessage: required,
    className: 'is-invalid',
    messages: [required],
    messageIds: name.messageIds,
    messageTags: ['p.ffr-error'],
    after: 'name'
  }, 'the message right after the input, the help text still described')
  t.match(name.messageIds, /^ffr-error-\d+$/)
  const title = await fieldState(page, 'title')
  t.same(title, {
    ariaInvalid: 'true',
    describedBy: title.messageIds,
    validationMessage: badChoice,
    className: 'is-invalid',
    messages: [badChoice],
    messageIds: title.messageIds,
    messageTags: ['p.ffr-error'],
    after: 'title'
  }, 'after the label that wraps the select')
  t.same(await fieldState(page, 'birthDate'), { ariaInvalid: null, describedBy: null, validationMessage: '', className: '', messages: [], messageIds: '', messageTags: [], after: null })
  t.equal(await activeName(page), 'name', 'the first invalid input has the focus')
  t.same(await summaryState(page), { count: 0 }, 'no summary without form-wide errors')

  await page.fill('#name', 'Ann Leckie')
  t.equal((await fieldState(page, 'name')).validationMessage, '', 'typing clears the custom validity')
  t.equal((await fieldState(page, 'title')).validationMessage, badChoice, 'of that field only')
  await page.selectOption('select[name=title]', 'MS')
  await page.click('button[type=submit]')
  const [, duplicate] = await eventsOf(page, 2)
  t.same(duplicate.fields, { name: ['Author with this Name already exists.'] })
  const again = await fieldState(page, 'name')
  t.same(again.messages, ['Author with this Name already exists.'], 'the earlier message is gone')
  t.equal(again.describedBy, `name-help ${again.messageIds as string}`, 'only the new message is described')
  t.same(await fieldState(page, 'title'), { ariaInvalid: null, describedBy: null, validationMessage: '', className: '', messages: [], messageIds: '', messageTags: [], after: null }, 'the fixed field is cleared')

  await page.fill('#name', 'Ada Lovelace')
  await page.fill('#birthDate', '1815-12-10')
  await page.click('button[type=submit]')
  const [,, success] = await eventsOf(page, 3)
  t.equal(success.type, 'ffr:success')
  t.equal(success.status, 201)
  t.same((success.data as { author: unknown }).author, { id: 2, name: 'Ada Lovelace', title: 'MS', birthDate: '1815-12-10', secret: null, links: (success.data as any).author.links })
  t.same(await fieldState(page, 'name'), { ariaInvalid: null, describedBy: 'name-help', validationMessage: '', className: '', messages: [], messageIds: '', messageTags: [], after: null })
  t.same(site.rows('authors'), [
    { id: 1, name: 'Ann Leckie', title: null, birth_date: null, secret: null },
    { id: 2, name: 'Ada Lovelace', title: 'MS', birth_date: '1815-12-10', secret: null }
  ])
  t.equal(site.seen.length, 3)
})

t.test('form-wide errors and errors of names with no input go to the alert summary', { skip: noChromium }, async (t) => {
  class TitledResource extends AuthorResource {
    formClass = modelForm(Author, {
      fields: ['name', 'title', 'birthDate'],
      cleanForm: () => { throw new ValidationError('Authors need a title.') }
    })
  }
  const form = (summary: string): string => `<form action="/api/authors/" method="post">${summary}
    <input name="name" value="Ann"><input type="hidden" name="title" value="XX"><button>Save</button></form>`
  const site = await startSite(t, {
    resources: [new TitledResource()],
    pages: [{ form: form('') }, { form: form('<p>Before</p><section data-ffr-summary hidden><h2>Please fix</h2></section>') }]
  })
  const badChoice = 'Select a valid choice. XX is not one of the available choices.'

  t.test('a summary made at the top of the form, focused', async (t) => {
    const page = await open(t, site, 0)
    await page.click('button')
    const [invalid] = await eventsOf(page, 1)
    t.same(invalid.fields, { title: [badChoice], __all__: ['Authors need a title.'] })
    t.same(await summaryState(page), { count: 1, first: true, hidden: false, role: 'alert', tag: 'div', messages: [`title: ${badChoice}`, 'Authors need a title.'], text: `title: ${badChoice}Authors need a title.` })
    t.equal(await activeName(page), '', 'the summary has the focus when no input is invalid')
    t.equal(await page.getAttribute('[data-ffr-summary]', 'tabindex'), '-1')
    t.equal(await page.getAttribute('input[name=name]', 'aria-invalid'), null)

    await page.evaluate('window.cancel = "ffr:invalid"')
    await page.click('button')
    await eventsOf(page, 2)
    t.same(await summaryState(page), { count: 1, first: true, hidden: true, role: 'alert', tag: 'div', messages: [], text: '' }, 'cleared before the submit; a cancelled ffr:invalid paints nothing')
  })
  t.test('the page\'s own [data-ffr-summary] is used', async (t) => {
    const page = await open(t, site, 1)
    await page.click('button')
    await eventsOf(page, 1)
    t.same(await summaryState(page), { count: 1, first: false, hidden: false, role: 'alert', tag: 'section', messages: [`title: ${badChoice}`, 'Authors need a title.'], text: `Please fixtitle: ${badChoice}Authors need a title.` })
  })
})

t.test('formset names, groups and [data-ffr-errors-for] containers with applyErrors', { skip: noChromium }, async (t) => {
  const site = await startSite(t, {
    pages: [{
      form: `<form action="/api/books/" method="post">
        <input name="books-0-title" data-at="b0"><input name="books-1-title" data-at="b1">
        <fieldset><label><input type="radio" name="kind" value="a"> A</label><label data-at="kind"><input type="radio" name="kind" value="b"> B</label></fieldset>
        <input name="pages"><div data-ffr-errors-for="pages"><span data-at="pages-box">Pages</span></div>
      </form>`
    }]
  })
  const page = await open(t, site)
  await page.evaluate(() => {
    const { document, ffr } = globalThis as any
    ffr.applyErrors(document.forms[0], {
      fields: {
        'books-1-title': ['This field is required.', 'Second.'],
        'books-3-__all__': ['Please correct the duplicate values below.'],
        kind: ['Pick one.'],
        pages: ['Enter a whole number.']
      }
    }, { invalidClass: 'bad' })
  })
  const title = await fieldState(page, 'books-1-title')
  t.same(title.messages, ['This field is required.', 'Second.'], 'every message')
  t.equal(title.after, 'b1')
  t.equal(title.describedBy, title.messageIds)
  t.equal(title.validationMessage, 'This field is required.', 'the first message is the validity message')
  t.equal((await fieldState(page, 'books-0-title')).ariaInvalid, null)
  const kind = await fieldState(page, 'kind')
  t.equal(kind.after, 'kind', 'a group\'s messages go after its last input\'s label')
  t.same(await page.$$eval('input[name=kind]', (radios: any[]) => radios.map((r) => [r.getAttribute('aria-invalid'), r.className, r.validationMessage])), [['true', 'bad', 'Pick one.'], ['true', 'bad', 'Pick one.']])
  const pages = await fieldState(page, 'pages')
  t.equal(pages.after, 'pages-box', 'inside the page\'s container')
  t.equal(pages.ariaInvalid, 'true')
  t.same((await summaryState(page)).messages, ['Please correct the duplicate values below.'])
  t.equal(await activeName(page), 'books-1-title', 'the first invalid input in document order')

  await page.check('input[name=kind][value=a]')
  t.same(await page.$$eval('input[name=kind]', (radios: any[]) => radios.map((r) => r.validationMessage)), ['', ''], 'a change of the group clears its validity')
  await page.evaluate(() => {
    const { document, ffr } = globalThis as any
    ffr.clearErrors(document.forms[0], { only: ['kind'] })
  })
  t.equal((await fieldState(page, 'kind')).ariaInvalid, null, 'clearErrors with only clears those names')
  t.same((await fieldState(page, 'pages')).messages, ['Enter a whole number.'], 'and keeps the others')
  await page.evaluate(() => {
    const { document, ffr } = globalThis as any
    ffr.clearErrors(document.forms[0])
  })
  t.equal(await page.locator('[data-ffr-error]').count(), 0)
  t.equal(await page.locator('[aria-invalid], [data-ffr-invalid], .bad').count(), 0)
  t.equal((await summaryState(page)).hidden, true)
})

t.test('a PUT through _method updates the row; an unticked checkbox sends false', { skip: noChromium }, async (t) => {
  const site = await startSite(t, {
    pages: [{
      form: `<form action="/api/books/1/" method="post">
        <input type="hidden" name="_method" value="PUT">
        <input name="title" value="Dune"><input name="pages" value="412">
        <label><input type="checkbox" name="inPrint"> In print</label>
        <input type="hidden" name="authorId" value="1"><input type="file" name="cover">
        <button>Save</button></form>`
    }]
  })
  site.sqlite.exec("INSERT INTO authors (name) VALUES ('Frank Herbert'); INSERT INTO books (title, pages, in_print, author_id) VALUES ('Dune (draft)', 400, 1, 1)")
  const page = await open(t, site)
  await page.click('button')
  const [updated] = await eventsOf(page, 1)
  t.equal(updated.type, 'ffr:success')
  t.equal(updated.status, 200)
  t.same(site.seen.map(({ method, url, body }) => ({ method, url, body })), [
    { method: 'PUT', url: '/api/books/1/', body: { _method: 'PUT', title: 'Dune', pages: '412', authorId: '1', cover: '', inPrint: 'false' } }
  ])
  t.same(site.rows('books'), [{ id: 1, title: 'Dune', pages: 412, in_print: 0, author_id: 1 }])

  await page.check('input[name=inPrint]')
  await page.click('button')
  await eventsOf(page, 2)
  t.same(site.seen[1].body, { _method: 'PUT', title: 'Dune', pages: '412', inPrint: 'on', authorId: '1', cover: '' })
  t.same(site.rows('books'), [{ id: 1, title: 'Dune', pages: 412, in_print: 1, author_id: 1 }])
})

t.test('a chosen file is sent as multipart; onSuccess follow goes to the Location', { skip: noChromium }, async (t) => {
  let received: { type: string | undefined, body: string } | undefined
  const site = await startSite(t, {
    pages: [{
      form: `<form action="/echo/" method="post"><input name="title" value="Dune"><input type="checkbox" name="inPrint">
        <select name="tags" multiple><option>1</option><option>2</option></select>
        <input type="file" name="cover"><button>Send</button></form>`,
      options: { onSuccess: 'follow' }
    }],
    routes (app) {
      app.register(async (echo) => {
        echo.addContentTypeParser('multipart/form-data', { parseAs: 'string' }, (_request, body, done) => done(null, body))
        echo.post('/echo/', async (request, reply) => {
          received = { type: request.headers['content-type'], body: request.body as string }
          reply.code(201).header('location', '/done').send({ stat: 'ok' })
        })
        echo.get('/done', async (_request, reply) => reply.type('text/html').send('<!doctype html><title>Done</title><p>Saved</p>'))
      })
    }
  })
  const page = await open(t, site)
  await page.setInputFiles('input[name=cover]', { name: 'cover.txt', mimeType: 'text/plain', buffer: Buffer.from('the cover') })
  await Promise.all([page.waitForURL(`${site.base}/done`), page.click('button')])
  t.equal(await page.title(), 'Done', 'followed the Location')
  t.match(received?.type, /^multipart\/form-data; boundary=/)
  const body = received?.body ?? ''
  t.match(body, 'Content-Disposition: form-data; name="title"\r\n\r\nDune\r\n')
  t.match(body, 'Content-Disposition: form-data; name="cover"; filename="cover.txt"\r\nContent-Type: text/plain\r\n\r\nthe cover\r\n')
  t.match(body, 'Content-Disposition: form-data; name="inPrint"\r\n\r\nfalse\r\n')
  t.match(body, 'Content-Disposition: form-data; name="tags"\r\n\r\n\r\n', 'an empty <select multiple> sends one empty value')
})

t.test('a double submit sends one request while the form is busy', { skip: noChromium }, async (t) => {
  const site = await startSite(t, {
    pages: [{ form: AUTHOR_FORM }],
    routes (app) {
      app.addHook('onRequest', async (request) => {
        if (request.method === 'POST') await sleep(300)
      })
    }
  })
  const page = await open(t, site)
  await page.fill('#name', 'Ann Leckie')
  await page.evaluate(() => {
    const form = (globalThis as any).document.forms[0]
    form.requestSubmit()
    form.requestSubmit()
    form.querySelector('button').click()
  })
  t.equal(await page.getAttribute('form', 'aria-busy'), 'true')
  t.equal(await page.isDisabled('button'), true)
  const [success] = await eventsOf(page, 1)
  t.equal(success.type, 'ffr:success')
  await sleep(100)
  t.equal(await page.evaluate('window.events.length'), 1)
  t.equal(site.seen.length, 1, 'one request reached the server')
  t.equal(site.rows('authors').length, 1)
  t.equal(await page.getAttribute('form', 'aria-busy'), null)
  t.equal(await page.isDisabled('button'), false)
})

t.test('ffr:error on a 500 and on a dropped connection', { skip: noChromium }, async (t) => {
  class BrokenResource extends AuthorResource {
    parse = { name: () => { throw new Error('the parse hook broke') } }
  }
  const site = await startSite(t, {
    resources: [new BrokenResource()],
    pages: [
      { form: '<form action="/api/authors/" method="post"><input name="name" value="Ann"><button>Save</button></form>' },
      { form: '<form action="/echo/drop/" method="post"><input name="name" value="Ann"><button>Save</button></form>', options: { failureMessage: 'Offline?' } }
    ],
    routes (app) {
      app.register(async (drop) => {
        drop.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, body))
        drop.post('/echo/drop/', async (request, reply) => {
          reply.hijack()
          request.raw.socket.destroy()
        })
      })
    }
  })
  site.app.log.level = 'silent'

  t.test('a 500 in the envelope: its message in the summary', async (t) => {
    const page = await open(t, site, 0)
    await page.click('button')
    const [failed] = await eventsOf(page, 1)
    t.same(failed, { type: 'ffr:error', status: 500, fields: null, data: { stat: 'fail', err: { code: 205, msg: 'The server could not complete the request', type: 'server-error' } }, error: null })
    t.same((await summaryState(page)).messages, ['The server could not complete the request'])
    t.equal(await activeName(page), '')
    await page.evaluate('window.cancel = "ffr:error"')
    await page.click('button')
    await eventsOf(page, 2)
    t.same((await summaryState(page)).hidden, true, 'a cancelled ffr:error shows nothing')
  })
  t.test('a dropped connection: the error, and the failure message', async (t) => {
    const page = await open(t, site, 1)
    await page.click('button')
    const [failed] = await eventsOf(page, 1)
    t.equal(failed.type, 'ffr:error')
    t.equal(failed.status, null)
    t.match(failed.error, /^TypeError: Failed to fetch/)
    t.same((await summaryState(page)).messages, ['Offline?'])
    t.equal(await page.isDisabled('button'), false, 'the form can be sent again')
  })
})
