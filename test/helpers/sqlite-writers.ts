/**
 * Other processes writing to one SQLite file through the plugin, to show that writers meeting
 * each other's locks lose nothing. Each child serves a `notes` resource over the file and posts
 * notes to itself with `inject`. Not a test file itself.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The table every writer uses; make it before starting them. */
export const NOTES_SQL = 'CREATE TABLE notes (id integer PRIMARY KEY AUTOINCREMENT, text text NOT NULL)'

/** What one writer reports: how many answers of each status it got, and the texts it was told were written. */
export interface WriterReport {
  statuses: Record<string, number>
  written: string[]
}

// ESM for `node --input-type=module -e`, run from the package root so the package resolves by
// name; argv: [file, tag, count, concurrency, dbTimeout]
const CHILD = `
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import Fastify from 'fastify'
import formResources, { defineResource, modelForm } from 'fastify-form-resources'
const [file, tag, count, concurrency, dbTimeout] = process.argv.slice(1)
const notes = sqliteTable('notes', { id: integer().primaryKey({ autoIncrement: true }), text: text().notNull() })
const sqlite = new Database(file)
sqlite.pragma('journal_mode = WAL')
const app = Fastify()
const resource = defineResource({ name: 'note', table: notes, formClass: modelForm(notes, { fields: ['text'] }), hasModifyPermissions: () => true })
await app.register(formResources, { db: drizzle(sqlite), resources: [resource], dbTimeout: Number(dbTimeout) })
const statuses = {}
const written = []
let next = 0
await Promise.all(Array.from({ length: Number(concurrency) }, async () => {
  while (next < Number(count)) {
    const text = tag + '-' + next++
    const res = await app.inject({ method: 'POST', url: '/notes/', payload: { text } })
    statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1
    if (res.statusCode === 201) written.push(res.json().note.text)
  }
}))
await app.close()
sqlite.close()
process.stdout.write(JSON.stringify({ statuses, written }))
`

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Starts a process that posts `count` notes (`<tag>-0` ...), `concurrency` at a time, to the
 * file through the plugin with `dbTimeout`; resolves its report once it exits, rejects if it fails.
 */
export function runWriter (file: string, { tag, count, concurrency = 4, dbTimeout = 10_000 }: { tag: string, count: number, concurrency?: number, dbTimeout?: number }): Promise<WriterReport> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, file, tag, String(count), String(concurrency), String(dbTimeout)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(stdout) as WriterReport)
      else reject(new Error(`writer ${tag} exited with ${code}: ${stderr.trim()}`))
    })
  })
}
