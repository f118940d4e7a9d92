/**
 * The plugin serves the browser helper at `<prefix>/_ffr/browser.js` unless `browser: false`,
 * once per path when registered twice under one prefix.
 */
import { readFileSync } from 'node:fs'
import t from 'tap'
import Fastify from 'fastify'
import formResources from 'fastify-form-resources'
import { AuthorResource, openDb } from './helpers/app.ts'

const MODULE = readFileSync(new URL('../dist/browser/index.js', import.meta.url), 'utf8')

t.test('the plugin serves the browser helper under its prefix, or not with browser: false', async (t) => {
  const { sqlite, db } = openDb()
  const app = Fastify()
  t.teardown(async () => { await app.close(); sqlite.close() })
  await app.register(async (child) => { await child.register(formResources, { db, prefix: '/api', resources: [new AuthorResource()] }) })
  // without a prefix, twice: one module at /_ffr/browser.js
  await app.register(async (child) => { await child.register(formResources, { db, resources: [] }) })
  await app.register(async (child) => { await child.register(formResources, { db, resources: [] }) })
  await app.register(async (child) => { await child.register(formResources, { db, prefix: '/quiet', browser: false, resources: [] }) })
  const res = await app.inject({ method: 'GET', url: '/api/_ffr/browser.js' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/javascript; charset=utf-8')
  t.equal(res.body, MODULE)
  const again = await app.inject({ method: 'GET', url: '/api/_ffr/browser.js', headers: { 'if-none-match': String(res.headers.etag) } })
  t.equal(again.statusCode, 304)
  const quiet = await app.inject({ method: 'GET', url: '/quiet/_ffr/browser.js' })
  t.equal(quiet.statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: '/_ffr/browser.js' })).body, MODULE)
})
