/**
 * Plain HTML forms in Debian's Chromium (playwright-core): a form posted by the browser itself
 * (multipart, a hidden `false` before its checkbox, a file input, the clear box) lands on the
 * item through the 303, and the same form enhanced by the browser helper gets JSON.
 */
import { existsSync } from 'node:fs'
import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import Fastify from 'fastify'
import { chromium, type Browser } from 'playwright-core'
import formResources, { defineModel, fields, localStorage, modelForm } from 'fastify-form-resources'
import { registerBrowserRoute } from '../dist/browser-route.js'
import { SignedInResource, signInFromHeader } from './helpers/app.ts'
import { filesIn, IMAGES, tempDir } from './helpers/files.ts'

const CHROMIUM = '/usr/bin/chromium'
const noChromium = existsSync(CHROMIUM) ? false : 'chromium is not installed: apt-get install -y chromium'

const books = sqliteTable('books', {
  id: integer().primaryKey({ autoIncrement: true }),
  title: text().notNull(),
  published: integer({ mode: 'boolean' }).notNull().default(false),
  cover: text()
})
const BookForm = modelForm(defineModel(books, { fields: { cover: { formField: fields.image({ uploadTo: 'covers/' }) } } }), { fields: ['title', 'published', 'cover'] })
class BookResource extends SignedInResource<typeof books> {
  name = 'book'
  table = books
  formClass = BookForm
}

/** The form a server renders for a book: the hidden false before the checkbox, the file input and its clear box. */
const bookForm = (action: string, method = ''): string => `<form action="${action}" method="post" enctype="multipart/form-data">
  ${method === '' ? '' : `<input type="hidden" name="_method" value="${method}">`}
  <input name="title" value="Dune">
  <input type="hidden" name="published" value="false"><input type="checkbox" name="published" id="published">
  <input type="file" name="cover">
  <input type="checkbox" name="cover-clear" id="clear">
  <button type="submit">Save</button>
</form>`

let browser: Browser | undefined
t.teardown(async () => await browser?.close())

async function startSite (t: Test) {
  const sqlite = new Database(':memory:')
  sqlite.exec('CREATE TABLE books (id integer PRIMARY KEY AUTOINCREMENT NOT NULL, title text NOT NULL, published integer DEFAULT 0 NOT NULL, cover text)')
  const root = await tempDir(t, 'browser-uploads')
  const temp = await tempDir(t, 'browser-tmp')
  const app = Fastify()
  t.teardown(async () => {
    await app.close()
    sqlite.close()
  })
  signInFromHeader(app)
  await app.register(formResources, { db: drizzle(sqlite), prefix: '/api', storage: localStorage({ root }), multipart: { tmpdir: temp }, resources: [new BookResource()] })
  await app.register(async (assets) => registerBrowserRoute(assets), { prefix: '/assets' })
  const pages: string[] = []
  app.get('/page/:n', async (request, reply) => reply.type('text/html; charset=utf-8').send(`<!doctype html><html><head><meta charset="utf-8"><title>Book</title></head><body>${pages[Number((request.params as { n: string }).n)]}</body></html>`))
  await app.listen({ host: '127.0.0.1', port: 0 })
  browser ??= await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  const context = await browser.newContext({ extraHTTPHeaders: { 'x-user': 'ann' } })
  t.teardown(() => context.close())
  const page = await context.newPage()
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const row = (): unknown => sqlite.prepare('SELECT * FROM books ORDER BY id DESC').get()
  return { page, base, pages, root, temp, row }
}

t.test('a form the browser posts itself: multipart, the hidden false and the file, then 303 to the item', { skip: noChromium }, async (t) => {
  const { page, base, pages, root, temp, row } = await startSite(t)
  pages.push(bookForm('/api/books/'), bookForm('/api/books/1/', 'PUT'))
  await page.goto(`${base}/page/0`)
  await page.check('#published')
  await page.setInputFiles('input[name=cover]', { name: 'dune.png', mimeType: 'image/png', buffer: IMAGES.png })
  await Promise.all([page.waitForURL(`${base}/api/books/1/`), page.click('button')])
  const created = row() as { cover: string }
  t.match(created, { id: 1, title: 'Dune', published: 1, cover: /^covers\/dune-[0-9a-f]{16}\.png$/ })
  t.strictSame(await filesIn(root), [created.cover])
  const item = JSON.parse(await page.locator('body').innerText())
  t.equal(item.book.cover, `${base}/uploads/${created.cover}`, 'the browser followed the 303 to the item, which carries the file\'s URL')
  const image = await page.goto(item.book.cover)
  t.same(await image!.body(), IMAGES.png, 'and the plugin serves the file')
  t.strictSame(await filesIn(temp), [])

  // unticked: the hidden false alone; no file chosen: the cover is kept
  await page.goto(`${base}/page/1`)
  await Promise.all([page.waitForURL(`${base}/api/books/1/`), page.click('button')])
  t.match(row(), { id: 1, published: 0, cover: created.cover })
  // the clear box
  await page.goto(`${base}/page/1`)
  await page.check('#clear')
  await Promise.all([page.waitForURL(`${base}/api/books/1/`), page.click('button')])
  t.match(row(), { id: 1, cover: null })
  t.strictSame(await filesIn(root), [created.cover], 'a cleared file is kept unless its field says deleteReplaced')
})

t.test('the same form enhanced by the browser helper: sent with fetch and FormData, answered JSON', { skip: noChromium }, async (t) => {
  const { page, base, pages, root } = await startSite(t)
  pages.push(`${bookForm('/api/books/')}<script type="module">
import { enhanceForm } from '/assets/_ffr/browser.js'
window.answers = []
document.addEventListener('ffr:success', (event) => { window.answers.push({ status: event.detail.response.status, data: event.detail.data }) })
enhanceForm(document.forms[0])
window.ready = true
</script>`)
  await page.goto(`${base}/page/0`)
  await page.waitForFunction('window.ready === true')
  await page.setInputFiles('input[name=cover]', { name: 'cover.gif', mimeType: 'image/gif', buffer: IMAGES.gif })
  await page.click('button')
  await page.waitForFunction('window.answers.length === 1')
  const [answer] = await page.evaluate('window.answers') as Array<{ status: number, data: { book: { cover: string, published: boolean } } }>
  t.equal(answer.status, 201, 'JSON, not a redirect: the helper sends X-Requested-With')
  t.equal(answer.data.book.published, false, 'the unticked checkbox: the hidden false')
  const stored = await filesIn(root)
  t.match(stored, [/^covers\/cover-[0-9a-f]{16}\.gif$/])
  t.equal(answer.data.book.cover, `${base}/uploads/${stored[0]}`)
})
