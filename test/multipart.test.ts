// Multipart bodies: limits answered 413, malformed bodies 400, refused field names, and temporary files counted after every response.
import { existsSync, statSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { connect } from 'node:net'
import t from 'tap'
import { MALFORMED_BODY, modelForm, REQUEST_TOO_LARGE } from 'fastify-form-resources'
import { Author, AuthorResource, buildFilesApp, filesIn, IMAGES, multipart, SIGNED_IN } from './helpers/files.ts'

const png = { content: IMAGES.png, filename: 'me.png', type: 'image/png' }
const tooLarge = (detail: string) => ({ stat: 'fail', err: { code: REQUEST_TOO_LARGE.code, msg: REQUEST_TOO_LARGE.msg, type: REQUEST_TOO_LARGE.errorType, detail } })
const malformed = (detail: string) => ({ stat: 'fail', err: { code: MALFORMED_BODY.code, msg: MALFORMED_BODY.msg, type: MALFORMED_BODY.errorType, detail } })

/** A multipart body written by hand, for the shapes a FormData never makes. */
const raw = (...parts: string[]): { payload: string, headers: Record<string, string> } => ({
  payload: parts.join('\r\n'),
  headers: { 'content-type': 'multipart/form-data; boundary=XyZ' }
})

t.test('limits past which a multipart body is 413 REQUEST_TOO_LARGE, nothing written, no temporary file left', async (t) => {
  const { app, temp, root, rows } = await buildFilesApp(t, { options: { multipart: { fileSize: 100, files: 2, parts: 6, fieldSize: 10 } } })
  const cases: Array<[string, Parameters<typeof multipart>[0], string]> = [
    ['a file one byte past fileSize', { name: 'Ann', avatar: { ...png, content: Buffer.concat([IMAGES.png, Buffer.alloc(101 - IMAGES.png.length)]) } }, 'The file "avatar" is larger than the limit of 100 bytes.'],
    ['more files than files', { name: 'Ann', avatar: [png, png, png] }, 'The body has more than 2 files.'],
    ['more parts than parts', { name: 'Ann', a: ['1', '2', '3', '4', '5', '6'] }, 'The body has more than 6 parts.'],
    ['a field longer than fieldSize', { name: 'Ann Leckie!' }, 'The field "name" is longer than the limit of 10 bytes.']
  ]
  for (const [what, entries, detail] of cases) {
    const body = await multipart(entries)
    const res = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...body.headers }, payload: body.payload })
    t.equal(res.statusCode, 413, what)
    t.strictSame(res.json(), tooLarge(detail), what)
    t.equal(res.headers.connection, 'close', `${what}: the rest of the body is not read`)
    t.strictSame(await readdir(temp), [], `${what}: no temporary folder left`)
  }
  t.strictSame(rows(), [])
  t.strictSame(await filesIn(root), [])
  const atLimit = await multipart({ name: 'Ann Lecki', avatar: [{ ...png, content: Buffer.concat([IMAGES.png, Buffer.alloc(100 - IMAGES.png.length)]) }, png] })
  const ok = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...atLimit.headers }, payload: atLimit.payload })
  t.equal(ok.statusCode, 201, 'a file of exactly fileSize bytes, two files, a field of fieldSize bytes: accepted')
})

t.test('the default limits: 10 MiB per file, 10 files, 1,000 parts, 1 MiB per field', async (t) => {
  const { app } = await buildFilesApp(t)
  const big = await multipart({ name: 'Ann', avatar: { ...png, content: Buffer.concat([IMAGES.png, Buffer.alloc(10 * 1024 * 1024 + 1 - IMAGES.png.length)]) } })
  const res = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...big.headers }, payload: big.payload })
  t.strictSame(res.json(), tooLarge('The file "avatar" is larger than the limit of 10485760 bytes.'))
  const files = await multipart({ name: 'Ann', avatar: Array.from({ length: 11 }, () => png) })
  t.strictSame((await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...files.headers }, payload: files.payload })).json(), tooLarge('The body has more than 10 files.'))
  const parts = await multipart({ name: 'Ann', x: Array.from({ length: 1000 }, () => 'x') })
  t.strictSame((await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...parts.headers }, payload: parts.payload })).json(), tooLarge('The body has more than 1000 parts.'))
  const field = await multipart({ name: 'x'.repeat(1024 * 1024 + 1) })
  t.strictSame((await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...field.headers }, payload: field.payload })).json(), tooLarge('The field "name" is longer than the limit of 1048576 bytes.'))
})

