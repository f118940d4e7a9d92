/**
 * The children of one parent as a list resource of their parent (`/api/authors/1/books/`), one
 * route set per inline formset of a resource: `GET` lists them, `POST` creates one (an object)
 * or several (an array, or Django's management form), `PATCH` creates, updates and deletes. The
 * parent must exist (else 404); the children's key to it comes from the URL, never the body.
 * Reading asks the parent's `hasAccessPermissions`, writing its `hasModifyPermissions`.
 */
import { Type, type TSchema } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { INVALID_FORM_DATA, NON_FIELD_ERRORS, type ErrorDict } from './errors.ts'
import type { ModelFormSet, ModelFormSetClass } from './formset.ts'
import { handleFormSetRequest, isFormSetBody } from './formset-request.ts'
import { uploadsOf } from './multipart.ts'
import { documentRoute, type RouteKind } from './openapi.ts'
import { answered, configOf, loadRow, methodNotAllowed, permitted, type RouteConfig } from './handlers.ts'
import { withFileUrls } from './items.ts'
import { allOf, then, type MaybePromise } from './maybe.ts'
import { childMetadata, wantsMetadata } from './metadata.ts'
import { withRelations, type Relations } from './relations.ts'
import { absoluteUrl, changesEnvelope, Links, pageOf, sendError, type Link } from './responses.ts'
import type { ResourceRoute } from './routes.ts'
import { bodySchema, columnSchema, itemSchema } from './schemas.ts'
import { columnField, type Row } from './db/index.ts'
import { fieldOf, type Field } from './fields/index.ts'

/** One inline's child routes: the key, the formset, the children's relations and the item key of one child. */
export interface ChildRoute {
  readonly key: string
  readonly FormSetClass: ModelFormSetClass<any, any, any>
  readonly relations: Relations
  /** The item key of one child (`book`): the child model's verbose name in camel case. */
  readonly name: string
  /** The children's columns holding file keys. */
  readonly fileColumns: readonly string[]
  /** The field of the children's primary key, for their form's metadata. */
  readonly idField: Field
}

interface ChildConfig extends RouteConfig {
  readonly child: ChildRoute
}

function childOf (request: FastifyRequest): ChildRoute {
  return (configOf(request) as ChildConfig).child
}

function childPath (route: ResourceRoute, parent: Row, child: ChildRoute): string {
  return `${route.listPath}${String(parent[route.info.primaryKey])}/${child.key}/`
}

/** The children's items: each row with its own sets, read once for all of them. */
function childItems (route: ResourceRoute, request: FastifyRequest, child: ChildRoute, rows: readonly Row[]): MaybePromise<Row[]> {
  const items = withRelations(route.adapter, child.relations, rows)
  return child.fileColumns.length === 0 ? items : then(items, (all) => all.map((row) => withFileUrls(route, request, { ...row }, child.fileColumns)))
}

/** `GET <item>/<key>/`: a page of the parent's children in key order, with `total_results` and links; their form's metadata at `?metadata=1`. */
export function listChildren (request: FastifyRequest, reply: FastifyReply): void | Promise<void> {
  const route = configOf(request).ffr
  const child = childOf(request)
  if (wantsMetadata(request)) return childMetadata(request, reply, child)
  return then(loadRow(route, request, reply), (parent) => {
    if (parent === undefined) return
    return permitted(request, reply, route.resource.hasAccessPermissions(request, parent), () => {
      const { info, inline } = child.FormSetClass.meta
      const key = parent[inline!.parentKey]
      const { start, max } = pageOf(request.query as Record<string, unknown>, route.resource.maxResultsDefault, route.resource.maxResultsCap)
      return then(allOf([route.adapter.listBy(info.table, inline!.fk, key, start, max), route.adapter.countBy(info.table, inline!.fk, key)] as const), ([rows, total]) => then(childItems(route, request, child, rows), (items) => {
        const path = childPath(route, parent, child)
        const page = (from: number): Link => ({ href: absoluteUrl(request, `${path}?start=${from}&max-results=${max}`), method: 'GET' })
        const links: Record<string, Link> = { self: { href: absoluteUrl(request, request.url), method: 'GET' } }
        if (route.canUpdate) links.create = { href: absoluteUrl(request, path), method: 'POST' }
        if (start > 0) links.prev = page(Math.max(0, start - max))
        if (start + max < total) links.next = page(start + max)
        reply.send({ stat: 'ok', [child.key]: items, total_results: total, links })
      }))
    })
  }) as void | Promise<void>
}

