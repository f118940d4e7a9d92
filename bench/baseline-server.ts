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
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { authors } from '../example-app/db/schema.ts'
import { listAsk, listPage, listSchema } from './baseline-list.ts'
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
/** A book as the author item nests it: its columns and its tags' keys, in order. */
export const Book = Type.Object({
  id: Type.Integer(),
  authorId: Type.Integer(),
  title: Type.String(),
  isbn: NullableString,
  published: Type.Boolean(),
  cover: NullableString,
  tags: Type.Array(Type.Integer())
})
export type BookRow = { id: number, authorId: number, title: string, isbn: string | null, published: boolean, cover: string | null, tags: number[] }
export const Author = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  title: NullableString,
  birthDate: NullableString,
  avatar: NullableString,
  books: Type.Array(Book),
  links: Type.Object({ self: Link, update: Link, delete: Link })
})
export const ItemEnvelope = Type.Object({ stat: Type.Literal('ok'), author: Author })
export const ListEnvelope = Type.Object({ stat: Type.Literal('ok'), authors: Type.Array(Author) })
const Dict = Type.Record(Type.String(), Type.Array(Type.String()))
export const ErrorEnvelope = Type.Object({
  stat: Type.Literal('fail'),
  err: Type.Object({ code: Type.Integer(), msg: Type.String(), type: Type.String() }),
  fields: Type.Optional(Dict),
  codes: Type.Optional(Dict),
  items: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Dict)))
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

export const NULL_CHARACTERS = 'Null characters are not allowed.'

/**
 * The message for text the plugin's text fields refuse before any other check, or `undefined`:
 * a lone UTF-16 surrogate (no character, no UTF-8: `Enter a valid value.`) or a null character
 * (Django's `ProhibitNullCharactersValidator`). Two native string scans.
 */
export function refusedText (value: string): string | undefined {
  if (!(value as string & { isWellFormed (): boolean }).isWellFormed()) return 'Enter a valid value.'
  return value.includes('\0') ? NULL_CHARACTERS : undefined
}