t.test('bad multipart limits throw at registration', async (t) => {
  for (const [key, value] of [['fileSize', 0], ['files', -1], ['parts', 1.5], ['fieldSize', '10']] as const) {
    await t.rejects(buildFilesApp(t, { options: { multipart: { [key]: value } as never } }), { code: 'FFR_ERR_MULTIPART_LIMIT', message: new RegExp(`multipart\\.${key} must be a positive whole number`) })
  }
})

t.test('a field named after a property of every object is refused, as a field or as a file', async (t) => {
  const { app, temp, rows } = await buildFilesApp(t)
  for (const name of ['__proto__', 'constructor', 'toString']) {
    for (const part of [`Content-Disposition: form-data; name="${name}"\r\n\r\n{}`, `Content-Disposition: form-data; name="${name}"; filename="a.png"\r\nContent-Type: image/png\r\n\r\nPNG`]) {
      const body = raw('--XyZ', 'Content-Disposition: form-data; name="name"', '', 'Ann', '--XyZ', part, '--XyZ--', '')
      const res = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...body.headers }, payload: body.payload })
      t.equal(res.statusCode, 400, name)
      t.strictSame(res.json(), malformed('A field is named after a property every object has ("__proto__", "constructor", ...); such names are refused.'), name)
    }
  }
  t.strictSame(rows(), [])
  t.strictSame(await readdir(temp), [])
})

t.test('malformed multipart bodies are 400 MALFORMED_BODY and never end the process (fastify-multipart#594)', async (t) => {
  const { app, temp, rows } = await buildFilesApp(t)
  const cases: Array<[string, { payload: string, headers: Record<string, string> }, string | RegExp]> = [
    // a file part cut off before its closing boundary: the "uncatchable error" of fastify-multipart#594, which the
    // parser meets after an await (making the request's temporary folder), before it reads the file
    ['a file part terminated early', raw('--XyZ', 'Content-Disposition: form-data; name="name"', '', 'Ann', '--XyZ', 'Content-Disposition: form-data; name="avatar"; filename="a.png"', 'Content-Type: image/png', '', 'PNG bytes without an end'), /^The multipart body could not be parsed: (Part terminated early due to unexpected end of multipart data|Unexpected end of multipart data)$/],
    ['a field part terminated early', raw('--XyZ', 'Content-Disposition: form-data; name="name"', '', 'Ann'), 'The multipart body could not be parsed: Unexpected end of multipart data'],
    ['no boundary', { payload: 'name=Ann', headers: { 'content-type': 'multipart/form-data' } }, 'The multipart body could not be parsed: Multipart: Boundary not found'],
    ['a JSON part that is not JSON', raw('--XyZ', 'Content-Disposition: form-data; name="name"', 'Content-Type: application/json', '', '{nope', '--XyZ--', ''), 'A field sent as application/json is not valid JSON.']
  ]
  for (const [what, body, detail] of cases) {
    const res = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...body.headers }, payload: body.payload })
    t.equal(res.statusCode, 400, what)
    if (typeof detail === 'string') t.strictSame(res.json(), malformed(detail), what)
    else t.match(res.json(), { ...malformed(''), err: { ...malformed('').err, detail } }, what)
    t.strictSame(await readdir(temp), [], `${what}: no temporary folder left`)
  }
  t.strictSame(rows(), [])
  const empty = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, 'content-type': 'multipart/form-data; boundary=XyZ' }, payload: '' })
  t.strictSame(empty.json().fields, { name: ['This field is required.'] }, 'an empty body is an empty form')
})

t.test('what a browser sends: an empty file input is no file, a field sent twice a list, the last file of a name wins', async (t) => {
  const { app, root, rows } = await buildFilesApp(t)
  const body = raw('--XyZ', 'Content-Disposition: form-data; name="name"', '', 'Ann', '--XyZ',
    'Content-Disposition: form-data; name="avatar"; filename=""', 'Content-Type: application/octet-stream', '', '', '--XyZ--', '')
  const res = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, 'content-type': 'Multipart/Form-Data; boundary=XyZ' }, payload: body.payload })
  t.equal(res.statusCode, 201, 'the content type in any case')
  t.equal(res.json().author.avatar, null)
  t.strictSame(await filesIn(root), [])
  const twice = await multipart({ name: ['Ann', 'Bob'] })
  t.strictSame((await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: { ...SIGNED_IN, ...twice.headers }, payload: twice.payload })).json().fields, { name: ['Enter a valid value.'] })
  const two = await multipart({ avatar: [{ ...png, filename: 'first.png' }, { ...png, filename: 'second.png' }] })
  const last = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: { ...SIGNED_IN, ...two.headers }, payload: two.payload })
  t.match(last.json().author.avatar, /\/avatars\/second-[0-9a-f]{16}\.png$/)
  t.match(rows(), [{ avatar: /^avatars\/second-/ }])
})

