// Files over HTTP on SQLite: stored only for a valid form, kept, replaced, cleared, deleted when the write fails, served, serialized as URLs.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import Fastify from 'fastify'
import formResources, { INVALID_FORM_DATA, localStorage, SERVER_ERROR, type FileStorage } from 'fastify-form-resources'
import { failure, FORM, JSON_TYPE } from './helpers/app.ts'
import { AuthorResource, buildFilesApp, filesIn, IMAGES, multipart, SIGNED_IN, tempDir } from './helpers/files.ts'

const AVATAR = /^avatars\/me-[0-9a-f]{16}\.png$/
const RESUME = /^resumes\/cv-[0-9a-f]{16}\.txt$/

/** A multipart request of a signed-in user. */
async function send (app: Awaited<ReturnType<typeof buildFilesApp>>['app'], method: 'POST' | 'PUT' | 'PATCH', url: string, entries: Parameters<typeof multipart>[0], headers: Record<string, string> = {}) {
  const body = await multipart(entries)
  return await app.inject({ method, url, headers: { ...SIGNED_IN, ...body.headers, ...headers }, payload: body.payload })
}

const png = { content: IMAGES.png, filename: 'me.png', type: 'image/png' }
const cv = (text = 'my résumé') => ({ content: text, filename: 'cv.txt', type: 'text/plain' })

