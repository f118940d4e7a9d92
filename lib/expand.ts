/**
 * `?expand=author` (djblets' `expand`): a foreign key's value replaced by the referenced item,
 * serialized by the resource that serves that table. One `IN` query per expanded key for all the
 * items of a page, never one per row.
 */
import type { FastifyRequest } from 'fastify'
import { and, inArray, type Table } from 'drizzle-orm'
import { INVALID_ATTRIBUTE, type WebAPIError } from './errors.ts'
import { scopeOf } from './list-query.ts'
import { allOf, then, type MaybePromise } from './maybe.ts'
import { FormResource } from './resource.ts'
import type { ResourceRoute } from './routes.ts'
import type { ListQuery, Row, TableInfo } from './db/index.ts'

/** A foreign key a request may expand: its column key, the table it refers to and the column there. */
export interface Expansion {
  readonly key: string
  readonly table: Table
  readonly column: string
}

/** The keys of a table that may be expanded, by every name a request may use: the column key (`authorId`), and that key without `Id` / `_id` (`author`). */
export function expansionsOf (info: TableInfo): ReadonlyMap<string, Expansion> {
  const out = new Map<string, Expansion>()
  for (const fk of info.foreignKeys) {
    if (fk.columns.length !== 1) continue
    const expansion = { key: fk.columns[0], table: fk.foreignTable, column: fk.foreignColumns[0] }
    out.set(expansion.key, expansion)
    const short = expansion.key.replace(/_?[Ii]d$/, '')
    if (short !== '' && short !== expansion.key && !Object.hasOwn(info.columns, short)) out.set(short, expansion)
  }
  return out
}

/** The expansions a request asks for (`?expand=a,b`), or the 400 `INVALID_ATTRIBUTE` naming a key that cannot be expanded. */
export function expansionsAsked (route: ResourceRoute, query: Readonly<Record<string, unknown>>): Expansion[] | WebAPIError {
  const raw = query.expand
  if (raw === undefined) return []
  if (typeof raw !== 'string') return INVALID_ATTRIBUTE.with({ detail: '"expand" must be given once, as a comma-separated list.' })
  const asked: Expansion[] = []
  for (const part of raw.split(',')) {
    const name = part.trim()
    if (name === '') continue
    const expansion = route.expansions.get(name)
    if (expansion === undefined || route.routeOf(expansion.table) === undefined) {
      const known = [...route.expansions.keys()].filter((n) => route.routeOf(route.expansions.get(n)!.table) !== undefined)
      return INVALID_ATTRIBUTE.with({ detail: `Cannot expand "${name}"; expand: ${known.length === 0 ? 'none' : known.join(', ')}.` })
    }
    if (!asked.includes(expansion)) asked.push(expansion)
  }
  return asked
}

/**
 * Puts the referenced items in the place of their keys in `items` (aligned with `rows`): per
 * expansion, one query for every key of the page, each referenced row serialized by its own
 * resource (untrimmed by the request's `only-fields`). A row outside that resource's
 * `getQueryset`, or one its `hasAccessPermissions` refuses, is left as its key.
 */
export function expandItems (request: FastifyRequest, route: ResourceRoute, asked: readonly Expansion[], rows: readonly Row[], items: Array<Record<string, unknown>>): MaybePromise<void> {
  return then(allOf(asked.map((expansion) => expandOne(request, route, expansion, rows, items))), () => undefined)
}

/** The referenced rows, in one query: within the target resource's `getQueryset` when it has one (a row outside stays a key). */
function referenced (request: FastifyRequest, target: ResourceRoute, column: string, tuples: unknown[][]): MaybePromise<Row[]> {
  if (!target.list.scoped) return target.adapter.findIn(target.table, [column], tuples)
  return then(scopeOf(target.list, target.resource, request), (scope) => {
    if (scope === undefined) return target.adapter.findIn(target.table, [column], tuples)
    const query: ListQuery = { filters: [], ordering: [], scope: and(scope, inArray(target.info.columns[column], tuples.map((t) => t[0])))! }
    return target.adapter.page(target.table, query, 0, tuples.length)
  })
}

function expandOne (request: FastifyRequest, route: ResourceRoute, { key, table, column }: Expansion, rows: readonly Row[], items: Array<Record<string, unknown>>): MaybePromise<void> {
  const target = route.routeOf(table)!
  const seen = new Set<string>()
  const tuples: unknown[][] = []
  for (const row of rows) {
    const value = row[key]
    if (value === null || value === undefined || seen.has(String(value))) continue
    seen.add(String(value))
    tuples.push([value])
  }
  if (tuples.length === 0) return
  return then(referenced(request, target, column, tuples), (found) => then(target.serializeAll(request, found), (serialized) => {
    const checks = target.resource.hasAccessPermissions === FormResource.prototype.hasAccessPermissions
      ? undefined
      : allOf(found.map((row) => target.resource.hasAccessPermissions(request, row as never)))
    return then(checks, (allowed) => {
      const byKey = new Map<string, Record<string, unknown>>()
      for (let i = 0; i < found.length; i++) if (allowed === undefined || allowed[i]) byKey.set(String(found[i][column]), serialized[i])
      for (let i = 0; i < rows.length; i++) {
        const item = byKey.get(String(rows[i][key]))
        if (item !== undefined && Object.hasOwn(items[i], key)) items[i][key] = item
      }
    })
  }))
}
