/**
 * What the file tests share: multipart bodies (built by the platform's own FormData, as a
 * browser builds them, or written by hand for malformed ones), image bytes of each format,
 * temporary folders, and a SQLite app whose authors have an avatar. Not a test file itself.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { check, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import Fastify, { type FastifyInstance } from 'fastify'
import formResources, { defineModel, fields, localStorage, modelForm, type FileStorage, type FormResourcesOptions, type LocalStorage } from 'fastify-form-resources'
import { SignedInResource, signInFromHeader } from './app.ts'

/** The test's `t`, as far as the helpers need it. */
interface Teardown {
  teardown (fn: () => unknown): void
}

/** The first bytes of each image format the image field knows, and a few more. */
export const IMAGES = {
  png: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR png body')]),
  jpeg: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('JFIF jpeg body')]),
  gif: Buffer.from('GIF89a gif body'),
  gif87: Buffer.from('GIF87a old gif body'),
  webp: Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 webp body')])
}

/** A fresh temporary folder, removed at teardown. */
export async function tempDir (t: Teardown, name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `ffr-${name}-`))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** The entries of a folder, recursively (`a/b.png`), sorted. */
export async function filesIn (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1)).sort()
}

/** A file to upload: its bytes, name and type. */
export interface Upload { content: Buffer | string, filename: string, type?: string }

/** A multipart body as a browser's FormData makes it: `{ payload, headers }` for inject. Repeated names as arrays. */
export async function multipart (entries: Record<string, string | Upload | Array<string | Upload>>): Promise<{ payload: Buffer, headers: Record<string, string> }> {
  const form = new FormData()
  for (const [name, value] of Object.entries(entries)) {
    for (const each of Array.isArray(value) ? value : [value]) {
      if (typeof each === 'string') form.append(name, each)
      else form.append(name, new Blob([each.content], { type: each.type ?? 'application/octet-stream' }), each.filename)
    }
  }
  const response = new Response(form)
  return { payload: Buffer.from(await response.arrayBuffer()), headers: { 'content-type': response.headers.get('content-type')! } }
}

/** Authors with an avatar key, and a CHECK the database enforces that no form check knows (`name` must not be `refused`). */
export const authors = sqliteTable('authors', {
  id: integer().primaryKey({ autoIncrement: true }),
  name: text({ length: 200 }).notNull().unique(),
  avatar: text(),
  resume: text()
}, (t) => [check('name_not_refused', sql`${t.name} <> 'refused'`)])

export const SCHEMA_SQL = `
  CREATE TABLE authors (
    id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
    name text(200) NOT NULL UNIQUE,
    avatar text,
    resume text,
    CONSTRAINT name_not_refused CHECK (name <> 'refused')
  );
`

/** The author model: an avatar image under `avatars/`, a résumé file (PDF or text) replaced for good. */
export const Author = defineModel(authors, {
  fields: {
    avatar: { formField: fields.image({ uploadTo: 'avatars/' }) },
    resume: { formField: fields.file({ uploadTo: 'resumes/', extensions: ['pdf', 'txt'], maxSize: 64, deleteReplaced: true }) }
  }
})
export const AuthorForm = modelForm(Author, { fields: ['name', 'avatar', 'resume'] })

export class AuthorResource extends SignedInResource<typeof authors> {
  name = 'author'
  table = authors
  formClass = AuthorForm
}

export interface FilesApp {
  app: FastifyInstance
  sqlite: Database.Database
  /** The uploads folder. */
  root: string
  /** The folder each request's temporary folder is made in. */
  temp: string
  storage: LocalStorage
  rows (): unknown[]
}

/** An app over a fresh SQLite database with the avatar authors, local storage in a temp folder and temp files in another. */
export async function buildFilesApp (t: Teardown, { options = {}, storage, resources }: { options?: Partial<FormResourcesOptions>, storage?: FileStorage, resources?: FormResourcesOptions['resources'] } = {}): Promise<FilesApp> {
  const sqlite = new Database(':memory:')
  sqlite.exec(SCHEMA_SQL)
  const root = await tempDir(t, 'uploads')
  const temp = await tempDir(t, 'tmp')
  const local = localStorage({ root })
  const app = Fastify()
  t.teardown(async () => {
    await app.close()
    sqlite.close()
  })
  signInFromHeader(app)
  await app.register(formResources, {
    db: drizzle(sqlite),
    prefix: '/api',
    storage: storage ?? local,
    resources: resources ?? [new AuthorResource()],
    ...options,
    multipart: { tmpdir: temp, ...options.multipart }
  })
  await app.ready()
  return { app, sqlite, root, temp, storage: local, rows: () => sqlite.prepare('SELECT * FROM authors ORDER BY id').all() }
}

export const SIGNED_IN = { 'x-user': 'ann' }