t.test('a create with files: stored under their folders, keys written, the item carries absolute URLs the plugin serves', async (t) => {
  const { app, root, rows } = await buildFilesApp(t)
  const res = await send(app, 'POST', '/api/authors/', { name: 'Ann', avatar: png, resume: cv() })
  t.equal(res.statusCode, 201)
  const [row] = rows() as Array<{ avatar: string, resume: string }>
  t.match(row, { id: 1, name: 'Ann', avatar: AVATAR, resume: RESUME })
  t.strictSame(await filesIn(root), [row.avatar, row.resume])
  t.same(await readFile(join(root, row.avatar)), IMAGES.png)
  const author = res.json().author
  t.equal(author.avatar, `http://localhost:80/uploads/${row.avatar}`)
  t.equal(author.resume, `http://localhost:80/uploads/${row.resume}`)
  t.strictSame((await app.inject({ url: '/api/authors/1/' })).json().author, author, 'the item reads the same')
  t.strictSame((await app.inject({ url: '/api/authors/' })).json().authors, [author], 'and so does the list')
  t.strictSame((await app.inject({ url: '/api/authors/1/?only-fields=avatar' })).json().author.avatar, author.avatar, 'only-fields keeps the URL')

  const served = await app.inject({ url: new URL(author.avatar).pathname })
  t.equal(served.statusCode, 200)
  t.same(served.rawPayload, IMAGES.png)
  t.match(served.headers, { 'content-type': 'image/png', 'content-length': String(IMAGES.png.length), 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=31536000, immutable' })
  t.match(served.headers['content-security-policy'], /sandbox/)
  t.equal(served.headers['content-disposition'], undefined)
  const again = await app.inject({ url: new URL(author.avatar).pathname, headers: { 'if-none-match': String(served.headers.etag) } })
  t.equal(again.statusCode, 304)
  t.equal((await app.inject({ url: new URL(author.resume).pathname })).headers['content-type'], 'text/plain')
  t.equal((await app.inject({ method: 'HEAD', url: new URL(author.avatar).pathname })).statusCode, 200)
})

t.test('files the plugin serves: a key that names no file is the app\'s 404, an active type an attachment', async (t) => {
  const { app, root, storage } = await buildFilesApp(t)
  for (const path of ['/uploads/', '/uploads/avatars/', '/uploads/nothing.png', '/uploads/a%00b', '/uploads/a/..%2f..%2fpackage.json']) {
    const res = await app.inject({ url: path })
    t.equal(res.statusCode, 404, path)
    t.equal(res.json().message, `Route GET:${path} not found`, `${path}: the app's own 404`)
  }
  for (const path of ['/uploads/../package.json', '/uploads/%2e%2e/package.json']) t.equal((await app.inject({ url: path })).statusCode, 404, path)
  const source = join(await tempDir(t, 'src'), 'page.html')
  await (await import('node:fs/promises')).writeFile(source, '<script>alert(1)</script>')
  await storage.put('page.html', source)
  const page = await app.inject({ url: '/uploads/page.html' })
  t.equal(page.statusCode, 200)
  t.match(page.headers, { 'content-type': 'text/html', 'content-disposition': 'attachment', 'x-content-type-options': 'nosniff' })
  t.strictSame(await filesIn(root), ['page.html'])
})

t.test('updates: no upload keeps the file, a new one replaces it (kept unless deleteReplaced), the stored key or URL sent back keeps it', async (t) => {
  const { app, root, rows } = await buildFilesApp(t)
  const created = (await send(app, 'POST', '/api/authors/', { name: 'Ann', avatar: png, resume: cv() })).json().author
  const [first] = rows() as Array<{ avatar: string, resume: string }>

  for (const request of [
    { method: 'PUT' as const, url: '/api/authors/1/', headers: SIGNED_IN, payload: { name: 'Ann L' } },
    { method: 'PATCH' as const, url: '/api/authors/1/', headers: { ...SIGNED_IN, ...FORM }, payload: 'name=Ann+Leckie' },
    { method: 'PUT' as const, url: '/api/authors/1/', headers: SIGNED_IN, payload: { avatar: created.avatar, resume: first.resume } }
  ]) {
    const res = await app.inject(request)
    t.equal(res.statusCode, 200, request.url)
    t.equal(res.json().author.avatar, created.avatar, 'kept')
  }
  t.equal(((await send(app, 'PATCH', '/api/authors/1/', { name: 'Ann Leckie' })).json()).author.resume, created.resume, 'a multipart update without the file keeps it too')

  const replaced = await send(app, 'PUT', '/api/authors/1/', { avatar: { ...png, filename: 'me.png' }, resume: cv('a new résumé') })
  t.equal(replaced.statusCode, 200)
  const [second] = rows() as Array<{ avatar: string, resume: string }>
  t.not(second.avatar, first.avatar)
  t.not(second.resume, first.resume)
  t.strictSame(await filesIn(root), [first.avatar, second.avatar, second.resume].sort(), 'the old avatar is kept, the old résumé (deleteReplaced) is gone')
  t.equal(await readFile(join(root, second.resume), 'utf8'), 'a new résumé')
})

t.test('clearing: <name>-clear=on (multipart or URL-encoded) or JSON null; a clear and an upload together is a contradiction', async (t) => {
  const { app, root, rows } = await buildFilesApp(t)
  await send(app, 'POST', '/api/authors/', { name: 'Ann', avatar: png, resume: cv() })
  const [first] = rows() as Array<{ avatar: string, resume: string }>

  const both = await send(app, 'PUT', '/api/authors/1/', { avatar: png, 'avatar-clear': 'on', resume: cv('other') })
  t.equal(both.statusCode, 400)
  t.strictSame(both.json(), failure(INVALID_FORM_DATA, { codes: { avatar: ['contradiction'] }, fields: { avatar: ['Please either submit a file or check the clear checkbox, not both.'] } }))
  t.strictSame(await filesIn(root), [first.avatar, first.resume], 'an invalid form stores nothing, not even its valid file')

  const unticked = await send(app, 'PUT', '/api/authors/1/', { 'avatar-clear': ['false'] })
  t.equal(unticked.json().author.avatar, `http://localhost:80/uploads/${first.avatar}`, 'an unticked clear box (the hidden false) keeps it')

  const cleared = await send(app, 'PUT', '/api/authors/1/', { 'avatar-clear': ['false', 'on'] })
  t.equal(cleared.statusCode, 200)
  t.equal(cleared.json().author.avatar, null)
  t.match(rows(), [{ avatar: null, resume: first.resume }])
  t.strictSame(await filesIn(root), [first.avatar, first.resume], 'the avatar file is kept: its field does not say deleteReplaced')

  const json = await app.inject({ method: 'PATCH', url: '/api/authors/1/', headers: SIGNED_IN, payload: { resume: null } })
  t.equal(json.statusCode, 200)
  t.equal(json.json().author.resume, null)
  t.strictSame(await filesIn(root), [first.avatar], 'the résumé is deleted after the commit (deleteReplaced)')

  await send(app, 'PUT', '/api/authors/1/', { resume: cv() })
  const form = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: { ...SIGNED_IN, ...FORM }, payload: 'resume-clear=on' })
  t.equal(form.json().author.resume, null, 'the clear box in a URL-encoded form')
  t.strictSame(await filesIn(root), [first.avatar])
  const nothing = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: SIGNED_IN, payload: { avatar: null, 'resume-clear': true } })
  t.equal(nothing.statusCode, 200, 'clearing what is not there changes nothing')
})

