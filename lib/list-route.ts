/**
 * `GET <list>`: a page of items through the resource's list query (lib/list-query.ts): filters,
 * search, ordering and scope in one statement and its count in another, the expansions asked
 * for, and links that keep the request's query string. When the resource overrides
 * `hasAccessPermissions`, a row it refuses is left out of the page, so a list never serves a row
 * its item route refuses (`getQueryset` is the efficient way: it never reads such rows).
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { SQL } from 'drizzle-orm'
import { WebAPIError } from './errors.ts'
import { expandItems, expansionsAsked } from './expand.ts'
import { configOf, sendPermissionError } from './handlers.ts'
import { serializeRows } from './items.ts'
import { parseList, pageUrl, scopeOf } from './list-query.ts'
import { allOf, then, type MaybePromise } from './maybe.ts'
import { listMetadata, wantsMetadata } from './metadata.ts'
import { FormResource } from './resource.ts'
import { absoluteUrl, pageOf, sendError, type Link } from './responses.ts'
import type { ResourceRoute } from './routes.ts'
import type { ListQuery, Row } from './db/index.ts'

/** The rows of a page the request may read: all of them, unless the resource overrides `hasAccessPermissions`. */
function readable (route: ResourceRoute, request: FastifyRequest, rows: Row[]): MaybePromise<Row[]> {
  const { resource } = route
  if (resource.hasAccessPermissions === FormResource.prototype.hasAccessPermissions) return rows
  return then(allOf(rows.map((row) => resource.hasAccessPermissions(request, row as never))), (allowed) => rows.filter((_, i) => allowed[i]))
}

/** `GET <list>`: `{stat, <list key>: [items], total_results, links}`; 400 for a filter, ordering or expansion it does not accept. */
export function listItems (request: FastifyRequest, reply: FastifyReply): void | Promise<void> {
  const route = configOf(request).ffr
  const { resource, adapter, table } = route
  if (wantsMetadata(request)) return listMetadata(request, reply)
  return then(resource.hasListAccessPermissions(request), (ok): MaybePromise<void> => {
    if (!ok) return sendPermissionError(request, reply)
    const query = request.query as Record<string, unknown>
    const parsed = parseList(route.list, query)
    if ('error' in parsed) {
      sendError(reply, parsed.error, parsed.extra)
      return
    }
    const asked = expansionsAsked(route, query)
    if (asked instanceof WebAPIError) {
      sendError(reply, asked)
      return
    }
    const { start, max } = pageOf(query, resource.maxResultsDefault, resource.maxResultsCap)
    return then(scopeOf(route.list, resource, request), (scope: SQL | undefined) => {
      const list: ListQuery = scope === undefined ? parsed.query : { ...parsed.query, scope }
      return then(allOf([adapter.page(table, list, start, max), adapter.total(table, list)] as const), ([found, total]) =>
        then(readable(route, request, found), (rows) => then(serializeRows(route, request, rows), (items) =>
          then(asked.length === 0 ? undefined : expandItems(request, route, asked, rows, items), () => {
            const page = (from: number): Link => ({ href: absoluteUrl(request, pageUrl(request, route.listPath, from, max)), method: 'GET' })
            const links: Record<string, Link> = { self: { href: absoluteUrl(request, request.url), method: 'GET' } }
            if (route.canCreate) links.create = { href: absoluteUrl(request, route.listPath), method: 'POST' }
            if (start > 0) links.prev = page(Math.max(0, start - max))
            if (start + max < total) links.next = page(start + max)
            reply.send({ stat: 'ok', [resource.listKey]: items, total_results: total, links })
          }))))
    })
  }) as void | Promise<void>
}
