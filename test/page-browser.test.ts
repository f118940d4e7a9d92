/**
 * The example app's web page (example-app/pages/) in Debian's Chromium through playwright-core:
 * an invalid create painted under its inputs (a book's error under `books-0-title`), fixed and
 * stored; an edit that meets a concurrent change answered 412 and said so on the page.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { chromium, type Browser, type Page } from 'playwright-core'
import { localStorage } from 'fastify-form-resources'
import { buildApp } from '../example-app/app.ts'
import { filesIn, IMAGES, tempDir } from './helpers/files.ts'

const CHROMIUM = '/usr/bin/chromium'
const noChromium = existsSync(CHROMIUM) ? false : 'chromium is not installed: apt-get install -y chromium'
const DEMO = { authorization: 'Bearer demo' }

let browser: Browser | undefined
t.teardown(async () => await browser?.close())

/** The example app on a SQLite file and a free port, a signed-in page, and the database to check. */
async function startSite (t: Test): Promise<{ page: Page, base: string, app: Awaited<ReturnType<typeof buildApp>>, db: Database.Database, uploads: string }> {
  const dir = await tempDir(t, 'page')
  const uploads = join(dir, 'uploads')
  const app = await buildApp({ dbFile: join(dir, 'example.db'), storage: localStorage({ root: uploads }) })
  const db = new Database(join(dir, 'example.db'), { readonly: true })
  t.teardown(async () => { db.close(); await app.close() })
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  browser ??= await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  const context = await browser.newContext()
  t.teardown(() => context.close())
  const page = await context.newPage()
  return { page, base, app, db, uploads }
}

async function signIn (page: Page, base: string): Promise<void> {
  await page.goto(`${base}/`)
  await page.fill('#token', 'demo')
  await Promise.all([page.waitForURL(`${base}/`), page.click('.sign-in button')])
  await page.waitForSelector('.signed-in')
}

const messagesOf = (page: Page, name: string): Promise<string[]> => page.locator(`#author-form [data-ffr-errors-for="${name}"] .ffr-error`).allInnerTexts()

t.test('the page renders the form from the fields: labels, help texts, required, max lengths, choices', { skip: noChromium }, async (t) => {
  const { page, base } = await startSite(t)
  await page.goto(`${base}/`)
  t.equal(await page.locator('label[for="f-name"]').innerText(), 'Name *')
  t.equal(await page.locator('#f-name').getAttribute('maxlength'), '200')
  t.equal(await page.locator('#f-name').getAttribute('required'), '')
  t.equal(await page.locator('#f-name-help').innerText(), 'Full name, as it appears on the cover.')
  t.strictSame(await page.locator('#f-title option').allInnerTexts(), ['---------', 'MR', 'MRS', 'MS'])
  t.equal(await page.locator('#f-birthDate').getAttribute('type'), 'date')
  t.equal(await page.locator('#f-avatar').getAttribute('accept'), '.png,.jpg,.jpeg,.gif,.webp')
  t.equal(await page.locator('input[name="books-TOTAL_FORMS"]').getAttribute('value'), '1')
  t.equal(await page.locator('#f-books-0-isbn').getAttribute('maxlength'), '13')
  t.equal(await page.locator('input[type=hidden][name="books-0-published"]').getAttribute('value'), 'false', 'the hidden false before the checkbox')
})

t.test('an invalid create is painted under its inputs, with aria-invalid and focus; fixed, the rows are stored', { skip: noChromium }, async (t) => {
  const { page, base, app, db, uploads } = await startSite(t)
  t.equal((await app.inject({ method: 'POST', url: '/api/authors/', headers: DEMO, payload: { name: 'Ted Chiang' } })).statusCode, 201)
  await signIn(page, base)

  await page.fill('#f-name', 'Ted Chiang')
  await page.fill('#f-books-0-isbn', '9780316246620')
  await page.click('#author-form button[type=submit]')
  await page.waitForSelector('#author-form .ffr-error')
  t.strictSame(await messagesOf(page, 'name'), ['Author with this Name already exists.'])
  t.strictSame(await messagesOf(page, 'books-0-title'), ['This field is required.'], 'the book\'s error under books-0-title')
  t.equal(await page.getAttribute('#f-name', 'aria-invalid'), 'true')
  t.equal(await page.getAttribute('#f-books-0-title', 'aria-invalid'), 'true')
  t.equal(await page.getAttribute('#f-birthDate', 'aria-invalid'), null, 'a valid field is not marked')
  t.match(await page.getAttribute('#f-books-0-title', 'class'), /is-invalid/)
  const describedBy = (await page.getAttribute('#f-name', 'aria-describedby'))!.split(' ')
  t.ok(describedBy.includes('f-name-help'), 'the help text still describes it')
  t.equal(await page.locator(`#${describedBy.find((id) => id.startsWith('ffr-error-'))!}`).innerText(), 'Author with this Name already exists.')
  t.equal(await page.evaluate('document.activeElement?.id'), 'f-name', 'the first invalid input has the focus')
  t.equal((db.prepare('SELECT count(*) AS n FROM authors').get() as { n: number }).n, 1, 'nothing written')

  await page.fill('#f-name', 'Ann Leckie')
  await page.selectOption('#f-title', 'MS')
  await page.fill('#f-birthDate', '1966-03-02')
  await page.setInputFiles('#f-avatar', { name: 'ann.png', mimeType: 'image/png', buffer: IMAGES.png })
  await page.fill('#f-books-0-title', 'Ancillary Justice')
  await page.check('#f-books-0-published')
  await Promise.all([page.waitForEvent('load'), page.click('#author-form button[type=submit]')])
  await page.waitForSelector('text=Ann Leckie')
  t.equal(await page.locator('#author-form .ffr-error').count(), 0)
  const author = db.prepare('SELECT * FROM authors WHERE name = ?').get('Ann Leckie') as Record<string, unknown>
  t.match(author, { name: 'Ann Leckie', title: 'MS', birth_date: '1966-03-02', avatar: /^avatars\/ann-[0-9a-f]{16}\.png$/ })
  t.strictSame(await filesIn(uploads), [author.avatar])
  t.strictSame(db.prepare('SELECT title, isbn, published FROM books WHERE author_id = ?').all(author.id), [{ title: 'Ancillary Justice', isbn: '9780316246620', published: 1 }])
  t.equal(await page.locator('.list img.avatar').count(), 1, 'the list shows the avatar')
})