/** Every field error of a body that failed a check, in Django's words (the slow path only). */
export function fieldErrors (body: Record<string, unknown>, required: boolean): Record<string, string[]> {
  const fields: Record<string, string[]> = {}
  const name = typeof body.name === 'string' ? body.name.trim() : body.name
  if (name === undefined || name === null || name === '') {
    if (required || name !== undefined) fields.name = ['This field is required.']
  } else if (typeof name !== 'string') {
    fields.name = ['Enter a valid value.']
  } else {
    const refused = refusedText(name)
    if (refused !== undefined) fields.name = [refused]
    else if (name.length > 200) fields.name = [`Ensure this value has at most 200 characters (it has ${name.length}).`]
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

/** One valid author of a bulk create. */
export type NewAuthor = { name: string, title: string | null, birthDate: string | null }

/**
 * The checks of a bulk create, in Django's order: each item's fields; the names taken, in one
 * query for the items whose name is clean; names given twice among the items still valid
 * (`Please correct the duplicate data for name.`, the later item `Please correct the duplicate
 * values below.`). `fields` and `items` as the plugin's 400 has them, or the rows to insert.
 */
export function checkBulk<T> (body: unknown[], namesTaken: (names: readonly string[]) => T): T extends PromiseLike<Set<string>> ? Promise<BulkCheck> : BulkCheck {
  const errors: Array<Record<string, string[]>> = []
  const rows: NewAuthor[] = []
  const named: Array<[number, string]> = []
  body.forEach((item, i) => {
    const fields = typeof item === 'object' && item !== null && !Array.isArray(item) ? item as Record<string, unknown> : {}
    const valid = checkCreate.Check(fields)
    const name = valid ? fields.name.trim() : ''
    const birthDate = valid ? fields.birthDate ?? null : null
    const own = valid && name !== '' && refusedText(name) === undefined && (birthDate === null || validDate(birthDate)) ? {} : fieldErrors(fields, true)
    errors.push(own)
    rows.push({ name, title: valid ? fields.title ?? null : null, birthDate })
    if (own.name === undefined) named.push([i, typeof fields.name === 'string' ? fields.name.trim() : String(fields.name)])
  })
  const finish = (taken: Set<string>): BulkCheck => {
    for (const [i, name] of named) if (taken.has(name)) errors[i].name = [UNIQUE_NAME]
    const seen = new Set<string>()
    const all: string[] = []
    rows.forEach((row, i) => {
      if (Object.keys(errors[i]).length > 0) return
      if (seen.has(row.name)) {
        all.push('Please correct the duplicate data for name.')
        errors[i].__all__ = ['Please correct the duplicate values below.']
      }
      seen.add(row.name)
    })
    if (all.length === 0 && errors.every((e) => Object.keys(e).length === 0)) return { rows }
    const fields: Record<string, string[]> = all.length > 0 ? { __all__: all } : {}
    const items: Record<string, Record<string, string[]>> = {}
    errors.forEach((e, i) => {
      if (Object.keys(e).length === 0) return
      items[String(i)] = e
      for (const [key, messages] of Object.entries(e)) fields[`authors-${i}-${key}`] = messages
    })
    return { rows, fields, items: { authors: items } }
  }
  const taken = namesTaken(named.map(([, name]) => name))
  return (typeof (taken as PromiseLike<Set<string>>).then === 'function' ? Promise.resolve(taken as PromiseLike<Set<string>>).then(finish) : finish(taken as Set<string>)) as never
}

/** What `checkBulk` found: the rows, and the errors when there are any. */
export interface BulkCheck {
  rows: NewAuthor[]
  fields?: Record<string, string[]>
  items?: Record<string, Record<string, Record<string, string[]>>>
}

export const BulkOrItemEnvelope = Type.Object({ stat: Type.Literal('ok'), author: Type.Optional(Author), authors: Type.Optional(Type.Array(Author)) })
export { INVALID_FORM_DATA }

/** Each message's key, as the plugin's 400 carries them beside the messages (`invalid` for one raised without a key). */
function codeOf (message: string): string {
  if (message === 'This field is required.') return 'required'
  if (message === UNIQUE_NAME) return 'unique'
  if (message.startsWith('Ensure this value has at most')) return 'maxLength'
  if (message.startsWith('Select a valid choice')) return 'invalidChoice'
  if (message.startsWith('Please correct the duplicate data')) return 'duplicate'
  if (message === 'Please correct the duplicate values below.') return 'duplicateValues'
  if (message === NULL_CHARACTERS) return 'nullCharactersNotAllowed'
  return 'invalid'
}

/** The `codes` of a 400: the keys of `fields`, each message's key in order. */
export function codesOf (fields: Record<string, string[]>): Record<string, string[]> {
  const codes: Record<string, string[]> = {}
  for (const key in fields) codes[key] = fields[key].map(codeOf)
  return codes
}

export function sendFields (reply: FastifyReply, fields: Record<string, string[]>): FastifyReply {
  return reply.code(400).send({ stat: 'fail', err: INVALID_FORM_DATA, fields, codes: codesOf(fields) })
}

function isUniqueViolation (error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } }).cause ?? error
  return (cause as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE'
}

export function etagOf (row: Row): string {
  return `"${createHash('sha1').update(JSON.stringify(row)).digest('base64url')}"`
}

