/**
 * The hand-written baseline of the `hooked` phase: the example app's sticky note create written
 * directly with Fastify and better-sqlite3, doing what the resource's three hooks do: the parse
 * hook (Windows line ends to newlines), the clean hook (at most one blank line in a row) and the
 * form's clean (no note dated in the future), with the same checks, answers and JSON.
 *
 * - the body is checked by a TypeBox validator compiled once; the date-time and blank checks a
 *   JSON schema cannot say are done by hand, as Django's DateTimeField reads ISO 8601, and so is
 *   the text the plugin's text fields refuse (a lone surrogate, a null character);
 * - the insert is one prepared statement (two: with and without a timestamp, so the column's
 *   default applies): with a timestamp it is run without RETURNING (the stored seconds are the
 *   ones written, the id is the last rowid), without one run to completion with RETURNING for
 *   the default's time.
 */
import type Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { ErrorEnvelope, MALFORMED_BODY, NOT_LOGGED_IN, refusedText, sendFields } from './baseline-server.ts'

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

/**
 * An ISO 8601 date-time as Django's DateTimeField reads it (UTC when it gives no offset), or
 * `undefined`: the parts the expression matched, made a time with `Date.UTC` (no text built and
 * parsed again); a day that does not exist rolls over into another month and is refused.
 */
function toDate (value: string): Date | undefined {
  const m = DATETIME.exec(value.trim())
  if (m === null) return undefined
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  const hour = Number(m[4] ?? 0)
  const minute = Number(m[5] ?? 0)
  const second = Number(m[6] ?? 0)
  if (hour > 23 || minute > 59 || second > 59) return undefined
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'))
  let offset = 0
  const zone = m[8]
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const hours = Number(zone.slice(1, 3))
    const minutes = zone.length > 3 ? Number(zone.slice(-2)) : 0
    if (hours > 23 || minutes > 59) return undefined
    offset = (zone.charCodeAt(0) === 45 ? -1 : 1) * (hours * 60 + minutes) * 60_000
  }
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms))
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined
  date.setTime(date.getTime() - offset)
  return date
}

/** Registers `POST /api/sticky-notes/` on the baseline app. */
export function registerNotes (app: FastifyInstance, sqlite: Database.Database, token: string): void {
  const bearer = `Bearer ${token}`
  const insertStamped = sqlite.prepare<[number, string]>('INSERT INTO sticky_notes (timestamp, text) VALUES (?, ?)')
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
    else {
      const refused = refusedText(text)
      if (refused !== undefined) fields.text = [refused]
    }
    const stamp = (body as { timestamp?: unknown }).timestamp
    let timestamp: Date | undefined
    if (stamp !== undefined && stamp !== null && stamp !== '') {
      timestamp = typeof stamp === 'string' ? toDate(stamp) : undefined
      if (timestamp === undefined) fields.timestamp = ['Enter a valid date/time.']
    }
    // the form's clean
    if (timestamp !== undefined && timestamp.getTime() > Date.now()) fields.__all__ = [FUTURE]
    if (fields.text !== undefined || fields.timestamp !== undefined || fields.__all__ !== undefined) return sendFields(reply, fields)
    let row: { id: number, timestamp: number }
    if (timestamp === undefined) {
      // all(), not get(): a write with RETURNING that is reset before it is done commits without
      // SQLite's WAL hook, so the automatic checkpoint never runs and the WAL grows without end
      row = insertNow.all(text)[0]
    } else {
      const seconds = Math.floor(timestamp.getTime() / 1000)
      row = { id: Number(insertStamped.run(seconds, text).lastInsertRowid), timestamp: seconds }
    }
    const href = `${request.protocol}://${request.host}/api/sticky-notes/${row.id}/`
    return reply.code(201).header('Location', href).send({
      stat: 'ok',
      stickyNote: { id: row.id, timestamp: new Date(row.timestamp * 1000), text, links: { self: { href, method: 'GET' }, update: { href, method: 'PUT' }, delete: { href, method: 'DELETE' } } }
    })
  })
}
