/**
 * A list request's query string as a list query: filters (`?authorId=3`, each value converted by
 * its field), search (`?q=`), ordering (`?ordering=-publishedAt,title`) and the resource's scope
 * (`getQueryset`). What a resource allows is worked out once at registration (`listSpecOf`); a
 * request naming another column or field, or ordering by one not listed, is refused with 400
 * `INVALID_ATTRIBUTE` naming it, a value its field refuses with 400 `INVALID_FORM_DATA` and that
 * field's message; a parameter that names no column is ignored.
 */
import type { FastifyRequest } from 'fastify'
import type { SQL, Table } from 'drizzle-orm'
import { INVALID_ATTRIBUTE, INVALID_FORM_DATA, ValidationError, type WebAPIError } from './errors.ts'
import { fieldOf, type Field } from './fields/index.ts'
import type { MaybePromise } from './maybe.ts'
import { FormResource } from './resource.ts'
import { codes } from './setup-errors.ts'
import { columnField, type ListQuery, type TableInfo } from './db/index.ts'

/** Query parameters a list reads itself, never filters. */
const RESERVED = new Set(['start', 'max-results', 'only-fields', 'only-links', 'expand', 'ordering', 'q', 'metadata', 'api_format'])

/** What a resource's list accepts, worked out at registration. */
export interface ListSpec {
  /** Filter name → the field that converts its value (never required: an empty value on a nullable column filters for NULL). */
  readonly filters: ReadonlyMap<string, Field>
  readonly ordering: ReadonlySet<string>
  readonly search: readonly string[]
  /** Whether the resource overrides `getQueryset`. */
  readonly scoped: boolean
  /** Names a request may not filter by: the table's columns and the form's fields that are not filters. */
  readonly refused: ReadonlySet<string>
}

/** A list query, or the error to answer (with `fields` and `codes` for a value its field refuses). */
export type ParsedList = { readonly query: ListQuery } | { readonly error: WebAPIError, readonly extra?: Record<string, unknown> }

const TEXT_TYPES = /^(SQLiteText|PgText|PgVarchar|PgChar|PgEnumColumn)$/

/** Checks the names a resource lists (`FFR_ERR_LIST_FIELD` for one that is no column) and makes each filter's field. */
export function listSpecOf (resource: FormResource<Table, any>, info: TableInfo): ListSpec {
  const column = (option: string, name: string): void => {
    if (typeof name !== 'string' || !Object.hasOwn(info.columns, name)) throw new codes.FFR_ERR_LIST_FIELD(resource.name, option, String(name), Object.keys(info.columns))
  }
  const formFields = resource.formClass.baseFields as Record<string, Field | undefined>
  const filters = new Map<string, Field>()
  for (const name of resource.filterFields) {
    column('filterFields', name)
    const field = formFields[name] ?? fieldOf(columnField(info.table, info.columns[name]))
    filters.set(name, field.extend({ required: false }))
  }
  for (const name of resource.orderingFields) column('orderingFields', name)
  for (const name of resource.searchFields) {
    column('searchFields', name)
    if (!TEXT_TYPES.test(info.columns[name].columnType)) throw new codes.FFR_ERR_SEARCH_FIELD(resource.name, name)
  }
  return {
    filters,
    ordering: new Set(resource.orderingFields),
    search: [...resource.searchFields],
    scoped: resource.getQueryset !== FormResource.prototype.getQueryset,
    refused: new Set([...Object.keys(info.columns), ...Object.keys(formFields)].filter((name) => !filters.has(name)))
  }
}

function refused (detail: string): ParsedList {
  return { error: INVALID_ATTRIBUTE.with({ detail }) }
}

const listed = (names: Iterable<string>): string => {
  const all = [...names]
  return all.length === 0 ? 'none' : all.join(', ')
}

/** Reads a list request's filters, search and ordering (the scope is added by `scopeOf`). */
export function parseList (spec: ListSpec, query: Readonly<Record<string, unknown>>): ParsedList {
  const filters: Array<readonly [string, unknown]> = []
  let search: ListQuery['search']
  let ordering: Array<readonly [string, 'asc' | 'desc']> = []
  let fields: Record<string, string[]> | undefined
  let fieldCodes: Record<string, string[]> | undefined
  for (const name in query) {
    const raw = query[name]
    if (RESERVED.has(name)) {
      if (name === 'q') {
        if (spec.search.length === 0) return refused('This list has no search: "q" is not accepted.')
        const text = typeof raw === 'string' ? raw.trim() : ''
        if (text !== '') search = { keys: spec.search, text }
      } else if (name === 'ordering') {
        if (typeof raw !== 'string') return refused('"ordering" must be given once.')
        ordering = []
        for (const part of raw.split(',')) {
          const term = part.trim()
          if (term === '') continue
          const key = term.startsWith('-') ? term.slice(1) : term
          if (!spec.ordering.has(key)) return refused(`Cannot order by "${key}"; order by: ${listed(spec.ordering)}.`)
          ordering.push([key, term.startsWith('-') ? 'desc' : 'asc'])
        }
      }
      continue
    }
    const field = spec.filters.get(name)
    if (field === undefined) {
      // a column or field not listed is refused; any other parameter (a cache buster, an app's own) is none of the list's business
      if (spec.refused.has(name)) return refused(`Cannot filter by "${name}"; filter by: ${listed(spec.filters.keys())}.`)
      continue
    }
    try {
      const value = field.clean(raw)
      if (value !== undefined) filters.push([name, value])
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      ;(fields ??= {})[name] = error.messages
      ;(fieldCodes ??= {})[name] = error.toCodeDict(name)[name] ?? []
    }
  }
  if (fields !== undefined) return { error: INVALID_FORM_DATA, extra: { fields, codes: fieldCodes } }
  return { query: search === undefined ? { filters, ordering } : { filters, ordering, search } }
}

/** The resource's scope for this request (`getQueryset`), when it has one. */
export function scopeOf (spec: ListSpec, resource: FormResource<any, any>, request: FastifyRequest): MaybePromise<SQL | undefined> {
  return spec.scoped ? resource.getQueryset({ request }) : undefined
}

/**
 * The URL of another page of the list: the request's own query string, every parameter kept in
 * order, after `start` and `max-results`.
 */
export function pageUrl (request: FastifyRequest, path: string, start: number, max: number): string {
  const at = request.url.indexOf('?')
  const params = new URLSearchParams(at === -1 ? '' : request.url.slice(at + 1))
  params.delete('start')
  params.delete('max-results')
  const rest = params.toString()
  return `${path}?start=${start}&max-results=${max}${rest === '' ? '' : `&${rest}`}`
}