t.test('temporary files: there while the form cleans, gone after every response, success or failure', async (t) => {
  const seen: Array<{ exists: boolean, size: number, inTemp: boolean }> = []
  let temp = ''
  const form = modelForm(Author, {
    fields: ['name', 'avatar', 'resume'],
    clean: {
      avatar: (value: any) => {
        seen.push({ exists: existsSync(value.path), size: statSync(value.path).size, inTemp: value.path.startsWith(temp) })
        return value
      }
    }
  })
  class Resource extends AuthorResource { formClass = form }
  const built = await buildFilesApp(t, { resources: [new Resource()], options: { multipart: { fileSize: 4096 } } })
  temp = built.temp
  const { app } = built
  const big = { ...png, content: Buffer.concat([IMAGES.png, Buffer.alloc(3000)]) }
  const requests: Array<[string, Parameters<typeof multipart>[0], number]> = [
    ['created', { name: 'Ann', avatar: big }, 201],
    ['refused by the form', { name: 'Ann', avatar: big }, 400],
    ['refused by the database', { name: 'refused', avatar: big }, 400],
    ['too large', { name: 'Bob', avatar: { ...png, content: Buffer.alloc(5000) } }, 413],
    ['many files', { name: 'Bob', avatar: [big, big, big], resume: { content: 'cv', filename: 'cv.txt' } }, 201]
  ]
  for (const [what, entries, status] of requests) {
    const body = await multipart(entries)
    const res = await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...body.headers }, payload: body.payload })
    t.equal(res.statusCode, status, what)
    t.strictSame(await readdir(temp), [], `${what}: the request's temporary folder is gone`)
  }
  const malformed = raw('--XyZ', 'Content-Disposition: form-data; name="avatar"; filename="a.png"', '', 'cut short')
  t.equal((await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...malformed.headers }, payload: malformed.payload })).statusCode, 400)
  t.strictSame(await readdir(temp), [], 'malformed: gone')
  const unauthorized = await multipart({ name: 'Eve', avatar: big })
  t.equal((await app.inject({ method: 'POST', url: '/api/authors/', headers: unauthorized.headers, payload: unauthorized.payload })).statusCode, 401)
  t.strictSame(await readdir(temp), [], 'refused by permission: gone')
  // cleaned: the create, the duplicate, the one the database refuses, and the last of three files of one name
  t.strictSame(seen, Array.from({ length: 4 }, () => ({ exists: true, size: big.content.length, inTemp: true })), 'each file the form cleaned was a whole temporary file in the configured folder')
})

t.test('a client that goes away mid-upload leaves no temporary file, and the server goes on', async (t) => {
  const { app, temp } = await buildFilesApp(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const head = ['--XyZ', 'Content-Disposition: form-data; name="name"', '', 'Ann', '--XyZ', 'Content-Disposition: form-data; name="avatar"; filename="a.png"', 'Content-Type: image/png', '', ''].join('\r\n')
  const socket = connect(port, '127.0.0.1')
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  socket.write(`POST /api/authors/ HTTP/1.1\r\nHost: x\r\nx-user: ann\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 1000000\r\n\r\n${head}`)
  socket.write(Buffer.concat([IMAGES.png, Buffer.alloc(20000)]))
  // the temporary file exists while the upload streams in
  for (let i = 0; i < 100 && (await filesIn(temp)).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal((await filesIn(temp)).length, 1, 'the upload streams into a temporary file')
  socket.destroy()
  for (let i = 0; i < 100 && (await readdir(temp)).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20))
  t.strictSame(await readdir(temp), [], 'removed when the client went away')
  const res = await fetch(`http://127.0.0.1:${port}/api/authors/`)
  t.equal(res.status, 200, 'the server still answers')
  t.strictSame(((await res.json()) as { authors: unknown[] }).authors, [])
})

t.test('JSON and URL-encoded requests never reach the multipart context; multipart ones do', async (t) => {
  const kinds: string[] = []
  class Resource extends AuthorResource {
    parse = { name: (value: unknown, { request }: { request?: any }) => { kinds.push(typeof request.isMultipart); return value } }
  }
  const { app } = await buildFilesApp(t, { resources: [new Resource()] })
  await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { name: 'Ann' } })
  await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=Bob' })
  const body = await multipart({ name: 'Cid' })
  await app.inject({ method: 'POST', url: '/api/authors/', headers: { ...SIGNED_IN, ...body.headers }, payload: body.payload })
  t.strictSame(kinds, ['undefined', 'undefined', 'function'], 'only the multipart request had @fastify/multipart\'s decorators (and so its hooks)')
})