t.test('an edit that meets a change made meanwhile is answered 412 and the page says so', { skip: noChromium }, async (t) => {
  const { page, base, app, db } = await startSite(t)
  await app.inject({ method: 'POST', url: '/api/authors/', headers: DEMO, payload: { name: 'Ursula K. Le Guin', books: [{ title: 'The Dispossessed' }, { title: 'Lavinia' }] } })
  await signIn(page, base)
  await page.goto(`${base}/authors/1/`)
  t.equal(await page.locator('#f-books-1-title').inputValue(), 'Lavinia')

  // someone else renames the author after the page was rendered
  t.equal((await app.inject({ method: 'PATCH', url: '/api/authors/1/', headers: DEMO, payload: { name: 'U. K. Le Guin' } })).statusCode, 200)
  await page.fill('#f-name', 'Ursula Le Guin')
  await page.click('#author-form button[type=submit]')
  const summary = page.locator('#author-form [data-ffr-summary]')
  await page.waitForSelector('#author-form [data-ffr-summary] >> text=Reload')
  t.match(await summary.innerText(), /The item has changed since it was read[\s\S]*Someone changed this author after you opened it/)
  t.equal(await summary.getAttribute('role'), 'alert')
  t.equal(await page.evaluate('document.activeElement?.hasAttribute("data-ffr-summary")'), true, 'the summary has the focus')
  t.equal((db.prepare('SELECT name FROM authors WHERE id = 1').get() as { name: string }).name, 'U. K. Le Guin', 'the other change stands')

  // reloaded: the current ETag; the edit goes through, a book deleted and one renamed
  await page.goto(`${base}/authors/1/`)
  t.equal(await page.locator('#f-name').inputValue(), 'U. K. Le Guin')
  await page.fill('#f-name', 'Ursula Le Guin')
  await page.fill('#f-books-0-title', '')
  await page.click('#author-form button[type=submit]')
  await page.waitForSelector('#author-form [data-ffr-errors-for="books-0-title"] .ffr-error')
  t.strictSame(await messagesOf(page, 'books-0-title'), ['This field is required.'])
  await page.fill('#f-books-0-title', 'The Dispossessed: An Ambiguous Utopia')
  await page.check('input[name="books-1-DELETE"]')
  await Promise.all([page.waitForEvent('load'), page.click('#author-form button[type=submit]')])
  await page.waitForSelector('h1 >> text=Ursula Le Guin')
  t.equal((db.prepare('SELECT name FROM authors WHERE id = 1').get() as { name: string }).name, 'Ursula Le Guin')
  t.strictSame(db.prepare('SELECT title FROM books WHERE author_id = 1 ORDER BY id').all(), [{ title: 'The Dispossessed: An Ambiguous Utopia' }])
})

t.test('a submit without signing in is answered 401, said in the summary', { skip: noChromium }, async (t) => {
  const { page, base, db } = await startSite(t)
  await page.goto(`${base}/`)
  await page.fill('#f-name', 'Ann Leckie')
  await page.click('#author-form button[type=submit]')
  await page.waitForSelector('#author-form [data-ffr-summary] .ffr-error')
  t.equal(await page.locator('#author-form [data-ffr-summary]').innerText(), 'You are not logged in')
  t.equal((db.prepare('SELECT count(*) AS n FROM authors').get() as { n: number }).n, 0)
})
