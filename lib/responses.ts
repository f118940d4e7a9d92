/**
 * Envelopes, links, ETags and pagination: what djblets' WebAPIResource puts around a row, and
 * the schemas of the success and failure envelopes, built here and nowhere else.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { Type, type TSchema } from '@sinclair/typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { alignCodes, type ErrorDict, type WebAPIError } from './errors.ts'

/** A link as djblets serializes it. */
export interface Link {
  href: string
  method: string
}

const LinkSchema = Type.Object({ href: Type.String(), method: Type.String(), title: Type.Optional(Type.String()) })

/** `links` of an item or a list: name → `{href, method}`. */
export const Links = Type.Record(Type.String(), LinkSchema)

/** One optional link, the same schema object for each of an item's links: fast-json-stringify compiles one function for it, not one per link. */
const OptionalLink = Type.Optional(LinkSchema)

/** An item's links: a fixed shape serializes faster than a record. */
export const ItemLinks = Type.Object({ self: OptionalLink, update: OptionalLink, delete: OptionalLink })

const ErrorDictSchema = Type.Record(Type.String(), Type.Array(Type.String()))

/** The failure envelope: `{stat: "fail", err: {code, msg, type, detail?}, fields?, codes?, items?}` (`codes`: the message keys of `fields`; `items`: a formset's errors by prefix and index). */
export const ErrorEnvelope = Type.Object({
  stat: Type.Literal('fail'),
  err: Type.Object({ code: Type.Integer(), msg: Type.String(), type: Type.String(), detail: Type.Optional(Type.String()) }),
  fields: Type.Optional(ErrorDictSchema),
  codes: Type.Optional(ErrorDictSchema),
  items: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), ErrorDictSchema)))
})

/** The success envelope of one item: `{stat: "ok", <key>: item}`. */
export function itemEnvelope (key: string, item: TSchema): TSchema {
  return Type.Object({ stat: Type.Literal('ok'), [key]: item })
}

/** The success envelope of a list: `{stat: "ok", <key>: [items], total_results, links}`. */
export function listEnvelope (key: string, item: TSchema): TSchema {
  return Type.Object({ stat: Type.Literal('ok'), [key]: Type.Array(item), total_results: Type.Integer(), links: Links })
}

/** The success envelope of a bulk create: `{stat: "ok", <key>: [items]}` in request order. */
export function itemsEnvelope (key: string, item: TSchema): TSchema {
  return Type.Object({ stat: Type.Literal('ok'), [key]: Type.Array(item) })
}

/** The success envelope of a bulk change: `{stat: "ok", <key>: [item | null], deleted: [keys]}`, items in request order, `null` for an item deleted. */
export function changesEnvelope (key: string, item: TSchema, keySchema: TSchema): TSchema {
  return Type.Object({ stat: Type.Literal('ok'), [key]: Type.Array(Type.Union([item, Type.Null()])), deleted: Type.Array(keySchema) })
}

/** The failure envelope of an error: `{stat: "fail", err}` plus `extra`, such as `fields`; with `fields`, always `codes` aligned with them (see `alignCodes`). */
export function failure (error: WebAPIError, extra?: Record<string, unknown>): Record<string, unknown> {
  const err: Record<string, unknown> = { code: error.code, msg: error.msg, type: error.errorType }
  if (error.detail !== undefined) err.detail = error.detail
  if (extra === undefined) return { stat: 'fail', err }
  const out: Record<string, unknown> = { stat: 'fail', err, ...extra }
  const fields = extra.fields as ErrorDict | undefined
  if (fields !== undefined) out.codes = alignCodes(fields, extra.codes as ErrorDict | undefined)
  return out
}

/** Sends the failure envelope of `error` (plus `extra`) with the error's status and headers. */
export function sendError (reply: FastifyReply, error: WebAPIError, extra?: Record<string, unknown>): FastifyReply {
  // field messages are in the request's language (`Accept-Language`): caches must keep one answer per language
  if (extra?.fields !== undefined) varyByLanguage(reply)
  return reply.code(error.httpStatus).headers(error.headers).send(failure(error, extra))
}

/** Adds `Accept-Language` to the answer's `Vary`, keeping what is there (CORS's `Origin`). */
export function varyByLanguage (reply: FastifyReply): FastifyReply {
  const vary = reply.getHeader('vary')
  const current = Array.isArray(vary) ? vary.join(', ') : typeof vary === 'string' ? vary : ''
  if (current === '') return reply.header('Vary', 'Accept-Language')
  if (current === '*' || /(^|,)\s*accept-language\s*(,|$)/i.test(current)) return reply
  return reply.header('Vary', `${current}, Accept-Language`)
}

