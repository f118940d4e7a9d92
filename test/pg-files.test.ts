// Files over HTTP on PostgreSQL: the same lifecycle as on SQLite (store, keep, replace, clear, delete on a failed write).
import { readdir } from 'node:fs/promises'
import t, { type Test } from 'tap'
import { sql } from 'drizzle-orm'
import { check, integer, pgTable, serial, text, varchar } from 'drizzle-orm/pg-core'
import Fastify from 'fastify'
import formResources, { defineModel, fields, inlineFormSet, INVALID_FORM_DATA, localStorage, modelForm, type FormResourcesOptions } from 'fastify-form-resources'
import { failure, SignedInResource } from './helpers/app.ts'
import { filesIn, IMAGES, multipart, tempDir } from './helpers/files.ts'
import { pgDatabase } from './helpers/pg.ts'
import { SIGNED_IN } from './helpers/pg-tables.ts'

const writers = pgTable('writers', {
  id: serial().primaryKey(),
  name: varchar({ length: 200 }).notNull().unique(),
  avatar: text(),
  resume: varchar({ length: 200 })
}, (t) => [check('name_not_refused', sql`${t.name} <> 'refused'`)])

const WriterForm = modelForm(defineModel(writers, {
  fields: {
    avatar: { formField: fields.image({ uploadTo: 'avatars/' }) },
    resume: { formField: fields.file({ uploadTo: 'resumes/', extensions: ['txt'], deleteReplaced: true }) }
  }
}), { fields: ['name', 'avatar', 'resume'] })

class WriterResource extends SignedInResource<typeof writers> {
  name = 'writer'
  table = writers
  formClass = WriterForm
}

/** The app over `db`: signed in by `x-user`, uploads and temporary files in folders of their own. */
async function startApp (t: Test, db: unknown, resources: FormResourcesOptions['resources']) {
  const root = await tempDir(t, 'pg-uploads')
  const temp = await tempDir(t, 'pg-tmp')
  const app = Fastify()
  t.teardown(async () => { await app.close() })
  app.decorateRequest('user', undefined)
  app.addHook('onRequest', async (request) => { if (request.headers['x-user'] !== undefined) request.user = { name: String(request.headers['x-user']) } })
  await app.register(formResources, { db, prefix: '/api', storage: localStorage({ root }), multipart: { tmpdir: temp }, resources })
  await app.ready()
  return { app, root, temp }
}

async function setup (t: Test, { race = false } = {}) {
  const { db, query } = await pgDatabase(t, { writers })
  // a concurrent writer: changes the row after its If-Match was checked, before the write locks it
  class RacedResource extends WriterResource {
    parse = { name: async (value: unknown) => { await query('UPDATE writers SET resume = NULL, name = name || \'!\''); return value } }
  }
  const { app, root, temp } = await startApp(t, db, [race ? new RacedResource() : new WriterResource()])
  const send = async (method: 'POST' | 'PUT', url: string, entries: Parameters<typeof multipart>[0], headers: Record<string, string> = {}) => {
    const body = await multipart(entries)
    return await app.inject({ method, url, headers: { ...SIGNED_IN, ...body.headers, ...headers }, payload: body.payload })
  }
  return { app, query, root, temp, send }
}

const png = { content: IMAGES.png, filename: 'me.png', type: 'image/png' }
const cv = (text = 'résumé') => ({ content: text, filename: 'cv.txt', type: 'text/plain' })

t.test('files on PostgreSQL: stored for a valid form, keys in text and varchar columns, URLs in the item', async (t) => {
  const { app, query, root, temp, send } = await setup(t)
  const created = await send('POST', '/api/writers/', { name: 'Ann', avatar: png, resume: cv() })
  t.equal(created.statusCode, 201)
  const [row] = await query('SELECT id, name, avatar, resume FROM writers') as Array<{ avatar: string, resume: string }>
  t.match(row, { id: 1, name: 'Ann', avatar: /^avatars\/me-[0-9a-f]{16}\.png$/, resume: /^resumes\/cv-[0-9a-f]{16}\.txt$/ })
  t.strictSame(await filesIn(root), [row.avatar, row.resume])
  t.match(created.json().writer, { avatar: `http://localhost:80/uploads/${row.avatar}`, resume: `http://localhost:80/uploads/${row.resume}` })
  t.same((await app.inject({ url: `/uploads/${row.avatar}` })).rawPayload, IMAGES.png)

  const kept = await app.inject({ method: 'PUT', url: '/api/writers/1/', headers: SIGNED_IN, payload: { name: 'Ann L' } })
  t.equal(kept.json().writer.avatar, `http://localhost:80/uploads/${row.avatar}`, 'JSON without the field keeps the file')
  const replaced = await send('PUT', '/api/writers/1/', { resume: cv('new') })
  t.equal(replaced.statusCode, 200)
  const [second] = await query('SELECT avatar, resume FROM writers') as Array<{ avatar: string, resume: string }>
  t.not(second.resume, row.resume)
  t.strictSame(await filesIn(root), [row.avatar, second.resume].sort(), 'the replaced résumé is deleted after the commit')
  const cleared = await app.inject({ method: 'PUT', url: '/api/writers/1/', headers: SIGNED_IN, payload: { avatar: null, resume: null } })
  t.match(cleared.json().writer, { avatar: null, resume: null })
  t.strictSame(await filesIn(root), [row.avatar], 'the avatar is kept (no deleteReplaced), the résumé deleted')
  const both = await send('PUT', '/api/writers/1/', { avatar: png, 'avatar-clear': 'on' })
  t.strictSame(both.json(), failure(INVALID_FORM_DATA, { codes: { avatar: ['contradiction'] }, fields: { avatar: ['Please either submit a file or check the clear checkbox, not both.'] } }))
  t.strictSame(await readdir(temp), [])
})