t.test('refusals store nothing: a bad image, an extension, a size, a file name sent without multipart', async (t) => {
  const { app, root, rows } = await buildFilesApp(t)
  const res = await send(app, 'POST', '/api/authors/', { name: 'Ann', avatar: { content: 'GIF? no', filename: 'me.gif' }, resume: { content: 'x', filename: 'cv.exe' } })
  t.equal(res.statusCode, 400)
  t.strictSame(res.json(), failure(INVALID_FORM_DATA, {
    codes: { avatar: ['invalidImage'], resume: ['invalidExtension'] },
    fields: {
      avatar: ['Upload a valid image. The file you uploaded was either not an image or a corrupted image.'],
      resume: ['File extension “exe” is not allowed. Allowed extensions are: pdf, txt.']
    }
  }))
  const big = await send(app, 'POST', '/api/authors/', { name: 'Ann', resume: cv('x'.repeat(65)) })
  t.strictSame(big.json(), failure(INVALID_FORM_DATA, { codes: { resume: ['maxSize'] }, fields: { resume: ['Ensure this file has at most 64 bytes (it has 65).'] } }))
  const empty = await send(app, 'POST', '/api/authors/', { name: 'Ann', resume: cv('') })
  t.strictSame(empty.json().fields, { resume: ['The submitted file is empty.'] })
  // a browser posting a file input without enctype="multipart/form-data" sends the file's name
  const named = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...FORM }, payload: 'name=Ann&avatar=me.png' })
  t.strictSame(named.json(), failure(INVALID_FORM_DATA, { codes: { avatar: ['invalid'] }, fields: { avatar: ['No file was submitted. Check the encoding type on the form.'] } }))
  const jsonName = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...JSON_TYPE }, payload: { name: 'Ann', avatar: { filename: 'me.png', size: 3, path: '/etc/passwd', head: [1] } } })
  t.strictSame(jsonName.json().fields, { avatar: ['No file was submitted. Check the encoding type on the form.'] }, 'a JSON object shaped like an upload is no file')
  const taken = await send(app, 'POST', '/api/authors/', { name: 'Ann', avatar: png })
  t.equal(taken.statusCode, 201)
  const duplicate = await send(app, 'POST', '/api/authors/', { name: 'Ann', avatar: png })
  t.strictSame(duplicate.json().fields, { name: ['Author with this Name already exists.'] }, 'a model check refuses before anything is stored')
  t.equal((await filesIn(root)).length, 1)
  t.equal(rows().length, 1)
})