/** The success envelope of one item: `{stat: "ok", <key>: item}`. */
export function success (key: string, item: unknown): Record<string, unknown> {
  // a property set rather than a computed key in a literal, which V8 defines through its runtime
  const envelope: Record<string, unknown> = { stat: 'ok' }
  envelope[key] = item
  return envelope
}

/** The absolute URL of a path on this request's host, as djblets' `build_absolute_uri`. */
export function absoluteUrl (request: FastifyRequest, path: string): string {
  return `${request.protocol}://${request.host}${path}`
}

function replacer (_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}

/** This process's ETag key when the app gives no `etagSecret`: random, made on first use. */
let processKey: Buffer | undefined

/** The key of keyed ETags: `secret` as bytes, or this process's random key when there is none. */
export function etagKey (secret: string | Buffer | undefined): Buffer {
  return secret === undefined ? (processKey ??= randomBytes(32)) : Buffer.from(secret)
}

/**
 * A strong ETag of a row, from its JSON (every column, bigints as strings): the SHA-1 of it, or,
 * with `key`, its HMAC-SHA256 under that key, so that no column can be recovered by guessing
 * without the key. Base64url, in quotes. The same row gives the same ETag in every process that
 * has the same key.
 */
export function etagOf (row: Record<string, unknown>, key?: Buffer): string {
  let json: string
  try {
    json = JSON.stringify(row)
  } catch {
    // only a bigint column gets here: a replacer on every row would slow them all
    json = JSON.stringify(row, replacer)
  }
  const digest = key === undefined ? createHash('sha1') : createHmac('sha256', key)
  return `"${digest.update(json).digest('base64url')}"`
}

/** Whether an `If-None-Match` / `If-Match` header lists the ETag (or `*`). */
export function etagMatches (header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  return header.split(',').some((tag) => {
    const t = tag.trim()
    return t === '*' || t === etag || t === `W/${etag}`
  })
}

/** Reads `only-fields` / `only-links`: `undefined` when absent, else the listed names. */
export function onlyList (query: Record<string, unknown>, name: 'only-fields' | 'only-links'): Set<string> | undefined {
  const value = query[name]
  if (typeof value !== 'string') return undefined
  return new Set(value.split(',').map((s) => s.trim()).filter((s) => s !== ''))
}

/**
 * Trims a serialized item to `only-fields` and its links to `only-links`, as djblets does: a
 * copy with its links, or, with `inPlace` (an item the request owns: a row the adapter made for
 * it) and no `only-fields`, the item itself with its links added.
 */
export function trimItem (item: Record<string, unknown>, links: Record<string, Link>, onlyFields?: Set<string>, onlyLinks?: Set<string>, inPlace = false): Record<string, unknown> {
  let out = item
  if (onlyFields !== undefined) {
    out = {}
    for (const key of onlyFields) if (Object.hasOwn(item, key)) out[key] = item[key]
  }
  let outLinks = links
  if (onlyLinks !== undefined) {
    outLinks = {}
    for (const key of onlyLinks) if (Object.hasOwn(links, key)) outLinks[key] = links[key]
  }
  // Object.assign onto an empty object copies a row's own keys on V8's fast path; a spread, or a
  // copy key by key (a store by a key that changes, which V8 makes megamorphic), costs several times more;
  // a row the request owns is not copied at all
  const trimmed: Record<string, unknown> = inPlace && out === item ? item : Object.assign({}, out)
  trimmed.links = outLinks
  return trimmed
}

/** A query value as a whole number: a string or number, else NaN (an app's own query parser may give anything). */
function wholeNumber (value: unknown): number {
  if (typeof value === 'number') return Math.trunc(value)
  return typeof value === 'string' ? Number.parseInt(value, 10) : Number.NaN
}

/** Reads `start` and `max-results` as djblets does: bad values fall back, `max-results` kept within [1, cap]. */
export function pageOf (query: Record<string, unknown>, defaultMax: number, cap: number): { start: number, max: number } {
  const start = wholeNumber(query.start ?? '0')
  const max = wholeNumber(query['max-results'] ?? defaultMax)
  return {
    // past 2^53 a number would be bound as a REAL, which SQLite refuses as an OFFSET
    start: Number.isFinite(start) && start > 0 ? Math.min(start, Number.MAX_SAFE_INTEGER) : 0,
    max: Number.isFinite(max) ? Math.min(Math.max(max, 1), cap) : defaultMax
  }
}