t.test('a write PostgreSQL refuses deletes the stored files; a stale If-Match stores none; a browser gets a 303', async (t) => {
  const { query, root, temp, send } = await setup(t)
  const refused = await send('POST', '/api/writers/', { name: 'refused', avatar: png, resume: cv() })
  t.equal(refused.statusCode, 400)
  t.strictSame(refused.json(), failure(INVALID_FORM_DATA, { codes: { __all__: ['invalid'] }, fields: { __all__: ['The database refused these values.'] } }))
  t.strictSame(await filesIn(root), [])
  t.strictSame(await query('SELECT * FROM writers'), [])
  t.strictSame(await readdir(temp), [])

  // the refused insert used up id 1 of the sequence
  const item = String((await send('POST', '/api/writers/', { name: 'Ann' })).headers.location)
  const path = new URL(item).pathname
  const html = await send('PUT', path, { avatar: png }, { accept: 'text/html' })
  t.equal(html.statusCode, 303, 'a browser\'s form is sent to the item')
  t.equal(html.headers.location, item)
  const stale = await send('PUT', path, { avatar: png }, { 'if-match': '"not-the-etag"' })
  t.equal(stale.statusCode, 412)
  t.equal((await filesIn(root)).length, 1, 'a stale If-Match is refused before anything is stored')
})

t.test('a precondition that fails on the locked row, after the files were stored, deletes them', async (t) => {
  const { app, query, root, send } = await setup(t, { race: true })
  await query('INSERT INTO writers (name) VALUES (\'Ann\')')
  const etag = String((await app.inject({ url: '/api/writers/1/' })).headers.etag)
  const raced = await send('PUT', '/api/writers/1/', { name: 'Ann L', avatar: png }, { 'if-match': etag })
  t.equal(raced.statusCode, 412)
  t.not(raced.headers.etag, etag, 'the 412 carries the row as it is now')
  t.strictSame(await filesIn(root), [], 'the avatar stored for the lost write is deleted')
  t.match(await query('SELECT name, avatar FROM writers'), [{ name: 'Ann!', avatar: null }])
})

const shelves = pgTable('shelves', { id: serial().primaryKey(), name: varchar({ length: 50 }).notNull() })
const volumes = pgTable('volumes', {
  id: serial().primaryKey(),
  shelfId: integer().notNull().references(() => shelves.id, { onDelete: 'cascade' }),
  title: varchar({ length: 100 }).notNull(),
  cover: text()
}, (t) => [check('title_not_refused', sql`${t.title} <> 'refused'`)])
const Volume = defineModel(volumes, { fields: { cover: { formField: fields.image({ uploadTo: 'covers/' }) } } })

class ShelfResource extends SignedInResource<typeof shelves> {
  name = 'rack'
  table = shelves
  formClass = modelForm(shelves, { fields: ['name'] })
  inlines = { volumes: inlineFormSet(shelves, Volume, { fk: 'shelfId', fields: ['title', 'cover'] }) }
}

t.test('formset items carry files on PostgreSQL: volumes-0-cover stored with the parent, deleted when the database refuses the write', async (t) => {
  const { db, query } = await pgDatabase(t, { shelves, volumes })
  const { app, root, temp } = await startApp(t, db, [new ShelfResource()])
  const send = async (entries: Parameters<typeof multipart>[0]) => {
    const body = await multipart(entries)
    return await app.inject({ method: 'POST', url: '/api/racks/', headers: { ...SIGNED_IN, ...body.headers }, payload: body.payload })
  }
  const management = { 'volumes-TOTAL_FORMS': '2', 'volumes-INITIAL_FORMS': '0' }
  const created = await send({ name: 'Top', ...management, 'volumes-0-title': 'Dune', 'volumes-0-cover': png, 'volumes-1-title': 'Emma' })
  t.equal(created.statusCode, 201, created.body)
  const rows = await query('SELECT title, cover FROM volumes ORDER BY id') as Array<{ title: string, cover: string | null }>
  t.match(rows, [{ title: 'Dune', cover: /^covers\/me-[0-9a-f]{16}\.png$/ }, { title: 'Emma', cover: null }])
  t.equal(created.json().rack.volumes[0].cover, `http://localhost:80/uploads/${rows[0].cover}`)
  t.strictSame(await filesIn(root), [rows[0].cover])

  const refused = await send({ name: 'Low', ...management, 'volumes-0-title': 'Hyperion', 'volumes-0-cover': png, 'volumes-1-title': 'refused' })
  t.equal(refused.statusCode, 400, refused.body)
  t.strictSame(await query('SELECT name FROM shelves ORDER BY id'), [{ name: 'Top' }], 'nothing of the refused write is kept')
  t.strictSame(await filesIn(root), [rows[0].cover], 'the refused write\'s cover is deleted again')
  t.strictSame(await readdir(temp), [], 'no temporary file is left')
})
