import t, { type Test } from 'tap'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Disk } from 'flydrive'
import { FSDriver } from 'flydrive/drivers/fs'
// the public index is being rewritten: this suite imports the storage module itself
import { flydriveStorage, localStorage, s3Storage, uniqueKey } from '../lib/storage.ts'

// the AWS SDK warns once per process that its 2027 releases will need Node 22; the suite runs on 20
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

const HEX = '[0-9a-f]{16}'

interface S3rverServer { run (): Promise<{ port: number }>, close (): Promise<void> }
type S3rverClass = new (options: Record<string, unknown>) => S3rverServer
// @20minutes/s3rver (a maintained fork of s3rver) is CommonJS and ships no types
const S3rver = createRequire(import.meta.url)('@20minutes/s3rver') as S3rverClass

/** A fresh temp folder, removed in teardown. */
async function tempDir (t: Test, name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `ffr-${name}-`))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** A temp file holding `contents`, as the plugin's multipart parser leaves one. */
async function tempFile (t: Test, contents: string): Promise<string> {
  const path = join(await tempDir(t, 'src'), 'upload.tmp')
  await writeFile(path, contents)
  return path
}

/** An S3 server on 127.0.0.1 at a random port over a temp folder, with bucket `uploads`; stopped in teardown. */
async function startS3 (t: Test): Promise<{ endpoint: string }> {
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: await tempDir(t, 's3'),
    silent: true,
    configureBuckets: [{ name: 'uploads' }]
  })
  const { port } = await server.run()
  t.teardown(() => server.close())
  return { endpoint: `http://127.0.0.1:${port}` }
}

t.test('uniqueKey keeps a safe base name and extension and adds a random part', async (t) => {
  t.match(uniqueKey('avatars/', 'portrait.png'), new RegExp(`^avatars/portrait-${HEX}\\.png$`))
  t.match(uniqueKey('avatars/', 'My Holiday Photo.JPG'), new RegExp(`^avatars/My-Holiday-Photo-${HEX}\\.jpg$`))
  t.match(uniqueKey('docs/', 'Ünïcödé résumé.pdf'), new RegExp(`^docs/Unicode-resume-${HEX}\\.pdf$`))
  t.match(uniqueKey('docs/', '日本語.txt'), new RegExp(`^docs/file-${HEX}\\.txt$`))
  t.match(uniqueKey('docs/', 'README'), new RegExp(`^docs/README-${HEX}$`))
  t.match(uniqueKey('docs/', 'archive.tar.gz'), new RegExp(`^docs/archive\\.tar-${HEX}\\.gz$`))
  t.match(uniqueKey('docs/', 'odd.ext with space'), new RegExp(`^docs/odd\\.ext-with-space-${HEX}$`))
  t.match(uniqueKey('docs/', ''), new RegExp(`^docs/file-${HEX}$`))
  t.match(uniqueKey('docs/', 'x'.repeat(300) + '.png'), new RegExp(`^docs/x{64}-${HEX}\\.png$`))
  t.not(uniqueKey('a/', 'same.png'), uniqueKey('a/', 'same.png'))
})

t.test('uniqueKey with a client file name that tries path traversal', async (t) => {
  t.match(uniqueKey('avatars/', '../../etc/passwd'), new RegExp(`^avatars/passwd-${HEX}$`))
  t.match(uniqueKey('avatars/', '..\\..\\windows\\win.ini'), new RegExp(`^avatars/win-${HEX}\\.ini$`))
  t.match(uniqueKey('avatars/', 'C:\\fakepath\\photo.png'), new RegExp(`^avatars/photo-${HEX}\\.png$`))
  t.match(uniqueKey('avatars/', '.htaccess'), new RegExp(`^avatars/htaccess-${HEX}$`))
  t.match(uniqueKey('avatars/', '..'), new RegExp(`^avatars/file-${HEX}$`))
  t.match(uniqueKey('avatars/', '/'), new RegExp(`^avatars/file-${HEX}$`))
})

t.test('uniqueKey folders: a function of the file name, no trailing slash, the root', async (t) => {
  const byExtension = (filename: string) => `by-type/${filename.split('.').pop() ?? 'none'}/`
  t.match(uniqueKey(byExtension, 'a.png'), new RegExp(`^by-type/png/a-${HEX}\\.png$`))
  t.match(uniqueKey('avatars', 'a.png'), new RegExp(`^avatars/a-${HEX}\\.png$`))
  t.match(uniqueKey('/avatars//2024/', 'a.png'), new RegExp(`^avatars/2024/a-${HEX}\\.png$`))
  t.match(uniqueKey('', 'a.png'), new RegExp(`^a-${HEX}\\.png$`))
})

t.test('uniqueKey refuses an unsafe folder at once', async (t) => {
  for (const uploadTo of ['../elsewhere/', 'avatars/../../etc/', './avatars/', 'a\\b/', 'fotos/ü/', 'a b/']) {
    t.throws(() => uniqueKey(uploadTo, 'a.png'), /is not a safe relative folder/, uploadTo)
  }
  t.throws(() => uniqueKey(() => '../x/', 'a.png'), /is not a safe relative folder/)
  t.throws(() => uniqueKey((() => 42) as unknown as () => string, 'a.png'), /uploadTo must be a string/)
})

