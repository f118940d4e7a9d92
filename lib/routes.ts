/**
 * A resource's routes: what is worked out once when they are registered (its plans, links,
 * paths, schemas), kept in each route's `config`, where the handlers of lib/handlers.ts find it.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions, RouteShorthandOptions } from 'fastify'
import { Type, type TSchema } from '@sinclair/typebox'
import type { Table } from 'drizzle-orm'
import type { WebAPIError } from './errors.ts'
import { bulkRouteOf, bulkSchemas, changeItems, createItems, type BulkRoute } from './bulk-routes.ts'
import { registerChildRoutes } from './child-routes.ts'
import { fieldOf, type Field } from './fields/index.ts'
import type { ModelFormClass } from './form.ts'
import { planFor, registerPlans, runFormRequest, type FormRequestPlan, type FormResult, type HandleFormRequestArgs } from './form-request.ts'
import { expansionsOf, type Expansion } from './expand.ts'
import { answered, createItem, deleteItem, methodNotAllowed, readItem, tunnelItem, updateItem, type RouteConfig } from './handlers.ts'
import { serializeAll } from './items.ts'
import { listSpecOf, scopeOf, type ListSpec } from './list-query.ts'
import { listItems } from './list-route.ts'
import { itemMetadata, listMetadata } from './metadata.ts'
import { then, type MaybePromise } from './maybe.ts'
import type { Relations } from './relations.ts'
import { FormResource, type HttpMethod } from './resource.ts'
import { MULTIPART_CONSTRAINT } from './multipart.ts'
import { documentRoute, type RouteKind } from './openapi.ts'
import { ErrorEnvelope, etagKey, etagOf, itemEnvelope, listEnvelope } from './responses.ts'
import { bodySchema, itemSchema } from './schemas.ts'
import { codes } from './setup-errors.ts'
import { columnField, describe, keyQuery, type Adapter, type Row, type TableInfo } from './db/index.ts'

/** An HTTP method a resource's URLs answer. */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

const LIST_METHODS: readonly Method[] = ['GET', 'POST']
const ITEM_METHODS: readonly Method[] = ['GET', 'PUT', 'PATCH', 'DELETE']
const seeOther = Type.Null({ description: 'See Other: the item\'s page or the resource\'s successUrl, for a request that asks for HTML' })
const errorResponses = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope, 405: ErrorEnvelope, 409: ErrorEnvelope, 412: ErrorEnvelope, 413: ErrorEnvelope, 415: ErrorEnvelope, 503: ErrorEnvelope }

/** What a resource's handlers need, worked out once at registration. */
export interface ResourceRoute {
  readonly resource: FormResource<any, any>
  readonly table: Table
  readonly info: TableInfo
  readonly adapter: Adapter
  /** Converts an id from the URL as the primary key's field does. */
  readonly idField: Field
  /** The list's path: `/api/authors/`. */
  readonly listPath: string
  readonly canCreate: boolean
  readonly canUpdate: boolean
  readonly canDelete: boolean
  /** Whether a tunnelled `_method` may be this method. */
  allows (method: Method): boolean
  /** Reads the row of an id, through an overridden `getObject` or straight from the adapter, within the request's `getQueryset`. */
  load (id: unknown, request?: FastifyRequest): MaybePromise<Row | undefined>
  /** What the list accepts: filters, ordering, search, whether it is scoped. */
  readonly list: ListSpec
  /** The foreign keys `?expand=` may name. */
  readonly expansions: ReadonlyMap<string, Expansion>
  /** The route of the resource serving a table, among the plugin's. */
  routeOf (table: Table): ResourceRoute | undefined
  /** Items of rows for another resource's expansion (nothing trimmed). */
  serializeAll (request: FastifyRequest, rows: readonly Row[]): MaybePromise<Array<Record<string, unknown>>>
  /** The form request: the resource's plan, or an overridden `handleFormRequest`. */
  formRequest (args: HandleFormRequestArgs<any>): MaybePromise<FormResult<any>>
  /** What items carry besides their columns (many-to-many sets, inline children); `undefined` when nothing. */
  readonly relations?: Relations
  /** The bulk formset of a resource with `bulk = true`. */
  readonly bulk?: BulkRoute
  /** The row's ETag, keyed when the resource may hide columns (see `etagOf`). */
  etag (row: Row): string
  /** The 401 of a request without a user, with the plugin's `WWW-Authenticate` (or none). */
  readonly notLoggedIn: WebAPIError
  /** The plugin's `locale`: the language of a request that asks for none the package ships. */
  readonly locale: string
  /** Columns holding a stored file's key, serialized as the file's URL. */
  readonly fileColumns: readonly string[]
  /** Whether a write's answer may be its saved row with links added (the plans own their rows, and the rows an update starts from are the adapter's own reads): see `FormRequestPlan.ownsRow`. */
  readonly ownsSaved: boolean
  /** The URL of a stored file: absolute, or a path on the request's host. */
  fileUrl (key: string): string
}

