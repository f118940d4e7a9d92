/**
 * What a plain HTML form gets that an API client does not: a successful write answered
 * `303 See Other` to the item's page (or the resource's `successUrl`), as Django's `FormView`
 * redirects, so that the browser's reload does not post again. Only a request that asks for HTML
 * first (`Accept: text/html`, as a browser navigating does) and was not sent by a script (no
 * `X-Requested-With`, which the browser helper sends) is redirected; every other gets JSON.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Row } from './db/index.ts'

/** What a resource's `successUrl` function gets besides the row. */
export interface SuccessUrlContext {
  request: FastifyRequest
  /** What succeeded: a create, an update, or a delete (the row is the one deleted). */
  action: 'create' | 'update' | 'delete'
}

/** A resource's `successUrl`: a URL with `{column}` placeholders filled from the row (Django's `success_url.format(**obj.__dict__)`), or a function giving one. */
export type SuccessUrl<TRow = Row> = string | SuccessUrlFunction<TRow>['call']

// a method's parameters are bivariant: a resource of a table stays a FormResource<any>
interface SuccessUrlFunction<TRow> { call (row: TRow, ctx: SuccessUrlContext): string }

const HTML_FIRST = /^\s*text\/html\s*(?:[;,]|$)/i

/** Whether a request asks for HTML first and was not sent by a script: such a request's success is a 303. */
export function wantsHtml (request: FastifyRequest): boolean {
  const accept = request.headers.accept
  return accept !== undefined && request.headers['x-requested-with'] === undefined && HTML_FIRST.test(accept)
}

/** The URL a `successUrl` names for a row: `{id}`, `{name}`, ... filled in from the row (URL-encoded); unknown names left as written. */
export function fillSuccessUrl (template: string, row: Row): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => Object.hasOwn(row, key) ? encodeURIComponent(String(row[key])) : whole)
}

/** Answers `303 See Other` to `successUrl` (filled from the row) when the resource has one, else to `fallback`. */
export function seeOther (reply: FastifyReply, request: FastifyRequest, successUrl: SuccessUrl<any> | undefined, row: Row, action: SuccessUrlContext['action'], fallback: string): void {
  const location = successUrl === undefined ? fallback : typeof successUrl === 'function' ? successUrl(row, { request, action }) : fillSuccessUrl(successUrl, row)
  reply.code(303).header('location', location).send()
}
