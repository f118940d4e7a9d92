/**
 * Bulk requests to a resource's list URL (`bulk = true`): a JSON array (or an HTML body with
 * Django's management form) `POST`ed creates every item, a `PATCH` creates, updates and deletes
 * (`"DELETE": true`), rows not named untouched; all or nothing, in one transaction, through the
 * resource's formset. Permission is asked per row; one refusal refuses the batch.
 */
import { Type, type TSchema } from '@sinclair/typebox'
import type { FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify'
import { and, inArray } from 'drizzle-orm'
import { DOES_NOT_EXIST, NON_FIELD_ERRORS } from './errors.ts'
import { planFormRequest } from './form-request.ts'
import { modelFormSet, type ModelFormSetClass } from './formset.ts'
import { handleFormSetRequest, isFormSetBody } from './formset-request.ts'
import type { FormSetItem } from './formset-items.ts'
import { configOf, createItem } from './handlers.ts'
import { serializeRows } from './items.ts'
import { scopeOf } from './list-query.ts'
import { then, type MaybePromise } from './maybe.ts'
import type { FormResource } from './resource.ts'
import { changesEnvelope, ErrorEnvelope, itemsEnvelope, sendError } from './responses.ts'
import type { ResourceRoute } from './routes.ts'
import { bodySchema, columnSchema } from './schemas.ts'
import type { ListQuery, Row } from './db/index.ts'

/** A resource's bulk formset and how its items are bound, worked out at registration. */
export interface BulkRoute {
  readonly FormSetClass: ModelFormSetClass<any, any>
  readonly binding?: { resource: FormResource<any, any>, plan: ReturnType<typeof planFormRequest> }
}

/** The bulk route data of a resource with `bulk = true`: its `formSetClass` (default: its form, `canDelete`), items bound through its parse hooks when the formset's form is its form. */
export function bulkRouteOf (resource: FormResource<any, any>): BulkRoute | undefined {
  if (resource.bulk !== true) return undefined
  const FormSetClass = resource.formSetClass ?? modelFormSet(resource.formClass, { canDelete: true })
  const plan = planFormRequest(resource, { create: false })
  const binds = FormSetClass.meta.FormClass === resource.formClass && plan.parseHooks.length > 0
  return { FormSetClass, ...(binds ? { binding: { resource, plan } } : {}) }
}

/** Per request, the permission of each row: a create asks `hasModifyPermissions(request)` once, an update `hasModifyPermissions(request, row)`, a delete `hasDeletePermissions(request, row)`. */
function permitsOf (resource: FormResource<any, any>, request: FastifyRequest): (item: FormSetItem) => boolean | PromiseLike<boolean> {
  let create: boolean | PromiseLike<boolean> | undefined
  return (item) => {
    if (item.kind === 'delete') return resource.hasDeletePermissions(request, item.instance as never)
    if (item.kind === 'update') return resource.hasModifyPermissions(request, item.instance as never)
    return (create ??= resource.hasModifyPermissions(request))
  }
}

/** Runs a bulk request on the resource's formset; `respond` answers the saved formset. */
function bulk (request: FastifyRequest, reply: FastifyReply, route: ResourceRoute, createOnly: boolean, respond: (rows: ReadonlyArray<Row | null>, deleted: unknown[]) => MaybePromise<void>): void | Promise<void> {
  const { resource } = route
  const { FormSetClass, binding } = route.bulk!
  return handleFormSetRequest(request, reply, resource.db, {
    FormSetClass,
    data: request.body,
    prefix: resource.listKey,
    createOnly,
    nonFormKey: NON_FIELD_ERRORS,
    permit: permitsOf(resource, request),
    ...(binding !== undefined ? { binding } : {}),
    ...(resource.storage !== undefined ? { storage: resource.storage } : {}),
    respond: (results, deleted) => respond(results, deleted.map((row) => row[route.info.primaryKey]))
  })
}

/** `POST <list>`: an object is one create (`createItem`); an array, or an HTML body with the management form, creates every item: 201 `{stat, <list key>: [items]}` in request order. */
export function createItems (request: FastifyRequest, reply: FastifyReply): void | Promise<void> {
  const route = configOf(request).ffr
  const body = request.body
  if (!Array.isArray(body) && !isFormSetBody(body, route.resource.listKey)) return createItem(request, reply)
  return bulk(request, reply, route, true, (rows) => then(serializeRows(route, request, rows.filter((row): row is Row => row !== null), true), (items) => {
    reply.code(201).send({ stat: 'ok', [route.resource.listKey]: items })
  }))
}

/**
 * Whether every key a bulk change names is within the request's `getQueryset` (one query for them
 * all); a resource without one, or a body naming no key, is not asked. A key outside is a 404.
 */
function withinScope (route: ResourceRoute, request: FastifyRequest): MaybePromise<boolean> {
  const body = request.body
  if (!route.list.scoped || !Array.isArray(body)) return true
  const keys = new Set<unknown>()
  for (const item of body) {
    const raw = (item as Record<string, unknown> | null)?.[route.info.primaryKey]
    if (raw === undefined || raw === null || raw === '') continue
    try {
      keys.add(route.idField.clean(raw))
    } catch {
      // a key that does not convert is the formset's to refuse
    }
  }
  if (keys.size === 0) return true
  return then(scopeOf(route.list, route.resource, request), (scope) => {
    if (scope === undefined) return true
    const query: ListQuery = { filters: [], ordering: [], scope: and(scope, inArray(route.info.columns[route.info.primaryKey], [...keys]))! }
    return then(route.adapter.page(route.table, query, 0, keys.size), (rows) => rows.length === keys.size)
  })
}

/** `PATCH <list>`: an array of items: with a key updates that row (fields absent keep their values), without creates, with `"DELETE": true` deletes; 200 `{stat, <list key>: [item | null], deleted: [keys]}`; a key outside `getQueryset` is a 404. */
export function changeItems (request: FastifyRequest, reply: FastifyReply): void | Promise<void> {
  const route = configOf(request).ffr
  return then(withinScope(route, request), (inside): MaybePromise<void> => {
    if (inside) return change(request, reply, route)
    sendError(reply, DOES_NOT_EXIST)
  }) as void | Promise<void>
}

function change (request: FastifyRequest, reply: FastifyReply, route: ResourceRoute): void | Promise<void> {
  return bulk(request, reply, route, false, (rows, deleted) => {
    const written = rows.filter((row): row is Row => row !== null)
    return then(serializeRows(route, request, written, true), (items) => {
      let at = 0
      reply.send({ stat: 'ok', [route.resource.listKey]: rows.map((row) => row === null ? null : items[at++]), deleted })
    })
  })
}

/** The schemas of a bulk resource's list `POST` (an object or an array) and `PATCH`. */
export function bulkSchemas (route: ResourceRoute, item: TSchema, errors: Record<number, TSchema>): Record<string, RouteShorthandOptions['schema']> {
  const { resource } = route
  const create = bodySchema(resource.addFormClass?.baseFields ?? resource.formClass.baseFields, false)
  const change = bodySchema(resource.formClass.baseFields, true)
  const key = columnSchema(route.table, route.info.primaryKey)
  const changeItem = Type.Intersect([change, Type.Object({ [route.info.primaryKey]: Type.Optional(key), DELETE: Type.Optional(Type.Boolean()) })])
  return {
    'list POST': {
      body: Type.Union([create, Type.Array(create)]),
      // one object schema for both answers: fast-json-stringify would try each branch of a union
      response: { 201: Type.Object({ stat: Type.Literal('ok'), [resource.name]: Type.Optional(item), [resource.listKey]: Type.Optional(Type.Array(item)) }), ...errors }
    },
    'list PATCH': { body: Type.Array(changeItem), response: { 200: changesEnvelope(resource.listKey, item, key), ...errors, 400: ErrorEnvelope } }
  }
}

export { itemsEnvelope }