t.test('localStorage: put, exists, url and delete in a temp folder', async (t) => {
  const root = await tempDir(t, 'local')
  const storage = localStorage({ root })
  t.equal(storage.root, root)
  t.equal(storage.urlPrefix, '/uploads/')
  const key = uniqueKey('avatars/', 'My Photo.png')
  await storage.put(key, await tempFile(t, 'png bytes'), { contentType: 'image/png' })
  t.equal(await readFile(join(root, key), 'utf8'), 'png bytes')
  t.equal(await storage.exists(key), true)
  t.equal(storage.url(key), '/uploads/' + key)
  await storage.delete(key)
  t.equal(await storage.exists(key), false)
  await t.resolves(storage.delete(key), 'a missing key deletes without error')
  await t.resolves(storage.delete('never/stored.txt'))
})

t.test('localStorage defaults, a prefix without its slash, and keys that need encoding', async (t) => {
  const defaults = localStorage()
  t.equal(defaults.root, join(process.cwd(), 'uploads'))
  t.equal(defaults.urlPrefix, '/uploads/')
  const storage = localStorage({ root: await tempDir(t, 'local'), urlPrefix: '/media' })
  t.equal(storage.urlPrefix, '/media/')
  t.equal(storage.url('a b/c!.png'), '/media/a%20b/c!.png')
})

t.test('localStorage refuses a traversing key and leaves no partial file after a failed put', async (t) => {
  const root = await tempDir(t, 'local')
  const storage = localStorage({ root })
  const source = await tempFile(t, 'x')
  await t.rejects(storage.put('../outside.txt', source), { code: 'E_PATH_TRAVERSAL_DETECTED' })
  await t.rejects(stat(join(root, '..', 'outside.txt')), { code: 'ENOENT' })
  // a folder as the source: the read stream fails after the driver has opened the target
  await t.rejects(storage.put('broken.txt', root), { code: 'E_CANNOT_WRITE_FILE', cause: { code: 'EISDIR' } })
  t.equal(await storage.exists('broken.txt'), false)
  await t.rejects(storage.put('missing.txt', join(root, 'no-such-file')), { code: 'ENOENT' })
  t.equal(await storage.exists('missing.txt'), false)
})

t.test('flydriveStorage over any disk, with the default and a custom URL', async (t) => {
  const root = await tempDir(t, 'disk')
  const disk = new Disk(new FSDriver({ location: root, visibility: 'private' }))
  const storage = flydriveStorage(disk)
  await storage.put('a/b.txt', await tempFile(t, 'hello'))
  t.equal(await disk.get('a/b.txt'), 'hello')
  t.equal(await storage.exists('a/b.txt'), true)
  t.equal(storage.url('a/b.txt'), '/uploads/a/b.txt')
  t.equal(flydriveStorage(disk, (key) => `https://cdn.example.test/${key}`).url('a/b.txt'), 'https://cdn.example.test/a/b.txt')
  await storage.delete('a/b.txt')
  t.equal(await storage.exists('a/b.txt'), false)
})

t.test('s3Storage against an S3 server on 127.0.0.1: put, exists, url, delete', async (t) => {
  const { endpoint } = await startS3(t)
  const storage = s3Storage({
    bucket: 'uploads',
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }
  })
  const key = uniqueKey('avatars/', 'Portrait.PNG')
  t.equal(await storage.exists(key), false)
  await storage.put(key, await tempFile(t, 'png bytes'), { contentType: 'image/png' })
  t.equal(await storage.exists(key), true)
  t.equal(storage.url(key), `${endpoint}/uploads/${key}`)
  const res = await fetch(storage.url(key))
  t.equal(res.status, 200)
  t.equal(res.headers.get('content-type'), 'image/png')
  t.equal(await res.text(), 'png bytes')
  await storage.put('notes/readme.txt', await tempFile(t, 'text'))
  t.equal((await fetch(storage.url('notes/readme.txt'))).headers.get('content-type'), 'text/plain', 'content type from the key when none is given')
  await storage.delete(key)
  t.equal(await storage.exists(key), false)
  await t.resolves(storage.delete(key), 'a missing key deletes without error')
  await t.rejects(storage.put('../escape.txt', await tempFile(t, 'x')), { code: 'E_PATH_TRAVERSAL_DETECTED' })
})

t.test('s3Storage with an unknown bucket rejects the put', async (t) => {
  const { endpoint } = await startS3(t)
  const storage = s3Storage({ bucket: 'no-such-bucket', region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } })
  await t.rejects(storage.put('a.txt', await tempFile(t, 'x')), { code: 'E_CANNOT_WRITE_FILE', cause: { name: 'NoSuchBucket' } })
})

t.test('s3Storage URLs: public base, path style, virtual host, AWS', async (t) => {
  const bucket = 'media'
  t.equal(s3Storage({ bucket, publicUrl: 'https://cdn.example.test/files/' }).url('a b/c.png'), 'https://cdn.example.test/files/a%20b/c.png')
  t.equal(s3Storage({ bucket, endpoint: 'http://127.0.0.1:9000', forcePathStyle: true }).url('a/c.png'), 'http://127.0.0.1:9000/media/a/c.png')
  t.equal(s3Storage({ bucket, endpoint: 'https://s3.example.test' }).url('a/c.png'), 'https://media.s3.example.test/a/c.png')
  t.equal(s3Storage({ bucket, region: 'eu-west-3' }).url('a/c.png'), 'https://media.s3.eu-west-3.amazonaws.com/a/c.png')
  t.equal(s3Storage({ bucket, region: 'eu-west-3', forcePathStyle: true }).url('a/c.png'), 'https://s3.eu-west-3.amazonaws.com/media/a/c.png')
})

t.test('s3Storage without a bucket throws at once, naming the fix', async (t) => {
  t.throws(() => s3Storage({ bucket: '' }), /s3Storage needs a bucket/)
  t.throws(() => s3Storage(undefined as unknown as { bucket: string }), /s3Storage needs a bucket/)
})
