/**
 * Saves PNG screenshots of the example's page into screenshots/ (git-ignored), for a person to
 * look at: the author list and the new-author form, the same form after an invalid submit, an
 * author's edit page with its books, and that page after a save answered 412. Runs the example app in memory on a free port and drives
 * Debian's Chromium (/usr/bin/chromium, or CHROMIUM) through playwright-core.
 *
 *     npm run screenshots
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { localStorage } from 'fastify-form-resources'
import { buildApp } from '../example-app/app.ts'

const out = join(process.cwd(), 'screenshots')
await mkdir(out, { recursive: true })
const uploads = await mkdtemp(join(tmpdir(), 'ffr-shots-'))
const app = await buildApp({ storage: localStorage({ root: uploads }) })
const base = await app.listen({ host: '127.0.0.1', port: 0 })
const demo = { authorization: 'Bearer demo' }
await app.inject({ method: 'POST', url: '/api/authors/', headers: demo, payload: { name: 'Ursula K. Le Guin', title: 'MS', birthDate: '1929-10-21', books: [{ title: 'The Dispossessed', isbn: '9780061054884', published: true }, { title: 'The Left Hand of Darkness', isbn: '9780441478125', published: true }] } })
await app.inject({ method: 'POST', url: '/api/authors/', headers: demo, payload: { name: 'Ted Chiang', title: 'MR', birthDate: '1967-10-20', books: [{ title: 'Exhalation', published: true }] } })

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] })
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } })
  await page.goto(`${base}/`)
  await page.fill('#token', 'demo')
  await Promise.all([page.waitForURL(`${base}/`), page.click('.sign-in button')])
  await page.screenshot({ path: join(out, '1-list-and-form.png'), fullPage: true })
  // invalid: a name taken, a book without a title
  await page.fill('#f-name', 'Ted Chiang')
  await page.fill('#f-books-0-isbn', '9780000000000')
  await page.click('#author-form button[type=submit]')
  await page.waitForSelector('#author-form .ffr-error')
  await page.screenshot({ path: join(out, '2-after-invalid-submit.png'), fullPage: true })
  await page.goto(`${base}/authors/1/`)
  await page.screenshot({ path: join(out, '3-edit.png'), fullPage: true })
  // someone else renames her meanwhile: the save is answered 412
  await app.inject({ method: 'PATCH', url: '/api/authors/1/', headers: demo, payload: { name: 'Ursula Le Guin' } })
  await page.fill('#f-name', 'U. K. Le Guin')
  await page.click('#author-form button[type=submit]')
  await page.waitForSelector('#author-form [data-ffr-summary] >> text=Reload')
  await page.screenshot({ path: join(out, '4-edit-conflict.png'), fullPage: true })
  console.log(`screenshots saved in ${out}`)
} finally {
  await browser.close()
  await app.close()
  await rm(uploads, { recursive: true, force: true })
}
