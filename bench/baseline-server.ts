/**
 * The hand-written baseline: the example app's author create and update written directly with
 * Fastify, TypeBox and Drizzle, as fast as we know how. Same table, same migrations, same SQLite
 * settings (WAL), same checks, same status codes, headers and JSON as the plugin's routes.
 *
 * - bodies are checked by TypeBox validators compiled once at startup; the few checks a JSON
 *   schema cannot say (a blank name after trimming, a real calendar date) are done by hand;
 * - every query is a Drizzle prepared statement made once and run to completion (`.all()` /
 *   `.run()`, never `.returning().get()`);
 * - responses have schemas, so fast-json-stringify writes them (a nullable column as a type
 *   list, not a union, which it would check branch by branch).
 *
 * Run as a child of bench/run.ts (see bench/child.ts); reports its port over IPC.
 */
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { and, eq, ne, sql } from 'drizzle-orm'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { authors } from '../example-app/db/schema.ts'
import { registerNotes } from './baseline-notes.ts'

const migrationsFolder = fileURLToPath(new URL('../example-app/drizzle/sqlite', import.meta.url))

const Title = Type.Union([Type.Literal('MR'), Type.Literal('MRS'), Type.Literal('MS'), Type.Null()])
const BirthDate = Type.Union([Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), Type.Null()])
const CreateBody = Type.Object({
  name: Type.String({ maxLength: 200 }),
  title: Type.Optional(Title),
  birthDate: Type.Optional(BirthDate)
})
const UpdateBody = Type.Partial(CreateBody)
export type UpdateBodyType = Static<typeof UpdateBody>
export const checkCreate = TypeCompiler.Compile(CreateBody)
export const checkUpdate = TypeCompiler.Compile(UpdateBody)

const Link = Type.Object({ href: Type.String(), method: Type.String() })
// `string | null` as a type list: fast-json-stringify writes it directly, where a union (`anyOf`)
// would be checked branch by branch with a validator in every response
const NullableString = Type.Unsafe<string | null>({ type: ['string', 'null'] })
const Author = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  title: NullableString,
  birthDate: NullableString,
  avatar: NullableString,
  links: Type.Object({ self: Link, update: Link, delete: Link })
})
export const ItemEnvelope = Type.Object({ stat: Type.Literal('ok'), author: Author })
export const ErrorEnvelope = Type.Object({
  stat: Type.Literal('fail'),
  err: Type.Object({ code: Type.Integer(), msg: Type.String(), type: Type.String() }),
  fields: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String())))
})

export const NOT_LOGGED_IN = { stat: 'fail', err: { code: 103, msg: 'You are not logged in', type: 'auth-not-logged-in' } }
export const DOES_NOT_EXIST = { stat: 'fail', err: { code: 100, msg: 'Object does not exist', type: 'resource-does-not-exist' } }
export const PRECONDITION_FAILED = { stat: 'fail', err: { code: 203, msg: 'The item has changed since it was read', type: 'resource-precondition-failed' } }
const INVALID_FORM_DATA = { code: 105, msg: 'One or more fields had errors', type: 'request-field-error' }
export const MALFORMED_BODY = { stat: 'fail', err: { code: 200, msg: 'The request body could not be parsed', type: 'request-body-malformed' } }
export const UNIQUE_NAME = 'Author with this Name already exists.'

export type Row = { id: number, name: string, title: string | null, birthDate: string | null, avatar: string | null }

export function validDate (value: string): boolean {
  const year = Number(value.slice(0, 4))
  const month = Number(value.slice(5, 7))
  const day = Number(value.slice(8, 10))
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

/** Every field error of a body that failed a check, in Django's words (the slow path only). */
export function fieldErrors (body: Record<string, unknown>, required: boolean): Record<string, string[]> {
  const fields: Record<string, string[]> = {}
  const name = typeof body.name === 'string' ? body.name.trim() : body.name
  if (name === undefined || name === null || name === '') {
    if (required || name !== undefined) fields.name = ['This field is required.']
  } else if (typeof name !== 'string') {
    fields.name = ['Enter a valid value.']
  } else if (name.length > 200) {
    fields.name = [`Ensure this value has at most 200 characters (it has ${name.length}).`]
  }
  const title = body.title
  if (title !== undefined && title !== null && title !== 'MR' && title !== 'MRS' && title !== 'MS') {
    fields.title = [`Select a valid choice. ${String(title)} is not one of the available choices.`]
  }
  const birthDate = body.birthDate
  if (birthDate !== undefined && birthDate !== null && (typeof birthDate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(birthDate) || !validDate(birthDate))) {
    fields.birthDate = ['Enter a valid date.']
  }
  return fields
}

export function sendFields (reply: FastifyReply, fields: Record<string, string[]>): FastifyReply {
  return reply.code(400).send({ stat: 'fail', err: INVALID_FORM_DATA, fields })
}

function isUniqueViolation (error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } }).cause ?? error
  return (cause as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE'
}

