/**
 * The hand-written list route of both baselines: `GET /api/authors/?title=MR&ordering=-name`,
 * answered as the plugin answers it (the same items with their books, `total_results`, links
 * that keep the query string) from two prepared statements, the page and its count, and one
 * read of the page's books. Only this shape is served: a title filter and an ordering by name.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Author, ErrorEnvelope, sendFields, type BookRow, type Row } from './baseline-server.ts'

/** The route's schemas; made when asked (baseline-server.ts, which imports this file, holds the item's). */
export function listSchema (): Record<string, unknown> {
  const Link = Type.Object({ href: Type.String(), method: Type.String() })
  const page = Type.Object({ stat: Type.Literal('ok'), authors: Type.Array(Author), total_results: Type.Integer(), links: Type.Record(Type.String(), Link) })
  return { response: { 200: page, 400: ErrorEnvelope } }
}

const TITLES = new Set(['MR', 'MRS', 'MS'])

/** What a list request asks: the title, the direction, the page. */
export interface ListAsk { title: string, desc: boolean, start: number, max: number }

/** Reads the query as the plugin reads it; answers 400 itself for a title that is no choice. */
export function listAsk (request: FastifyRequest, reply: FastifyReply): ListAsk | undefined {
  const query = request.query as Record<string, string | undefined>
  const title = query.title ?? ''
  if (!TITLES.has(title)) {
    sendFields(reply, { title: [`Select a valid choice. ${title} is not one of the available choices.`] })
    return undefined
  }
  const start = Number.parseInt(query.start ?? '0', 10)
  const max = Number.parseInt(query['max-results'] ?? '25', 10)
  return {
    title,
    desc: query.ordering === '-name',
    start: Number.isFinite(start) && start > 0 ? start : 0,
    max: Number.isFinite(max) ? Math.min(Math.max(max, 1), 200) : 25
  }
}

/** The page's envelope: each item as the item route serializes it, and the links. */
export function listPage (request: FastifyRequest, ask: ListAsk, rows: Row[], total: number, books: Map<number, BookRow[]>, author: (origin: string, row: Row, books: BookRow[]) => Record<string, unknown>): Record<string, unknown> {
  const origin = `${request.protocol}://${request.host}`
  const at = request.url.indexOf('?')
  const params = new URLSearchParams(at === -1 ? '' : request.url.slice(at + 1))
  params.delete('start')
  params.delete('max-results')
  const rest = params.toString()
  const page = (from: number): { href: string, method: string } => ({ href: `${origin}/api/authors/?start=${from}&max-results=${ask.max}${rest === '' ? '' : `&${rest}`}`, method: 'GET' })
  const links: Record<string, { href: string, method: string }> = { self: { href: `${origin}${request.url}`, method: 'GET' }, create: { href: `${origin}/api/authors/`, method: 'POST' } }
  if (ask.start > 0) links.prev = page(Math.max(0, ask.start - ask.max))
  if (ask.start + ask.max < total) links.next = page(ask.start + ask.max)
  return { stat: 'ok', authors: rows.map((row) => author(origin, row, books.get(row.id) ?? [])), total_results: total, links }
}
