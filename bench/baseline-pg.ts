/**
 * The hand-written baseline on PostgreSQL: the same author create and update as
 * bench/baseline-server.ts (same checks, status codes, headers and JSON), on node-postgres.
 *
 * - a pg.Pool of node-postgres's default size (10), as the example app opens;
 * - every query is a named prepared statement (`{ name, text, values }`), parsed once per
 *   connection; a single statement each, so no explicit transaction (each is atomic);
 * - the insert returns only the new id; the row is built from the values it wrote;
 * - DATE comes back as its text (`YYYY-MM-DD`), as Drizzle's `date` column in string mode reads it;
 * - bodies are checked by the TypeBox validators compiled once in baseline-server.ts, and
 *   responses have schemas, so fast-json-stringify writes them;
 * - a unique violation (SQLSTATE 23505) at the write is answered 400, not 500.
 *
 * Drizzle runs the example app's PostgreSQL migrations, so the table is the plugin's.
 */
import { fileURLToPath } from 'node:url'
import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import Fastify, { type FastifyInstance } from 'fastify'
import pg from 'pg'
import { listAsk, listPage, listSchema } from './baseline-list.ts'
import {
  BulkOrItemEnvelope, checkBulk, checkCreate, checkUpdate, DOES_NOT_EXIST, ErrorEnvelope, etagOf, fieldErrors, INVALID_FORM_DATA, ItemEnvelope, MALFORMED_BODY,
  NOT_LOGGED_IN, PRECONDITION_FAILED, codesOf, refusedText, sendFields, UNIQUE_NAME, validDate, type BookRow, type Row, type UpdateBodyType
} from './baseline-server.ts'

const migrationsFolder = fileURLToPath(new URL('../example-app/drizzle/pg', import.meta.url))

const DATE_OID = 1082
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => oid === DATE_OID ? (value: string) => value : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser
}

const BY_ID = 'SELECT id, name, title, birth_date AS "birthDate", avatar FROM authors WHERE id = $1'
const NAME_TAKEN = 'SELECT 1 FROM authors WHERE name = $1'
const NAME_TAKEN_BY_OTHER = 'SELECT 1 FROM authors WHERE name = $1 AND id <> $2'
const INSERT = 'INSERT INTO authors (name, title, birth_date) VALUES ($1, $2, $3) RETURNING id'
const UPDATE = 'UPDATE authors SET name = $1, title = $2, birth_date = $3 WHERE id = $4'
const BOOKS = 'SELECT id, author_id AS "authorId", title, isbn, published, cover FROM books WHERE author_id = $1 ORDER BY id'
const TAGS = 'SELECT book_id AS "bookId", tag_id AS "tagId" FROM book_tags WHERE book_id = ANY($1) ORDER BY tag_id'
const NAMES = 'SELECT name FROM authors WHERE name = ANY($1)'
const PAGE_ASC = 'SELECT id, name, title, birth_date AS "birthDate", avatar FROM authors WHERE title = $1 ORDER BY name, id LIMIT $2 OFFSET $3'
const PAGE_DESC = 'SELECT id, name, title, birth_date AS "birthDate", avatar FROM authors WHERE title = $1 ORDER BY name DESC, id LIMIT $2 OFFSET $3'
const COUNT_TITLE = 'SELECT count(*)::int AS n FROM authors WHERE title = $1'
const BOOKS_MANY = 'SELECT id, author_id AS "authorId", title, isbn, published, cover FROM books WHERE author_id = ANY($1) ORDER BY id'
// every row in one statement, prepared once: one parameter per column, as arrays
const INSERT_MANY = 'INSERT INTO authors (name, title, birth_date) SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::date[]) RETURNING id'

function isUniqueViolation (error: unknown): boolean {
  return (error as { code?: unknown }).code === '23505'
}