export function etagOf (row: Row): string {
  return `"${createHash('sha1').update(JSON.stringify(row)).digest('base64url')}"`
}

/** The five queries of the two routes. */
interface Queries {
  byId (id: number): Row | undefined
  nameTaken (name: string): boolean
  nameTakenByOther (name: string, id: number): boolean
  /** Inserts and returns the new id. */
  insert (name: string, title: string | null, birthDate: string | null): number
  /** Updates and returns how many rows changed. */
  update (id: number, name: string, title: string | null, birthDate: string | null): number
}

/**
 * Drizzle's prepared queries, run to completion (`.all()`, `.run()`). No `.limit(1)`: the key and
 * the name are unique, and Drizzle binds a limit as a parameter, which SQLite built with STAT4
 * (as better-sqlite3 is) plans again on every bind.
 */
function drizzleQueries (db: BetterSQLite3Database): Queries {
  const byId = db.select().from(authors).where(eq(authors.id, sql.placeholder('id'))).prepare()
  const nameTaken = db.select({ one: sql`1` }).from(authors).where(eq(authors.name, sql.placeholder('name'))).prepare()
  const nameTakenByOther = db.select({ one: sql`1` }).from(authors)
    .where(and(eq(authors.name, sql.placeholder('name')), ne(authors.id, sql.placeholder('id')))).prepare()
  // (Drizzle's value types take no placeholders, though its prepared statements fill them)
  const values = { name: sql.placeholder('name'), title: sql.placeholder('title'), birthDate: sql.placeholder('birthDate') } as never
  const insert = db.insert(authors).values(values).prepare()
  const update = db.update(authors).set(values)
    .where(eq(authors.id, sql.placeholder('id'))).prepare()
  return {
    byId: (id) => byId.all({ id })[0] as Row | undefined,
    nameTaken: (name) => nameTaken.all({ name }).length > 0,
    nameTakenByOther: (name, id) => nameTakenByOther.all({ name, id }).length > 0,
    insert: (name, title, birthDate) => Number(insert.run({ name, title, birthDate }).lastInsertRowid),
    update: (id, name, title, birthDate) => update.run({ id, name, title, birthDate }).changes
  }
}

/** The same SQL as better-sqlite3 statements, prepared once: no query builder at run time. */
function sqliteQueries (sqlite: Database.Database): Queries {
  const byId = sqlite.prepare<[number], Row>('SELECT id, name, title, birth_date AS birthDate, avatar FROM authors WHERE id = ?')
  const nameTaken = sqlite.prepare<[string], 1>('SELECT 1 FROM authors WHERE name = ?').pluck()
  const nameTakenByOther = sqlite.prepare<[string, number], 1>('SELECT 1 FROM authors WHERE name = ? AND id <> ?').pluck()
  const insert = sqlite.prepare<[string, string | null, string | null]>('INSERT INTO authors (name, title, birth_date) VALUES (?, ?, ?)')
  const update = sqlite.prepare<[string, string | null, string | null, number]>('UPDATE authors SET name = ?, title = ?, birth_date = ? WHERE id = ?')
  return {
    // reads stop at the first row (and are reset); writes run to completion
    byId: (id) => byId.get(id),
    nameTaken: (name) => nameTaken.get(name) !== undefined,
    nameTakenByOther: (name, id) => nameTakenByOther.get(name, id) !== undefined,
    insert: (name, title, birthDate) => Number(insert.run(name, title, birthDate).lastInsertRowid),
    update: (id, name, title, birthDate) => update.run(name, title, birthDate, id).changes
  }
}

/**
 * Builds the baseline app on an on-disk SQLite file in WAL mode; never listens. `statements`:
 * better-sqlite3 statements (the default, the fastest) or Drizzle's prepared queries.
 */