/** The 400 of one child: its errors by plain field name, with their codes, the formset's own under `__all__`. */
function singleErrors (formset: ModelFormSet<any>): { fields: ErrorDict, codes: ErrorDict } {
  const nonForm = formset.nonFormErrors.length > 0
  return {
    fields: { ...formset.errors[0], ...(nonForm ? { [NON_FIELD_ERRORS]: formset.nonFormErrors } : {}) },
    codes: { ...formset.errorCodes[0], ...(nonForm ? { [NON_FIELD_ERRORS]: formset.nonFormErrorCodes } : {}) }
  }
}

/** Runs a write to the parent's children: the parent loaded (404), its `hasModifyPermissions` asked once, then the inline formset over it. */
function writeChildren (request: FastifyRequest, reply: FastifyReply, createOnly: boolean, data: unknown, respond: (rows: ReadonlyArray<Row | null>, deleted: unknown[], parent: Row) => MaybePromise<void>, single = false): void | Promise<void> {
  const route = configOf(request).ffr
  const child = childOf(request)
  return then(loadRow(route, request, reply), (parent) => {
    if (parent === undefined) return
    return permitted(request, reply, route.resource.hasModifyPermissions(request, parent), () => handleFormSetRequest(request, reply, route.resource.db, {
      FormSetClass: child.FormSetClass,
      data,
      prefix: child.key,
      instance: parent,
      createOnly,
      nonFormKey: NON_FIELD_ERRORS,
      permit: () => true,
      ...(route.resource.storage !== undefined ? { storage: route.resource.storage } : {}),
      // one child's files are named as its fields are, `cover` for `<key>-0-cover`
      ...(single ? { files: singleFiles(uploadsOf(request), child.key) } : {}),
      // one child: its errors by plain field name, as a single form's
      ...(single ? { sendErrors: (formset) => { sendError(reply, INVALID_FORM_DATA, singleErrors(formset)) } } : {}),
      respond: (results, deleted) => respond(results, deleted.map((row) => row[child.FormSetClass.meta.info.primaryKey]), parent)
    }))
  }) as void | Promise<void>
}

/** The files of a single child, named as a formset's first item's. */
function singleFiles (uploads: Readonly<Record<string, unknown>> | undefined, key: string): Record<string, unknown> {
  const files: Record<string, unknown> = {}
  for (const name in uploads) files[`${key}-0-${name}`] = uploads[name]
  return files
}

/** `POST <item>/<key>/`: an object creates one child (201 `{stat, <child>: item}`, errors by plain field name); an array or the management form creates each (201 `{stat, <key>: [items]}`). */
export function createChildren (request: FastifyRequest, reply: FastifyReply): void | Promise<void> {
  const child = childOf(request)
  const route = configOf(request).ffr
  const body = request.body ?? {}
  const single = !Array.isArray(body) && !isFormSetBody(body, child.key)
  return writeChildren(request, reply, true, single ? [body] : body, (rows) => then(childItems(route, request, child, rows.filter((row): row is Row => row !== null)), (items) => {
    reply.code(201).send(single ? { stat: 'ok', [child.name]: items[0] } : { stat: 'ok', [child.key]: items })
  }), single)
}

