/**
 * Files in an S3-compatible store, as an app on several machines keeps them: two app instances
 * over one database and one bucket of an S3 server (@20minutes/s3rver) that this test starts on
 * 127.0.0.1. Either instance stores, serves the same URLs, replaces and clears.
 */
import { createRequire } from 'node:module'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import Fastify, { type FastifyInstance } from 'fastify'
import formResources, { INVALID_FORM_DATA, s3Storage } from 'fastify-form-resources'
import { failure, signInFromHeader } from './helpers/app.ts'
import { AuthorResource, IMAGES, multipart, SCHEMA_SQL, SIGNED_IN, tempDir } from './helpers/files.ts'

// the AWS SDK warns once per process that its 2027 releases will need Node 22; the suite runs on 20
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

interface S3rverServer { run (): Promise<{ port: number }>, close (): Promise<void> }
const S3rver = createRequire(import.meta.url)('@20minutes/s3rver') as new (options: Record<string, unknown>) => S3rverServer

/** An S3 server on a random port of 127.0.0.1 with the bucket `media`, and two app instances over one SQLite file and that bucket. */
async function setup (t: Test): Promise<{ a: FastifyInstance, b: FastifyInstance, endpoint: string, exists (key: string): Promise<boolean>, rows (): unknown[] }> {
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory: await tempDir(t, 's3'), silent: true, configureBuckets: [{ name: 'media' }] })
  const { port } = await server.run()
  t.teardown(() => server.close())
  const endpoint = `http://127.0.0.1:${port}`
  const file = join(await tempDir(t, 'shared-db'), 'app.db')
  const setupDb = new Database(file)
  setupDb.pragma('journal_mode = WAL')
  setupDb.exec(SCHEMA_SQL)
  setupDb.close()
  const storage = () => s3Storage({ bucket: 'media', region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } })
  const instance = async (): Promise<FastifyInstance> => {
    const sqlite = new Database(file)
    const app = Fastify()
    t.teardown(async () => {
      await app.close()
      sqlite.close()
    })
    signInFromHeader(app)
    await app.register(formResources, { db: drizzle(sqlite), prefix: '/api', storage: storage(), multipart: { tmpdir: await tempDir(t, 'tmp') }, resources: [new AuthorResource()] })
    return app
  }
  const check = storage()
  const reader = new Database(file, { readonly: true })
  t.teardown(() => reader.close())
  return { a: await instance(), b: await instance(), endpoint, exists: (key) => check.exists(key), rows: () => reader.prepare('SELECT * FROM authors ORDER BY id').all() }
}

t.test('two instances, one bucket: stored by one, the same URL from the other, replaced and cleared by either', async (t) => {
  const { a, b, endpoint, exists, rows } = await setup(t)
  // the client claims a page: an image is stored with the type its signature says, a file with its key's
  const body = await multipart({ name: 'Ann', avatar: { content: IMAGES.png, filename: 'me.png', type: 'text/html' }, resume: { content: 'résumé', filename: 'cv.txt', type: 'text/html' } })
  const created = await a.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...body.headers }, payload: body.payload })
  t.equal(created.statusCode, 201)
  const [row] = rows() as Array<{ avatar: string, resume: string }>
  t.match(row, { avatar: /^avatars\/me-[0-9a-f]{16}\.png$/, resume: /^resumes\/cv-[0-9a-f]{16}\.txt$/ })
  const author = created.json().author
  t.equal(author.avatar, `${endpoint}/media/${row.avatar}`, 'an S3 URL is absolute already')
  t.strictSame((await b.inject({ url: '/api/authors/1/' })).json().author, author, 'the other instance serializes the same URLs')
  const image = await fetch(author.avatar)
  t.equal(image.status, 200)
  t.equal(image.headers.get('content-type'), 'image/png')
  t.same(Buffer.from(await image.arrayBuffer()), IMAGES.png)
  t.equal((await fetch(author.resume)).headers.get('content-type'), 'text/plain')
  t.equal((await a.inject({ url: `/uploads/${row.avatar}` })).statusCode, 404, 'the plugin serves only a local disk')

  const again = await multipart({ resume: { content: 'new résumé', filename: 'cv.txt' }, avatar: { content: IMAGES.webp, filename: 'me.webp' } })
  const replaced = await b.inject({ method: 'PUT', url: '/api/authors/1/', headers: { ...SIGNED_IN, ...again.headers }, payload: again.payload })
  t.equal(replaced.statusCode, 200)
  const [second] = rows() as Array<{ avatar: string, resume: string }>
  t.match(second.avatar, /^avatars\/me-[0-9a-f]{16}\.webp$/)
  t.equal(await exists(row.resume), false, 'the replaced résumé (deleteReplaced) is deleted from the bucket')
  t.equal(await exists(row.avatar), true, 'the replaced avatar is kept')
  t.equal(await (await fetch(`${endpoint}/media/${second.resume}`)).text(), 'new résumé')

  const cleared = await a.inject({ method: 'PATCH', url: '/api/authors/1/', headers: SIGNED_IN, payload: { resume: null } })
  t.equal(cleared.json().author.resume, null)
  t.equal(await exists(second.resume), false)
})

t.test('a write the database refuses deletes what was put in the bucket', async (t) => {
  const { a, endpoint, rows } = await setup(t)
  // the bucket's listing (S3's ListObjects; s3rver answers it unsigned)
  const keys = async (): Promise<string[]> => [...(await (await fetch(`${endpoint}/media/`)).text()).matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]).sort()
  const refused = await multipart({ name: 'refused', avatar: { content: IMAGES.jpeg, filename: 'me.jpg' } })
  const res = await a.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...refused.headers }, payload: refused.payload })
  t.strictSame(res.json(), failure(INVALID_FORM_DATA, { codes: { __all__: ['invalid'] }, fields: { __all__: ['The database refused these values.'] } }))
  t.strictSame(rows(), [])
  t.strictSame(await keys(), [], 'the bucket is empty again')
  const accepted = await multipart({ name: 'Ann', avatar: { content: IMAGES.jpeg, filename: 'me.jpg' } })
  t.equal((await a.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...accepted.headers }, payload: accepted.payload })).statusCode, 201)
  t.strictSame(await keys(), [(rows()[0] as { avatar: string }).avatar], 'the listing sees a stored file: the check above can fail')
})
