/**
 * The hand-written baseline of the `hooked` phase: the example app's sticky note create written
 * directly with Fastify and better-sqlite3, doing what the resource's three hooks do: the parse
 * hook (Windows line ends to newlines), the clean hook (at most one blank line in a row) and the
 * form's clean (no note dated in the future), with the same checks, answers and JSON.
 *
 * - the body is checked by a TypeBox validator compiled once; the date-time and blank checks a
 *   JSON schema cannot say are done by hand, as Django's DateTimeField reads ISO 8601;
 * - the insert is one prepared statement (two: with and without a timestamp, so the column's
 *   default applies), run to completion with RETURNING for the stamped time.
 */
import type Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { ErrorEnvelope, MALFORMED_BODY, NOT_LOGGED_IN, sendFields, validDate } from './baseline-server.ts'

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i
const FUTURE = 'A note cannot be dated in the future.'

const CreateBody = Type.Object({ text: Type.String(), timestamp: Type.Optional(Type.Union([Type.String(), Type.Null()])) })
const checkCreate = TypeCompiler.Compile(CreateBody)
const Link = Type.Object({ href: Type.String(), method: Type.String() })
const Note = Type.Object({
  id: Type.Integer(),
  timestamp: Type.String({ format: 'date-time' }),
  text: Type.String(),
  links: Type.Object({ self: Link, update: Link, delete: Link })
})
const ItemEnvelope = Type.Object({ stat: Type.Literal('ok'), stickyNote: Note })

/** An ISO 8601 date-time as Django's DateTimeField reads it (UTC when it gives no offset), or `undefined`. */
function toDate (value: string): Date | undefined {
  const m = DATETIME.exec(value.trim())
  if (m === null || !validDate(`${m[1]}-${m[2]}-${m[3]}`) || Number(m[4] ?? 0) > 23 || Number(m[5] ?? 0) > 59 || Number(m[6] ?? 0) > 59) return undefined
  const zone = m[8] === undefined ? 'Z' : m[8].length === 3 ? `${m[8]}:00` : m[8].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}.${(m[7] ?? '0').slice(0, 3).padEnd(3, '0')}${zone.toUpperCase()}`)
  return Number.isNaN(date.getTime()) ? undefined : date
}

/** Registers `POST /api/sticky-notes/` on the baseline app. */
export function registerNotes (app: FastifyInstance, sqlite: Database.Database, token: string): void {
  const bearer = `Bearer ${token}`
  const insertStamped = sqlite.prepare<[number, string], { id: number, timestamp: number }>('INSERT INTO sticky_notes (timestamp, text) VALUES (?, ?) RETURNING id, timestamp')
  const insertNow = sqlite.prepare<[string], { id: number, timestamp: number }>('INSERT INTO sticky_notes (text) VALUES (?) RETURNING id, timestamp')
  app.post('/api/sticky-notes/', { schema: { response: { 201: ItemEnvelope, 400: ErrorEnvelope, 401: ErrorEnvelope } } }, (request, reply) => {
    if (request.headers.authorization !== bearer) return reply.code(401).header('WWW-Authenticate', 'Bearer realm="example"').send(NOT_LOGGED_IN)
    const body = request.body
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return reply.code(400).send(MALFORMED_BODY)
    const fields: Record<string, string[]> = {}
    const raw = (body as { text?: unknown }).text
    // the parse hook, then the field (stripped, required), then the clean hook
    const text = checkCreate.Check(body) ? body.text.replace(/\r\n/g, '\n').trim().replace(/\n{3,}/g, '\n\n') : ''
    if (text === '') fields.text = [typeof raw === 'string' || raw === undefined || raw === null ? 'This field is required.' : 'Enter a valid value.']
    const stamp = (body as { timestamp?: unknown }).timestamp
    let timestamp: Date | undefined
    if (stamp !== undefined && stamp !== null && stamp !== '') {
      timestamp = typeof stamp === 'string' ? toDate(stamp) : undefined
      if (timestamp === undefined) fields.timestamp = ['Enter a valid date/time.']
    }
    // the form's clean
    if (timestamp !== undefined && timestamp.getTime() > Date.now()) fields.__all__ = [FUTURE]
    if (fields.text !== undefined || fields.timestamp !== undefined || fields.__all__ !== undefined) return sendFields(reply, fields)
    // all(), not get(): a write with RETURNING that is reset before it is done commits without
    // SQLite's WAL hook, so the automatic checkpoint never runs and the WAL grows without end
    const row = timestamp === undefined ? insertNow.all(text)[0] : insertStamped.all(Math.floor(timestamp.getTime() / 1000), text)[0]
    const href = `${request.protocol}://${request.host}/api/sticky-notes/${row.id}/`
    return reply.code(201).header('Location', href).send({
      stat: 'ok',
      stickyNote: { id: row.id, timestamp: new Date(row.timestamp * 1000), text, links: { self: { href, method: 'GET' }, update: { href, method: 'PUT' }, delete: { href, method: 'DELETE' } } }
    })
  })
}