t.test('a write the database refuses deletes the files stored before its transaction', async (t) => {
  const { app, root, rows } = await buildFilesApp(t)
  const res = await send(app, 'POST', '/api/authors/', { name: 'refused', avatar: png, resume: cv() })
  t.equal(res.statusCode, 400)
  t.strictSame(res.json(), failure(INVALID_FORM_DATA, { codes: { __all__: ['invalid'] }, fields: { __all__: ['The database refused these values.'] } }))
  t.strictSame(await filesIn(root), [], 'the CHECK constraint failed the insert: both files are gone')
  t.strictSame(rows(), [])

  await send(app, 'POST', '/api/authors/', { name: 'Ann', avatar: png })
  const before = await filesIn(root)
  const update = await send(app, 'PUT', '/api/authors/1/', { name: 'refused', avatar: png, resume: cv() })
  t.equal(update.statusCode, 400)
  t.strictSame(await filesIn(root), before, 'an update too: the new files are gone, the current one stays')
  t.match(rows(), [{ name: 'Ann', avatar: before[0] }])
})

t.test('a storage that cannot store answers 500, writes nothing and leaves no file', async (t) => {
  const root = await tempDir(t, 'failing')
  const local = localStorage({ root })
  const failing: FileStorage = { ...local, put: (key, path, options) => key.startsWith('resumes/') ? Promise.reject(new Error('bucket gone')) : local.put(key, path, options) }
  const { app, rows } = await buildFilesApp(t, { storage: failing })
  const res = await send(app, 'POST', '/api/authors/', { name: 'Ann', avatar: png, resume: cv() })
  t.equal(res.statusCode, 500)
  t.strictSame(res.json(), failure(SERVER_ERROR))
  t.strictSame(await filesIn(root), [])
  t.strictSame(rows(), [])
})

t.test('a resource\'s own storage wins over the plugin\'s; serveFiles: false serves nothing', async (t) => {
  const own = await tempDir(t, 'own')
  const resource = new AuthorResource({ storage: localStorage({ root: own, urlPrefix: 'https://cdn.example.test/media' }) })
  const { app, root } = await buildFilesApp(t, { resources: [resource], options: { serveFiles: false } })
  const res = await send(app, 'POST', '/api/authors/', { name: 'Ann', avatar: png })
  t.match(res.json().author.avatar, /^https:\/\/cdn\.example\.test\/media\/avatars\/me-[0-9a-f]{16}\.png$/)
  t.equal((await filesIn(own)).length, 1)
  t.strictSame(await filesIn(root), [])
  t.equal((await app.inject({ url: '/uploads/x.png' })).statusCode, 404)
})

t.test('storage mistakes throw at registration: a storage without its four methods, two folders at one URL', async (t) => {
  for (const storage of [{}, { put () {}, delete () {}, url () {} }, 'uploads']) {
    await t.rejects(buildFilesApp(t, { storage: storage as never }), { code: 'FFR_ERR_STORAGE', name: 'TypeError' })
  }
  await t.rejects(buildFilesApp(t, { resources: [new AuthorResource({ storage: {} as never })] }), { code: 'FFR_ERR_STORAGE' }, 'a resource\'s own storage too')
  const [one, two] = [await tempDir(t, 'one'), await tempDir(t, 'two')]
  const sqlite = new Database(':memory:')
  const app = Fastify()
  t.teardown(async () => {
    await app.close()
    sqlite.close()
  })
  const register = (prefix: string, root: string) => app.register(async (scope) => { await scope.register(formResources, { db: drizzle(sqlite), prefix, storage: localStorage({ root }), resources: [] }) })
  await register('/a', one)
  await register('/b', one)
  await app.ready()
  t.ok(app.hasRoute({ method: 'GET', url: '/uploads/*' }), 'one folder under two registrations: served once')
  const other = Fastify()
  t.teardown(() => other.close())
  await other.register(async (scope) => { await scope.register(formResources, { db: drizzle(sqlite), prefix: '/a', storage: localStorage({ root: one }), resources: [] }) })
  other.register(async (scope) => { await scope.register(formResources, { db: drizzle(sqlite), prefix: '/b', storage: localStorage({ root: two }), resources: [] }) })
  await t.rejects(async () => { await other.ready() }, { code: 'FFR_ERR_STORAGE_URL_TAKEN', message: /another local storage folder is already served at "\/uploads\/"/ })
})
