/**
 * The items of a resource's rows as its responses carry them: `serializeObject`'s fields,
 * trimmed by `only-fields` / `only-links`, with their links, their stored files as absolute URLs
 * and what they nest (many-to-many sets, inline children), read once for all the rows.
 */
import type { FastifyRequest } from 'fastify'
import { allOf, isThenable, then, type MaybePromise } from './maybe.ts'
import { FormResource } from './resource.ts'
import type { ResourceRoute } from './routes.ts'
import { withRelations } from './relations.ts'
import { absoluteUrl, onlyList, trimItem, type Link } from './responses.ts'
import type { Row } from './db/index.ts'

/** The links of an item: self, and update and delete where allowed. */
function itemLinks (route: ResourceRoute, href: string): Record<string, Link> {
  const links: Record<string, Link> = { self: { href, method: 'GET' } }
  if (route.canUpdate) links.update = { href, method: 'PUT' }
  if (route.canDelete) links.delete = { href, method: 'DELETE' }
  return links
}

/** The path of a row's item: `/api/authors/1/`. */
export function itemPath (route: ResourceRoute, row: Row): string {
  return `${route.listPath}${String(row[route.info.primaryKey])}/`
}

/** The rows with what their items carry besides their columns (many-to-many sets, inline children): one query per relation for all of them, none for what a save remembered. */
export function withItemRelations (route: ResourceRoute, rows: readonly Row[]): MaybePromise<readonly Row[]> {
  return route.relations === undefined ? rows : withRelations(route.adapter, route.relations, rows)
}

/**
 * The items of rows, relations read once for all of them, in order. `owned`: the rows are the
 * request's own (just written by a bulk request), so an item is its row with its links added,
 * not a copy, when the resource serializes rows as they are and the request trims nothing.
 */
export function serializeRows (route: ResourceRoute, request: FastifyRequest, rows: readonly Row[], owned = false): MaybePromise<Array<Record<string, unknown>>> {
  const query = request.query as Record<string, unknown>
  const inPlace = owned && route.fileColumns.length === 0 && route.resource.serializeObject === FormResource.prototype.serializeObject && query['only-fields'] === undefined && query['only-links'] === undefined
  return then(withItemRelations(route, rows), (full) => {
    if (!inPlace) return allOf(full.map((row) => serialize(route, request, row)))
    for (const row of full) row.links = itemLinks(route, absoluteUrl(request, itemPath(route, row)))
    return full as Row[]
  })
}

/**
 * The item as a response carries it: `serializeObject`'s fields, trimmed by `only-fields`
 * (unless `trim` is false: an expanded item), with its links and file keys as absolute URLs.
 * `href`: its absolute URL, when known. `owned`: the row is the request's own (a row its save
 * made, see `FormRequestPlan.ownsRow`), so when `serializeObject` answers the row itself the
 * item is that row with its links added, not a copy.
 */
export function serialize (route: ResourceRoute, request: FastifyRequest, row: Row, href = absoluteUrl(request, itemPath(route, row)), trim = true, owned = false): MaybePromise<Record<string, unknown>> {
  const out = route.resource.serializeObject(row, { request })
  return isThenable<Record<string, unknown>>(out) ? Promise.resolve(out).then((fields) => itemOf(route, request, fields, href, trim, owned && fields === row)) : itemOf(route, request, out, href, trim, owned && out === row)
}

/** The item of `serializeObject`'s fields: trimmed, with its links and its files' URLs; `inPlace`: `out` is the request's own row. */
function itemOf (route: ResourceRoute, request: FastifyRequest, out: Record<string, unknown>, href: string, trim: boolean, inPlace: boolean): Record<string, unknown> {
  const query = request.query as Record<string, unknown>
  const item = trim ? trimItem(out, itemLinks(route, href), onlyList(query, 'only-fields'), onlyList(query, 'only-links'), inPlace) : trimItem(out, itemLinks(route, href), undefined, undefined, inPlace)
  withFileUrls(route, request, item, route.fileColumns)
  const children = route.relations?.children
  if (children !== undefined) {
    for (const [name, child] of children) {
      const rows = item[name]
      if (child.fileColumns.length > 0 && Array.isArray(rows)) item[name] = rows.map((row: Row) => withFileUrls(route, request, { ...row }, child.fileColumns))
    }
  }
  return item
}

/** Puts the absolute URL of each stored file in the place of its key, in `item` itself. */
export function withFileUrls<T extends Record<string, unknown>> (route: ResourceRoute, request: FastifyRequest, item: T, columns: readonly string[]): T {
  for (const column of columns) {
    const key = item[column]
    if (typeof key === 'string' && key !== '') (item as Record<string, unknown>)[column] = fileUrl(route, request, key)
  }
  return item
}

/** The items of rows as another resource's expansion carries them: relations read once, nothing trimmed. */
export function serializeAll (route: ResourceRoute, request: FastifyRequest, rows: readonly Row[]): MaybePromise<Array<Record<string, unknown>>> {
  return then(withItemRelations(route, rows), (full) => allOf(full.map((row) => serialize(route, request, row, undefined, false))))
}

/** A stored file's absolute URL: the storage's, made absolute on this request's host when it is a path. */
function fileUrl (route: ResourceRoute, request: FastifyRequest, key: string): string {
  const url = route.fileUrl(key)
  return url.startsWith('/') ? absoluteUrl(request, url) : url
}