/** `PATCH <item>/<key>/`: an array of children to create, update (with a key) or delete (`"DELETE": true`): 200 `{stat, <key>: [item | null], deleted: [keys]}`. */
export function changeChildren (request: FastifyRequest, reply: FastifyReply): void | Promise<void> {
  const child = childOf(request)
  const route = configOf(request).ffr
  return writeChildren(request, reply, false, request.body, (rows, deleted) => {
    const written = rows.filter((row): row is Row => row !== null)
    return then(childItems(route, request, child, written), (items) => {
      let at = 0
      reply.send({ stat: 'ok', [child.key]: rows.map((row) => row === null ? null : items[at++]), deleted })
    })
  })
}

/** `OPTIONS <item>/<key>/`: the children's form (lib/metadata.ts). */
function describeChildren (request: FastifyRequest, reply: FastifyReply): void | Promise<void> {
  return childMetadata(request, reply, childOf(request))
}

/** Registers the child routes of each inline formset of a resource: `<item URL>/<key>/` with GET, POST and PATCH (PATCH and POST when the resource allows PUT), and OPTIONS for the children's form. */
export function registerChildRoutes (app: FastifyInstance, route: ResourceRoute, errors: Record<number, TSchema>): RouteOptions[] {
  const { resource } = route
  const written: RouteOptions[] = []
  for (const [key, FormSetClass] of Object.entries(resource.inlines)) {
    const meta = FormSetClass.meta
    const relations: Relations = { primaryKey: meta.info.primaryKey, manyToMany: Object.entries(meta.model.manyToMany), children: [] }
    const name = meta.model.verboseName.replace(/ (\w)/g, (_, c: string) => c.toUpperCase())
    const child: ChildRoute = { key, FormSetClass, relations, name, fileColumns: route.relations!.children.find(([each]) => each === key)![1].fileColumns, idField: fieldOf(columnField(meta.info.table, meta.info.columns[meta.info.primaryKey])) }
    const item = itemSchema(meta.info.table, { relations, fields: meta.FormClass.baseFields })
    const body = bodySchema(meta.FormClass.baseFields, false)
    const writes = route.canUpdate
    const config: ChildConfig = { ffr: route, allow: writes ? 'GET, POST, PATCH' : 'GET', child }
    const params = Type.Object({ id: Type.String() })
    const tags = [resource.listKey]
    const schemas: Record<string, object> = {
      GET: { params, querystring: Type.Object({ start: Type.Optional(Type.Integer({ minimum: 0 })), 'max-results': Type.Optional(Type.Integer({ minimum: 1, maximum: resource.maxResultsCap })) }), response: { 200: Type.Object({ stat: Type.Literal('ok'), [key]: Type.Array(item), total_results: Type.Integer(), links: Links }), ...errors } },
      POST: { params, body: Type.Union([body, Type.Array(body)]), response: { 201: Type.Object({ stat: Type.Literal('ok'), [name]: Type.Optional(item), [key]: Type.Optional(Type.Array(item)) }), ...errors } },
      PATCH: { params, body: Type.Array(bodySchema(meta.FormClass.baseFields, true)), response: { 200: changesEnvelope(key, item, columnSchema(meta.info.table, meta.info.primaryKey)), ...errors } }
    }
    const handlers = { GET: listChildren, POST: createChildren, PATCH: changeChildren } as const
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      const handler = method === 'GET' || ((method === 'POST' || method === 'PATCH') && writes) ? handlers[method as keyof typeof handlers] : undefined
      const options: RouteOptions = {
        method,
        url: `/${resource.urlName}/:id/${key}/`,
        config: config as object,
        schema: handler !== undefined ? documentRoute(`children ${method}` as RouteKind, { tags, ...schemas[method] }, { resource, child: { key, name } }) : { hide: true } as object,
        handler: handler !== undefined ? answered(handler, config) : methodNotAllowed
      }
      app.route(options)
      if (method === 'POST' || method === 'PUT' || method === 'PATCH') written.push(options)
    }
    const described = documentRoute('children OPTIONS', { tags, params, response: { 200: Type.Object({}, { additionalProperties: true }) } }, { resource, child: { key, name } })
    app.route({ method: 'OPTIONS', url: `/${resource.urlName}/:id/${key}/`, config: config as object, schema: described, handler: answered(describeChildren, config) })
  }
  return written
}