/** What a resource's items carry besides their columns: its model's many-to-many sets and its inlines' children. */
function relationsOf (resource: FormResource<any, any>, primaryKey: string): Relations | undefined {
  const manyToMany = Object.entries(resource.formClass.meta.model.manyToMany ?? {})
  const children = Object.entries(resource.inlines ?? {}).map(([key, FormSetClass]) => {
    const { info, inline, model } = FormSetClass.meta
    if (inline === undefined || inline.parent.table !== resource.table) throw new codes.FFR_ERR_INLINE_PARENT(resource.name, key)
    return [key, { table: info.table, fk: inline.fk, fkList: [inline.fk], manyToMany: Object.entries(model.manyToMany), fileColumns: fileColumnsOf([FormSetClass.meta.FormClass], info) }] as const
  })
  return manyToMany.length === 0 && children.length === 0 ? undefined : { primaryKey, manyToMany, children }
}

/** What the plugin settles for every resource's routes. */
export interface RouteSettings {
  readonly notLoggedIn: WebAPIError
  /** The URL of a stored file of the resource (its storage's, under the path the plugin serves it at). */
  readonly fileUrl: (resource: FormResource<any, any>, key: string) => string
  /** The key of keyed ETags (the plugin's `etagSecret`). */
  readonly etagSecret?: string | Buffer
  /** The language of a request that asks for none the package ships (the plugin's `locale`). */
  readonly locale: string
  /** Every resource's route by table, filled as they are registered (for `?expand=`). */
  readonly routes?: Map<Table, ResourceRoute>
}

/** Whether `method` is allowed; PATCH goes with PUT. */
function allows (resource: FormResource<any, any>, method: Method): boolean {
  return resource.allowedMethods.includes((method === 'PATCH' ? 'PUT' : method) as HttpMethod)
}

/**
 * The ETag function of a resource. One that serves every column (no `serializeObject` of its
 * own) hashes the row as it is: the client can read all of it anyway. One that overrides
 * `serializeObject` may hide columns, so its ETags are keyed with `etagSecret`, or with a random
 * key of this process (and a warning: instances would then disagree).
 */
function etagFunction (app: FastifyInstance, resource: FormResource<Table, any>, { etagSecret }: RouteSettings): (row: Row) => string {
  if (resource.serializeObject === FormResource.prototype.serializeObject) return (row) => etagOf(row)
  if (etagSecret === undefined) {
    app.log.warn(`fastify-form-resources: resource "${resource.name}" overrides serializeObject, so its ETags are keyed with a secret; no etagSecret is set, so this process made a random one: set the same etagSecret on every instance, or their ETags will differ and If-Match will fail across them.`)
  }
  const key = etagKey(etagSecret)
  return (row) => etagOf(row, key)
}

/** The columns of a table that hold file keys: its forms' file fields and columns their model gives a file field. */
function fileColumnsOf (forms: ReadonlyArray<ModelFormClass<any, any> | undefined>, info: TableInfo): string[] {
  const columns = new Set<string>()
  for (const form of forms) {
    if (form === undefined) continue
    for (const name of form.meta.fileFields) columns.add(name)
    for (const [name, described] of Object.entries(form.meta.model.fields)) if (described?.formField?.spec.fromFiles === true && name in info.columns) columns.add(name)
  }
  return [...columns]
}