/** The queries of the routes. */
interface Queries {
  byId (id: number): Row | undefined
  /** The author's books in key order, each with its tags (one query for the books, one for all their tags). */
  booksOf (id: number): BookRow[]
  /** A list page: the authors with this title, by name (then key), and how many there are. */
  page (title: string, desc: boolean, limit: number, offset: number): Row[]
  countTitle (title: string): number
  /** The books of several authors, by author (one query for the books, one for their tags). */
  booksOfMany (ids: number[]): Map<number, BookRow[]>
  /** Which of these names are taken: one query. */
  namesTaken (names: readonly string[]): Set<string>
  /** Runs `write` in one transaction. */
  transaction<T> (write: () => T): T
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
  const raw = sqliteQueries((db as unknown as { $client: Database.Database }).$client)
  return {
    page: raw.page,
    countTitle: raw.countTitle,
    booksOfMany: raw.booksOfMany,
    booksOf: raw.booksOf,
    namesTaken: raw.namesTaken,
    transaction: raw.transaction,
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
  const books = sqlite.prepare<[number], Omit<BookRow, 'published' | 'tags'> & { published: number }>('SELECT id, author_id AS authorId, title, isbn, published, cover FROM books WHERE author_id = ? ORDER BY id')
  // one statement for any number of keys: the list as one JSON parameter
  const tagsOf = sqlite.prepare<[string], { bookId: number, tagId: number }>('SELECT book_id AS bookId, tag_id AS tagId FROM book_tags WHERE book_id IN (SELECT value FROM json_each(?)) ORDER BY tag_id')
  const names = sqlite.prepare<[string], string>('SELECT name FROM authors WHERE name IN (SELECT value FROM json_each(?))').pluck()
  const pageAsc = sqlite.prepare<[string, number, number], Row>('SELECT id, name, title, birth_date AS birthDate, avatar FROM authors WHERE title = ? ORDER BY name, id LIMIT ? OFFSET ?')
  const pageDesc = sqlite.prepare<[string, number, number], Row>('SELECT id, name, title, birth_date AS birthDate, avatar FROM authors WHERE title = ? ORDER BY name DESC, id LIMIT ? OFFSET ?')
  const countTitle = sqlite.prepare<[string], number>('SELECT count(*) FROM authors WHERE title = ?').pluck()
  const booksMany = sqlite.prepare<[string], Omit<BookRow, 'published' | 'tags'> & { published: number }>('SELECT id, author_id AS authorId, title, isbn, published, cover FROM books WHERE author_id IN (SELECT value FROM json_each(?)) ORDER BY id')
  const withTags = (rows: Array<Omit<BookRow, 'published' | 'tags'> & { published: number }>): BookRow[] => {
    if (rows.length === 0) return []
    const tags = new Map<number, number[]>()
    for (const { bookId, tagId } of tagsOf.all(JSON.stringify(rows.map((row) => row.id)))) tags.set(bookId, [...(tags.get(bookId) ?? []), tagId])
    return rows.map((row) => ({ ...row, published: row.published === 1, tags: tags.get(row.id) ?? [] }))
  }
  return {
    page: (title, desc, limit, offset) => (desc ? pageDesc : pageAsc).all(title, limit, offset),
    countTitle: (title) => countTitle.get(title)!,
    booksOfMany: (ids) => {
      const byAuthor = new Map<number, BookRow[]>()
      for (const book of withTags(booksMany.all(JSON.stringify(ids)))) byAuthor.set(book.authorId, [...(byAuthor.get(book.authorId) ?? []), book])
      return byAuthor
    },
    booksOf: (id) => {
      const rows = books.all(id)
      if (rows.length === 0) return []
      const tags = new Map<number, number[]>()
      for (const { bookId, tagId } of tagsOf.all(JSON.stringify(rows.map((row) => row.id)))) tags.set(bookId, [...(tags.get(bookId) ?? []), tagId])
      return rows.map((row) => ({ ...row, published: row.published === 1, tags: tags.get(row.id) ?? [] }))
    },
    namesTaken: (list) => new Set(names.all(JSON.stringify(list))),
    transaction: (write) => sqlite.transaction(write).immediate(),
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
  migrate(drizzle(sqlite), { migrationsFolder })
  const app = Fastify()
  app.addHook('onClose', async () => { sqlite.close() })
  registerBaseline(app, sqlite, { token, statements })
  return app
}

/**
 * Registers the hand-written routes on `app` (a whole app, or a prefixed context of another:
 * bench/same-process.ts mounts them beside the plugin's), on an open and migrated database.
 */
export function registerBaseline (app: FastifyInstance, sqlite: Database.Database, { token, statements = 'sqlite' }: { token: string, statements?: 'sqlite' | 'drizzle' }): void {
  const q = statements === 'drizzle' ? drizzleQueries(drizzle(sqlite)) : sqliteQueries(sqlite)
  const bearer = `Bearer ${token}`

  const author = (origin: string, row: Row, books: BookRow[]): Record<string, unknown> => {
    const href = `${origin}/api/authors/${row.id}/`
    // the avatar's key is served by the plugin at /uploads/<key>: the item carries its absolute URL
    return { ...row, avatar: row.avatar === null ? null : `${origin}/uploads/${row.avatar}`, books, links: { self: { href, method: 'GET' }, update: { href, method: 'PUT' }, delete: { href, method: 'DELETE' } } }
  }
  const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 404: ErrorEnvelope, 412: ErrorEnvelope }

  app.post('/api/authors/', { schema: { response: { 201: BulkOrItemEnvelope, ...errors } } }, (request, reply) => {
    if (request.headers.authorization !== bearer) return reply.code(401).header('WWW-Authenticate', 'Bearer realm="example"').send(NOT_LOGGED_IN)
    const body = request.body
    if (Array.isArray(body)) return bulkCreate(body, request, reply)
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return reply.code(400).send(MALFORMED_BODY)
    // the compiled schema, then what a JSON schema cannot say: a blank name, a day that does not exist
    const valid = checkCreate.Check(body)
    const name = valid ? body.name.trim() : ''
    const title = valid ? body.title ?? null : null
    const birthDate = valid ? body.birthDate ?? null : null
    if (name === '' || refusedText(name) !== undefined || (birthDate !== null && !validDate(birthDate))) return sendFields(reply, fieldErrors(body as Record<string, unknown>, true))
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
      .send({ stat: 'ok', author: author(origin, { id, name, title, birthDate, avatar: null }, []) })
  })

  /** The bulk create: every item checked, the names in one query, every row in one transaction of prepared inserts. */
  const bulkCreate = (body: unknown[], request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const check = checkBulk(body, q.namesTaken)
    if (check.fields !== undefined) return reply.code(400).send({ stat: 'fail', err: INVALID_FORM_DATA, fields: check.fields, codes: codesOf(check.fields), items: check.items })
    let ids: number[]
    try {
      ids = q.transaction(() => check.rows.map(({ name, title, birthDate }) => q.insert(name, title, birthDate)))
    } catch (error) {
      if (isUniqueViolation(error)) return sendFields(reply, { __all__: ['An entry with these values already exists.'] })
      throw error
    }
    const origin = `${request.protocol}://${request.host}`
    return reply.code(201).send({ stat: 'ok', authors: check.rows.map((row, i) => author(origin, { id: ids[i], ...row, avatar: null }, [])) })
  }

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
    if (name === '' || refusedText(name) !== undefined || (birthDate !== null && !validDate(birthDate))) return sendFields(reply, fieldErrors(body as Record<string, unknown>, false))
    if (q.nameTakenByOther(name, id)) return sendFields(reply, { name: [UNIQUE_NAME] })
    try {
      if (q.update(id, name, title, birthDate) === 0) return reply.code(404).send(DOES_NOT_EXIST)
    } catch (error) {
      if (isUniqueViolation(error)) return sendFields(reply, { name: [UNIQUE_NAME] })
      throw error
    }
    const saved: Row = { id, name, title, birthDate, avatar: row.avatar }
    return reply.header('ETag', etagOf(saved)).send({ stat: 'ok', author: author(`${request.protocol}://${request.host}`, saved, q.booksOf(id)) })
  })

  app.get('/api/authors/', { schema: listSchema() }, (request, reply) => {
    const ask = listAsk(request, reply)
    if (ask === undefined) return reply
    const rows = q.page(ask.title, ask.desc, ask.max, ask.start)
    const total = q.countTitle(ask.title)
    return reply.send(listPage(request, ask, rows, total, rows.length === 0 ? new Map() : q.booksOfMany(rows.map((row) => row.id)), author))
  })

  registerNotes(app, sqlite, token)
}