/** Builds the baseline app on the PostgreSQL database at `databaseUrl`; never listens. */
export async function buildBaselinePg ({ databaseUrl, token }: { databaseUrl: string, token: string }): Promise<FastifyInstance> {
  const pool = new pg.Pool({ connectionString: databaseUrl, types })
  await migrate(drizzle(pool), { migrationsFolder })

  const byId = async (id: number): Promise<Row | undefined> => (await pool.query<Row>({ name: 'author-by-id', text: BY_ID, values: [id] })).rows[0]
  const nameTaken = async (name: string): Promise<boolean> => (await pool.query({ name: 'author-name-taken', text: NAME_TAKEN, values: [name] })).rowCount !== 0
  const nameTakenByOther = async (name: string, id: number): Promise<boolean> =>
    (await pool.query({ name: 'author-name-taken-by-other', text: NAME_TAKEN_BY_OTHER, values: [name, id] })).rowCount !== 0
  const insert = async (name: string, title: string | null, birthDate: string | null): Promise<number> =>
    (await pool.query<{ id: number }>({ name: 'author-insert', text: INSERT, values: [name, title, birthDate] })).rows[0].id
  const update = async (id: number, name: string, title: string | null, birthDate: string | null): Promise<number> =>
    (await pool.query({ name: 'author-update', text: UPDATE, values: [name, title, birthDate, id] })).rowCount ?? 0

  const booksOf = async (id: number): Promise<BookRow[]> => {
    const rows = (await pool.query<Omit<BookRow, 'tags'>>({ name: 'author-books', text: BOOKS, values: [id] })).rows
    if (rows.length === 0) return []
    const tags = new Map<number, number[]>()
    for (const { bookId, tagId } of (await pool.query<{ bookId: number, tagId: number }>({ name: 'book-tags', text: TAGS, values: [rows.map((row) => row.id)] })).rows) tags.set(bookId, [...(tags.get(bookId) ?? []), tagId])
    return rows.map((row) => ({ ...row, tags: tags.get(row.id) ?? [] }))
  }
  const namesTaken = async (names: readonly string[]): Promise<Set<string>> =>
    new Set((await pool.query<{ name: string }>({ name: 'author-names-taken', text: NAMES, values: [names] })).rows.map((row) => row.name))

  const booksOfMany = async (ids: number[]): Promise<Map<number, BookRow[]>> => {
    const byAuthor = new Map<number, BookRow[]>()
    const rows = (await pool.query<Omit<BookRow, 'tags'>>({ name: 'authors-books', text: BOOKS_MANY, values: [ids] })).rows
    if (rows.length === 0) return byAuthor
    const tags = new Map<number, number[]>()
    for (const { bookId, tagId } of (await pool.query<{ bookId: number, tagId: number }>({ name: 'book-tags', text: TAGS, values: [rows.map((row) => row.id)] })).rows) tags.set(bookId, [...(tags.get(bookId) ?? []), tagId])
    for (const row of rows) byAuthor.set(row.authorId, [...(byAuthor.get(row.authorId) ?? []), { ...row, tags: tags.get(row.id) ?? [] }])
    return byAuthor
  }

  const bearer = `Bearer ${token}`
  const app = Fastify()
  app.addHook('onClose', async () => { await pool.end() })

  const author = (origin: string, row: Row, books: BookRow[]): Record<string, unknown> => {
    const href = `${origin}/api/authors/${row.id}/`
    // the avatar's key is served by the plugin at /uploads/<key>: the item carries its absolute URL
    return { ...row, avatar: row.avatar === null ? null : `${origin}/uploads/${row.avatar}`, books, links: { self: { href, method: 'GET' }, update: { href, method: 'PUT' }, delete: { href, method: 'DELETE' } } }
  }
  const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 404: ErrorEnvelope, 412: ErrorEnvelope }

  app.post('/api/authors/', { schema: { response: { 201: BulkOrItemEnvelope, ...errors } } }, async (request, reply) => {
    if (request.headers.authorization !== bearer) return reply.code(401).header('WWW-Authenticate', 'Bearer realm="example"').send(NOT_LOGGED_IN)
    const body = request.body
    if (Array.isArray(body)) {
      // the bulk create: every item checked, the names in one query, every row in one prepared statement
      const check = await checkBulk(body, namesTaken)
      if (check.fields !== undefined) return reply.code(400).send({ stat: 'fail', err: INVALID_FORM_DATA, fields: check.fields, codes: codesOf(check.fields), items: check.items })
      let ids: number[]
      try {
        ids = (await pool.query<{ id: number }>({ name: 'author-insert-many', text: INSERT_MANY, values: [check.rows.map((r) => r.name), check.rows.map((r) => r.title), check.rows.map((r) => r.birthDate)] })).rows.map((r) => r.id)
      } catch (error) {
        if (isUniqueViolation(error)) return sendFields(reply, { __all__: ['An entry with these values already exists.'] })
        throw error
      }
      const origin = `${request.protocol}://${request.host}`
      return reply.code(201).send({ stat: 'ok', authors: check.rows.map((row, i) => author(origin, { id: ids[i], ...row, avatar: null }, [])) })
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return reply.code(400).send(MALFORMED_BODY)
    const valid = checkCreate.Check(body)
    const name = valid ? body.name.trim() : ''
    const title = valid ? body.title ?? null : null
    const birthDate = valid ? body.birthDate ?? null : null
    if (name === '' || refusedText(name) !== undefined || (birthDate !== null && !validDate(birthDate))) return sendFields(reply, fieldErrors(body as Record<string, unknown>, true))
    if (await nameTaken(name)) return sendFields(reply, { name: [UNIQUE_NAME] })
    let id: number
    try {
      id = await insert(name, title, birthDate)
    } catch (error) {
      // a concurrent writer took the name between the check and the insert
      if (isUniqueViolation(error)) return sendFields(reply, { name: [UNIQUE_NAME] })
      throw error
    }
    const origin = `${request.protocol}://${request.host}`
    return reply.code(201).header('Location', `${origin}/api/authors/${id}/`)
      .send({ stat: 'ok', author: author(origin, { id, name, title, birthDate, avatar: null }, []) })
  })

  app.put('/api/authors/:id/', { schema: { response: { 200: ItemEnvelope, ...errors } } }, async (request, reply) => {
    const body = request.body
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return reply.code(400).send(MALFORMED_BODY)
    const param = (request.params as { id: string }).id
    const id = /^\d+$/.test(param) ? Number(param) : Number.NaN
    // serial is a 32-bit integer: a larger id names no row (and must not reach the query)
    const row = Number.isSafeInteger(id) && id <= 2_147_483_647 ? await byId(id) : undefined
    if (row === undefined) return reply.code(404).send(DOES_NOT_EXIST)
    if (request.headers.authorization !== bearer) return reply.code(401).header('WWW-Authenticate', 'Bearer realm="example"').send(NOT_LOGGED_IN)
    const ifMatch = request.headers['if-match']
    if (ifMatch !== undefined) {
      const etag = etagOf(row)
      if (!ifMatch.split(',').some((tag) => [etag, `W/${etag}`, '*'].includes(tag.trim()))) return reply.code(412).header('ETag', etag).send(PRECONDITION_FAILED)
    }
    if (!checkUpdate.Check(body)) return sendFields(reply, fieldErrors(body as Record<string, unknown>, false))
    const { name: rawName, title = row.title, birthDate = row.birthDate } = body as UpdateBodyType
    const name = rawName === undefined ? row.name : rawName.trim()
    if (name === '' || refusedText(name) !== undefined || (birthDate !== null && !validDate(birthDate))) return sendFields(reply, fieldErrors(body as Record<string, unknown>, false))
    if (await nameTakenByOther(name, id)) return sendFields(reply, { name: [UNIQUE_NAME] })
    try {
      if (await update(id, name, title, birthDate) === 0) return reply.code(404).send(DOES_NOT_EXIST)
    } catch (error) {
      if (isUniqueViolation(error)) return sendFields(reply, { name: [UNIQUE_NAME] })
      throw error
    }
    const saved: Row = { id, name, title, birthDate, avatar: row.avatar }
    return reply.header('ETag', etagOf(saved)).send({ stat: 'ok', author: author(`${request.protocol}://${request.host}`, saved, await booksOf(id)) })
  })

  app.get('/api/authors/', { schema: listSchema() }, async (request, reply) => {
    const ask = listAsk(request, reply)
    if (ask === undefined) return reply
    const [page, count] = await Promise.all([
      pool.query<Row>({ name: ask.desc ? 'authors-page-desc' : 'authors-page-asc', text: ask.desc ? PAGE_DESC : PAGE_ASC, values: [ask.title, ask.max, ask.start] }),
      pool.query<{ n: number }>({ name: 'authors-count-title', text: COUNT_TITLE, values: [ask.title] })
    ])
    const rows = page.rows
    return reply.send(listPage(request, ask, rows, count.rows[0].n, rows.length === 0 ? new Map() : await booksOfMany(rows.map((row) => row.id)), author))
  })

  return app
}
