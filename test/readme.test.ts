/**
 * The README's Quick start, as a newcomer runs it: its code block taken out of README.md, saved
 * as a file and run with tsx in a fresh folder (no database file, no table), then the requests
 * the README shows, over HTTP.
 */
import { spawn } from 'node:child_process'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import t from 'tap'
import Database from 'better-sqlite3'
import { tempDir } from './helpers/files.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** The first ```ts block of the README's "Quick start" section. */
async function quickStart (): Promise<string> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('\n## Quick start'))
  const code = /```ts\n([\s\S]*?)\n```/.exec(section.slice(0, section.indexOf('\n## ', 1)))
  if (code === null) throw new Error('README.md has no ```ts block under "## Quick start"')
  return code[1]
}

t.test('the README\'s Quick start runs as pasted: it makes its table, logs, and request.user gates writes', async (t) => {
  // inside the package, so that `fastify-form-resources` and its peers resolve as they would from node_modules
  const dir = join(ROOT, 'test', '.readme')
  await mkdir(dir, { recursive: true })
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'server.ts')
  await writeFile(file, await quickStart())
  const cwd = await tempDir(t, 'quick-start')

  const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [file], { cwd, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { child.kill('SIGTERM') })
  let logs = ''
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Quick start did not listen within 60 s:\n${logs}\n${stderr}`)), 60_000)
    child.stdout.on('data', (chunk: Buffer) => {
      logs += chunk.toString()
      const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(logs)
      if (listening !== null) {
        clearTimeout(timer)
        resolve(listening[1])
      }
    })
    child.on('exit', (code) => reject(new Error(`the Quick start exited (${String(code)}):\n${logs}\n${stderr}`)))
  })

  const send = async (body?: Record<string, string>, token?: string): Promise<{ status: number, json: any }> => {
    const res = await fetch(`${base}/api/authors/`, body === undefined
      ? {}
      : { method: 'POST', body: new URLSearchParams(body), headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
    return { status: res.status, json: await res.json() }
  }
  const list = await send()
  t.equal(list.status, 200, 'the table exists on a fresh folder')
  t.match(list.json, { stat: 'ok', authors: [], total_results: 0 })
  const anonymous = await send({ name: 'Ann' })
  t.equal(anonymous.status, 401)
  t.match(anonymous.json, { stat: 'fail', err: { code: 103 } })
  const created = await send({ name: ' Ann ', title: 'MS' }, 'secret-token')
  t.equal(created.status, 201, 'request.user set by the onRequest hook')
  t.match(created.json, { stat: 'ok', author: { id: 1, name: 'Ann', title: 'MS' } })
  const invalid = await send({ name: 'Ann', title: 'DR' }, 'secret-token')
  t.equal(invalid.status, 400)
  t.strictSame(invalid.json.fields, { name: ['Author with this Name already exists.'], title: ['Select a valid choice. DR is not one of the available choices.'] })
  t.strictSame((await send({ name: 'Anonymous' }, 'secret-token')).json.fields, { name: ['Give a real name.'] }, 'the clean hook')

  const db = new Database(join(cwd, 'app.db'), { readonly: true })
  t.teardown(() => db.close())
  t.strictSame(db.prepare('SELECT * FROM authors').all(), [{ id: 1, name: 'Ann', title: 'MS' }])
  t.match(logs, /"statusCode":401/, 'requests are logged')
  t.equal(stderr, '', 'nothing on stderr')
})