/** Plans a resource's requests and works out what its handlers need. */
function routeData (app: FastifyInstance, resource: FormResource<Table, any>, settings: RouteSettings): ResourceRoute {
  const { table } = resource
  const info = describe(table)
  const adapter = resource.adapter
  const plans = registerPlans(resource)
  const plan = (args: HandleFormRequestArgs<any>): FormRequestPlan => args.instance === undefined ? plans.create : plans.update
  const customLoad = resource.getObject !== FormResource.prototype.getObject
  const customHandle = resource.handleFormRequest !== FormResource.prototype.handleFormRequest
  const relations = relationsOf(resource, info.primaryKey)
  const bulk = bulkRouteOf(resource)
  const list = listSpecOf(resource, info)
  const get = customLoad ? (id: unknown) => resource.getObject(id) as Promise<Row | undefined> : (id: unknown) => adapter.get(table, id)
  const routes = settings.routes ?? new Map<Table, ResourceRoute>()
  const route: ResourceRoute = {
    ...(relations !== undefined ? { relations } : {}),
    ...(bulk !== undefined ? { bulk } : {}),
    resource,
    table,
    info,
    adapter,
    idField: fieldOf(columnField(table, info.columns[info.primaryKey])),
    listPath: `${app.prefix}/${resource.urlName}/`,
    canCreate: allows(resource, 'POST'),
    canUpdate: allows(resource, 'PUT'),
    canDelete: allows(resource, 'DELETE'),
    allows: (method) => allows(resource, method),
    // a row outside the request's scope is no row at all (404), as djblets' get_queryset
    load: !list.scoped || customLoad
      ? get
      : (id, request) => then(request === undefined ? undefined : scopeOf(list, resource, request), (scope): MaybePromise<Row | undefined> =>
          scope === undefined ? get(id) : then(adapter.page(table, keyQuery(info, id, scope), 0, 1), (rows) => rows[0])),
    list,
    expansions: expansionsOf(info),
    routeOf: (other) => routes.get(other),
    serializeAll: (request, rows) => serializeAll(route, request, rows),
    formRequest: customHandle ? (args) => resource.handleFormRequest(args) : (args) => runFormRequest(resource, planFor(plan(args), args), args),
    etag: etagFunction(app, resource, settings),
    notLoggedIn: settings.notLoggedIn,
    locale: settings.locale,
    fileColumns: fileColumnsOf([resource.formClass, resource.addFormClass], info),
    // an overridden getObject may answer a row it keeps: an update that writes nothing answers that row
    ownsSaved: !customHandle && !customLoad && plans.create.ownsRow && plans.update.ownsRow,
    fileUrl: (key) => settings.fileUrl(resource, key)
  }
  if (!routes.has(table)) routes.set(table, route)
  return route
}

/**
 * Registers the list and item routes of one resource on `app` (the plugin's own context).
 * Returns the write routes (POST, PUT, PATCH) for `registerMultipartTwins`.
 */
