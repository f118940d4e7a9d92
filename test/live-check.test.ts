/**
 * The browser helper's `liveCheck` in Debian's Chromium (playwright-core) against the plugin on a
 * real port: a field is checked as the user leaves it through `?dry-run=1&only-fields=<name>`,
 * only its own messages are painted, and nothing is written.
 */
import { existsSync } from 'node:fs'
import t from 'tap'
import Fastify from 'fastify'
import { chromium } from 'playwright-core'
import formResources from 'fastify-form-resources'
import { registerBrowserRoute } from '../dist/browser-route.js'
import { AuthorResource, BookResource, openDb, signInFromHeader } from './helpers/app.ts'

const CHROMIUM = '/usr/bin/chromium'

t.test('liveCheck paints a field\'s own messages as the user leaves it, from a dry run that writes nothing', { skip: existsSync(CHROMIUM) ? false : 'no Chromium at /usr/bin/chromium' }, async (t) => {
  const { sqlite, db } = openDb()
  sqlite.exec("INSERT INTO authors (name) VALUES ('Ann Leckie')")
  const app = Fastify()
  t.teardown(async () => {
    await app.close()
    sqlite.close()
  })
  signInFromHeader(app)
  const seen: string[] = []
  app.addHook('onRequest', async (request) => { if (request.url.startsWith('/api/')) seen.push(`${request.method} ${request.url}`) })
  await app.register(formResources, { db, prefix: '/api', resources: [new AuthorResource(), new BookResource()] })
  await app.register(async (assets) => registerBrowserRoute(assets), { prefix: '/assets' })
  app.get('/page', async (_request, reply) => {
    reply.type('text/html; charset=utf-8').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Author</title></head><body>
<form action="/api/authors/" method="post">
  <input name="name"><input name="birthDate"><select name="title"><option value="">-</option><option>MS</option></select>
  <button>Save</button>
</form>
<script type="module">
import { enhanceForm } from '/assets/_ffr/browser.js'
enhanceForm(document.forms[0], { liveCheck: true, invalidClass: 'is-invalid' })
window.ready = true
</script></body></html>`)
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] })
  t.teardown(async () => await browser.close())
  const context = await browser.newContext({ extraHTTPHeaders: { 'x-user': 'ann' } })
  const page = await context.newPage()
  page.on('pageerror', (error) => t.fail(`the page threw: ${error.message}`))
  await page.goto(`${base}/page`)
  await page.waitForFunction('window.ready === true')

  const messagesOf = async (name: string): Promise<string[]> => await page.evaluate((name) =>
    [...(globalThis as any).document.querySelectorAll(`[data-ffr-error="${name}"]`)].map((m: any) => m.textContent), name)
  const invalid = async (name: string): Promise<string | null> => await page.evaluate((name) => (globalThis as any).document.forms[0].elements.namedItem(name).getAttribute('aria-invalid'), name)

  // a bad value in another field, set without the user leaving it: no check of its own
  await page.evaluate(() => { (globalThis as any).document.forms[0].elements.namedItem('birthDate').value = 'not a date' })
  await page.fill('[name=name]', 'Ann Leckie')
  await page.press('[name=name]', 'Tab')
  await page.waitForFunction('document.querySelectorAll(\'[data-ffr-error="name"]\').length > 0')
  t.strictSame(await messagesOf('name'), ['Author with this Name already exists.'], 'a value taken is said at once')
  t.equal(await invalid('name'), 'true')
  t.strictSame(await messagesOf('birthDate'), [], 'another field\'s error is not painted: the check was of name only')

  await page.fill('[name=name]', 'x'.repeat(201))
  await page.press('[name=name]', 'Tab')
  await page.waitForFunction('document.querySelector(\'[data-ffr-error="name"]\')?.textContent.includes("201")')
  t.strictSame(await messagesOf('name'), ['Ensure this value has at most 200 characters (it has 201).'])

  await page.fill('[name=name]', 'Becky Chambers')
  await page.press('[name=name]', 'Tab')
  await page.waitForFunction('document.querySelectorAll(\'[data-ffr-error="name"]\').length === 0')
  t.equal(await invalid('name'), null, 'a fine value clears the field')

  t.ok(seen.filter((s) => s.startsWith('POST')).every((s) => s === 'POST /api/authors/?dry-run=1&only-fields=name'), 'every check a dry run of that field')
  t.equal(seen.filter((s) => s.startsWith('POST')).length, 3)
  t.strictSame(sqlite.prepare('SELECT name FROM authors').all(), [{ name: 'Ann Leckie' }], 'nothing written')
})
