/**
 * The SQL of a list page: a resource's filters, search, ordering and scope as one query with
 * placeholders, and the key its statement is prepared under. Filters and search differ between
 * requests only in their values, so every request of one shape (the same filters, search and
 * ordering) runs one prepared statement; a scope (`getQueryset`'s condition, its values written
 * in) makes the statement one-off.
 */
import { and, asc, desc, eq, isNull, or, sql, type SQL } from 'drizzle-orm'
import type { Row, TableInfo } from './types.ts'

/** A list page as the adapter reads it: every value already converted by its field. */
export interface ListQuery {
  /** `[column key, value]`: rows whose column equals the value (`null`: is NULL). */
  readonly filters: ReadonlyArray<readonly [string, unknown]>
  /** Rows where one of `keys` contains `text`, case-insensitively (`LIKE` on SQLite, `ILIKE` on PostgreSQL). */
  readonly search?: { readonly keys: readonly string[], readonly text: string }
  /** `[column key, direction]`, first first; the primary key breaks ties. */
  readonly ordering: ReadonlyArray<readonly [string, 'asc' | 'desc']>
  /** A Drizzle condition every row must meet (`getQueryset`). */
  readonly scope?: SQL
}

/** A list query's statement key (`undefined`: one-off, for a scope) and its parameters. */
export interface ListShape {
  readonly key: string | undefined
  readonly params: Record<string, unknown>
}

/** Escapes `%`, `_` and `\` for a `LIKE` pattern with `\` as its escape character. */
function likePattern (text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

/** The key and parameters of a query: worked out on every request, without building any SQL. */
export function listShape (info: TableInfo, query: ListQuery, what: 'page' | 'count'): ListShape {
  const params: Record<string, unknown> = {}
  let key = what
  for (let i = 0; i < query.filters.length; i++) {
    const [name, value] = query.filters[i]
    if (value === null) {
      key += `|${name}=null`
    } else {
      key += `|${name}`
      params[`f${i}`] = info.columns[name].mapToDriverValue(value)
    }
  }
  if (query.search !== undefined) {
    key += `|q:${query.search.keys.join(',')}`
    params.q = likePattern(query.search.text)
  }
  if (what === 'page') for (const [name, direction] of query.ordering) key += `|${direction === 'desc' ? '-' : ''}${name}`
  return { key: query.scope === undefined ? key : undefined, params }
}

/** The `WHERE` of a query, with the placeholders `listShape` gives values to; `undefined` for every row. */
export function listWhere (info: TableInfo, dialect: 'sqlite' | 'postgresql', query: ListQuery): SQL | undefined {
  const where: Array<SQL | undefined> = query.filters.map(([name, value], i) => value === null ? isNull(info.columns[name]) : eq(info.columns[name], sql.placeholder(`f${i}`)))
  if (query.search !== undefined) {
    const q = sql.placeholder('q')
    // SQLite's LIKE is case-insensitive for ASCII already, and an index on a COLLATE NOCASE column serves it; lower() would defeat that
    where.push(or(...query.search.keys.map((name) => dialect === 'sqlite' ? sql`${info.columns[name]} LIKE ${q} ESCAPE '\\'` : sql`${info.columns[name]} ILIKE ${q}`)))
  }
  if (query.scope !== undefined) where.push(query.scope)
  return where.length === 0 ? undefined : and(...where)
}

/** The `ORDER BY` of a query: its ordering, then the primary key (unless ordered by already), so that pages never overlap. */
export function listOrder (info: TableInfo, query: ListQuery): SQL[] {
  const order = query.ordering.map(([name, direction]) => direction === 'desc' ? desc(info.columns[name]) : asc(info.columns[name]))
  if (!query.ordering.some(([name]) => name === info.primaryKey)) order.push(asc(info.columns[info.primaryKey]))
  return order
}

/** The query of one row by key within a scope. */
export function keyQuery (info: TableInfo, key: unknown, scope: SQL): ListQuery {
  return { filters: [[info.primaryKey, key]], ordering: [], scope }
}

export type { Row }