export async function buildBaseline ({ dbFile, token, statements = 'sqlite' }: { dbFile: string, token: string, statements?: 'sqlite' | 'drizzle' }): Promise<FastifyInstance> {
  const sqlite = new Database(dbFile)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  const db = drizzle(sqlite)
  migrate(db, { migrationsFolder })

  const q = statements === 'drizzle' ? drizzleQueries(db) : sqliteQueries(sqlite)

  const bearer = `Bearer ${token}`
  const app = Fastify()
  app.addHook('onClose', async () => { sqlite.close() })

  const author = (origin: string, row: Row): Record<string, unknown> => {
    const href = `${origin}/api/authors/${row.id}/`
    // the avatar's key is served by the plugin at /uploads/<key>: the item carries its absolute URL
    return { ...row, avatar: row.avatar === null ? null : `${origin}/uploads/${row.avatar}`, links: { self: { href, method: 'GET' }, update: { href, method: 'PUT' }, delete: { href, method: 'DELETE' } } }
  }
  const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 404: ErrorEnvelope, 412: ErrorEnvelope }

  app.post('/api/authors/', { schema: { response: { 201: ItemEnvelope, ...errors } } }, (request, reply) => {
    if (request.headers.authorization !== bearer) return reply.code(401).header('WWW-Authenticate', 'Bearer realm="example"').send(NOT_LOGGED_IN)
    const body = request.body
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return reply.code(400).send(MALFORMED_BODY)
    // the compiled schema, then what a JSON schema cannot say: a blank name, a day that does not exist
    const valid = checkCreate.Check(body)
    const name = valid ? body.name.trim() : ''
    const title = valid ? body.title ?? null : null
    const birthDate = valid ? body.birthDate ?? null : null
    if (name === '' || (birthDate !== null && !validDate(birthDate))) return sendFields(reply, fieldErrors(body as Record<string, unknown>, true))
    if (q.nameTaken(name)) return sendFields(reply, { name: [UNIQUE_NAME] })
    let id: number
    try {
      id = q.insert(name, title, birthDate)
    } catch (error) {
      // a concurrent writer took the name between the check and the insert
      if (isUniqueViolation(error)) return sendFields(reply, { name: [UNIQUE_NAME] })
      throw error
    }
    const origin = `${request.protocol}://${request.host}`
    return reply.code(201).header('Location', `${origin}/api/authors/${id}/`)
      .send({ stat: 'ok', author: author(origin, { id, name, title, birthDate, avatar: null }) })
  })

  app.put('/api/authors/:id/', { schema: { response: { 200: ItemEnvelope, ...errors } } }, (request, reply) => {
    const body = request.body
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return reply.code(400).send(MALFORMED_BODY)
    const param = (request.params as { id: string }).id
    const id = /^\d+$/.test(param) ? Number(param) : Number.NaN
    const row = Number.isSafeInteger(id) ? q.byId(id) : undefined
    if (row === undefined) return reply.code(404).send(DOES_NOT_EXIST)
    if (request.headers.authorization !== bearer) return reply.code(401).header('WWW-Authenticate', 'Bearer realm="example"').send(NOT_LOGGED_IN)
    const ifMatch = request.headers['if-match']
    if (ifMatch !== undefined) {
      const etag = etagOf(row)
      if (!ifMatch.split(',').some((tag) => [etag, `W/${etag}`, '*'].includes(tag.trim()))) return reply.code(412).header('ETag', etag).send(PRECONDITION_FAILED)
    }
    if (!checkUpdate.Check(body)) return sendFields(reply, fieldErrors(body as Record<string, unknown>, false))
    // fields absent from the body keep the row's values
    const { name: rawName, title = row.title, birthDate = row.birthDate } = body as UpdateBodyType
    const name = rawName === undefined ? row.name : rawName.trim()
    if (name === '' || (birthDate !== null && !validDate(birthDate))) return sendFields(reply, fieldErrors(body as Record<string, unknown>, false))
    if (q.nameTakenByOther(name, id)) return sendFields(reply, { name: [UNIQUE_NAME] })
    try {
      if (q.update(id, name, title, birthDate) === 0) return reply.code(404).send(DOES_NOT_EXIST)
    } catch (error) {
      if (isUniqueViolation(error)) return sendFields(reply, { name: [UNIQUE_NAME] })
      throw error
    }
    const saved: Row = { id, name, title, birthDate, avatar: row.avatar }
    return reply.header('ETag', etagOf(saved)).send({ stat: 'ok', author: author(`${request.protocol}://${request.host}`, saved) })
  })

  registerNotes(app, sqlite, token)
  return app
}