export function registerResourceRoutes (app: FastifyInstance, resource: FormResource<Table, any>, settings: RouteSettings): RouteOptions[] {
  const route = routeData(app, resource, settings)
  const { name, listKey } = resource
  const item = itemSchema(resource.table, { extraKeys: resource.serializeObject !== FormResource.prototype.serializeObject, fields: resource.formClass.baseFields, expandable: new Set([...route.expansions.values()].map((e) => e.key)), ...(route.relations !== undefined ? { relations: route.relations } : {}) })
  const tags = [listKey]
  const params = Type.Object({ id: Type.String() })
  const onlyQuery = { 'only-fields': Type.Optional(Type.String()), 'only-links': Type.Optional(Type.String()) }
  const schemas: Record<string, RouteShorthandOptions['schema']> = {
    'list GET': { querystring: listQuerySchema(route, onlyQuery), response: { 200: listEnvelope(listKey, item), ...errorResponses } },
    'list POST': { body: bodySchema(resource.addFormClass?.baseFields ?? resource.formClass.baseFields, false), response: { 201: itemEnvelope(name, item), 303: seeOther, ...errorResponses } },
    'item GET': { params, querystring: Type.Object({ ...onlyQuery, ...expandQuery(route) }), response: { 200: itemEnvelope(name, item), ...errorResponses } },
    'item PUT': { params, body: bodySchema(resource.formClass.baseFields, true), response: { 200: itemEnvelope(name, item), 303: seeOther, ...errorResponses } },
    'item PATCH': { params, body: bodySchema(resource.formClass.baseFields, true), response: { 200: itemEnvelope(name, item), 303: seeOther, ...errorResponses } },
    'item DELETE': { params, response: { 204: Type.Null({ description: 'Deleted: an empty body' }), 303: seeOther, ...errorResponses } },
    ...(route.bulk !== undefined ? bulkSchemas(route, item, errorResponses) : {})
  }
  const handlers: Record<string, (typeof listItems) | undefined> = {
    'list GET': listItems,
    'list POST': route.bulk !== undefined ? createItems : createItem,
    ...(route.bulk !== undefined ? { 'list PATCH': changeItems } : {}),
    'item GET': readItem,
    'item PUT': updateItem,
    'item PATCH': updateItem,
    'item DELETE': deleteItem,
    // an HTML form can only GET or POST: `_method` in its fields says what it means
    'item POST': tunnelItem
  }
  const writes: RouteOptions[] = []
  const listMethods = route.bulk !== undefined ? [...LIST_METHODS, 'PATCH' as const] : LIST_METHODS
  for (const [kind, url, methods] of [['list', `/${resource.urlName}/`, listMethods], ['item', `/${resource.urlName}/:id/`, ITEM_METHODS]] as const) {
    const config: RouteConfig & object = { ffr: route, allow: methods.filter((m) => allows(resource, m)).join(', ') }
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      const key = `${kind} ${method}`
      const handler = handlers[key]
      const open = handler !== undefined && (allows(resource, method) || key === 'item POST')
      const options: RouteOptions = {
        method,
        url,
        config: config as object,
        schema: open && schemas[key] !== undefined ? documentRoute(key as RouteKind, { tags, ...schemas[key] }, { resource }) : { hide: true } as object,
        handler: open ? answered(handler, config) : methodNotAllowed
      }
      app.route(options)
      if (method === 'POST' || method === 'PUT' || method === 'PATCH') writes.push(options)
    }
    // the form's metadata (lib/metadata.ts); also at `GET <list>?metadata=1`, for apps whose CORS answers OPTIONS itself
    const described = documentRoute(`${kind} OPTIONS`, { tags, ...(kind === 'item' ? { params } : {}), response: { 200: Type.Object({}, { additionalProperties: true }) } }, { resource })
    app.route({ method: 'OPTIONS', url, config: config as object, schema: described, handler: answered(kind === 'list' ? listMetadata : itemMetadata, config) })
  }
  if (route.relations !== undefined && route.relations.children.length > 0) writes.push(...registerChildRoutes(app, route, errorResponses))
  return writes
}

/** `expand`, when the resource's table has foreign keys. */
function expandQuery (route: ResourceRoute): Record<string, TSchema> {
  const names = [...route.expansions.keys()]
  return names.length === 0 ? {} : { expand: Type.Optional(Type.String({ description: `Foreign keys to replace by the referenced item, comma-separated: ${names.join(', ')}` })) }
}

/** The list's query parameters, for documentation: paging, trimming, its filters, `ordering`, `q` and `expand`. */
function listQuerySchema (route: ResourceRoute, onlyQuery: Record<string, TSchema>): TSchema {
  const { resource, list } = route
  const query: Record<string, TSchema> = {
    start: Type.Optional(Type.Integer({ minimum: 0 })),
    'max-results': Type.Optional(Type.Integer({ minimum: 1, maximum: resource.maxResultsCap })),
    ...onlyQuery,
    ...expandQuery(route)
  }
  for (const name of list.filters.keys()) query[name] = Type.Optional(Type.String({ description: `Only items whose ${name} is this value (converted as the form converts it)` }))
  if (list.ordering.size > 0) query.ordering = Type.Optional(Type.String({ description: `Comma-separated, \`-\` first for descending: ${[...list.ordering].join(', ')}` }))
  if (list.search.length > 0) query.q = Type.Optional(Type.String({ description: `Case-insensitive text any of ${list.search.join(', ')} contains` }))
  return Type.Object(query)
}

/** Registers the multipart twin of each write route in the multipart context (lib/multipart.ts): the same handler and data, chosen for `multipart/form-data` bodies, hidden from the API's documentation. */
export function registerMultipartTwins (app: FastifyInstance, writes: readonly RouteOptions[]): void {
  for (const options of writes) app.route({ ...options, constraints: MULTIPART_CONSTRAINT, schema: { ...options.schema, hide: true } as object })
}
