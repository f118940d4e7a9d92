import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import formbody from '@fastify/formbody'
import type { InferSelectModel, Table } from 'drizzle-orm'
import { parseJson } from './body.ts'
import { DOES_NOT_EXIST, MALFORMED_BODY, REQUEST_TOO_LARGE, SERVER_ERROR, SERVICE_UNAVAILABLE, UNSUPPORTED_MEDIA_TYPE } from './errors.ts'
import { FormResource } from './resource.ts'
import { sendError } from './responses.ts'
import { registerResourceRoutes } from './routes.ts'
import { codes } from './setup-errors.ts'
import { createAdapter, DEFAULT_DB_TIMEOUT, describe, unavailableError } from './db/index.ts'

/** Options of the plugin. */
export interface FormResourcesOptions {
  /** The Drizzle database every resource reads and writes (better-sqlite3 through drizzle-orm). */
  db: unknown
  /** The resources to serve, each under `<prefix>/<plural name>/`. */
  resources: ReadonlyArray<FormResource<any>>
  /** URL prefix of every resource, such as `/api`. */
  prefix?: string
  /** Largest request body in bytes for the plugin's routes; defaults to the app's `bodyLimit`. */
  bodyLimit?: number
  /**
   * How long each database call on a request path may take, in milliseconds (default 5000):
   * past it, or when the database is locked that long or unreachable, the request answers 503
   * `SERVICE_UNAVAILABLE` with `Retry-After`. One value per database: the last registration's.
   */
  dbTimeout?: number
  /**
   * The key of the ETags of resources that override `serializeObject` (and so may hide columns):
   * a string or Buffer of at least 32 bytes, the same on every instance of the app. Without it,
   * each process makes a random one (and warns), so instances give different ETags.
   */
  etagSecret?: string | Buffer
}

/** The `app.formResources` decorator: the registered resources and their URLs. */
export interface FormResourcesDecorator {
  /** Registered resources by item name. */
  readonly resources: ReadonlyMap<string, FormResource<any>>
  /** The path of a resource's list: `/api/authors/`. */
  listUrl (name: string): string
  /** The path of an item, from its row or its primary key: `/api/authors/1/`. */
  itemUrl<TTable extends Table> (name: string, rowOrKey: InferSelectModel<TTable> | string | number): string
}

declare module 'fastify' {
  interface FastifyInstance {
    formResources: FormResourcesDecorator
  }
}

function checkOptions (options: FormResourcesOptions): void {
  if (options === undefined || options === null || options.db === undefined || options.db === null) {
    throw new codes.FFR_ERR_NO_DB()
  }
  createAdapter(options.db)
  const { dbTimeout, etagSecret } = options
  if (dbTimeout !== undefined && !(Number.isInteger(dbTimeout) && dbTimeout >= 1 && dbTimeout <= MAX_TIMER)) throw new codes.FFR_ERR_DB_TIMEOUT(DEFAULT_DB_TIMEOUT)
  if (etagSecret !== undefined && !((typeof etagSecret === 'string' || Buffer.isBuffer(etagSecret)) && Buffer.byteLength(etagSecret) >= 32)) throw new codes.FFR_ERR_ETAG_SECRET()
  if (!Array.isArray(options.resources)) throw new codes.FFR_ERR_RESOURCES_NOT_LIST()
  const names = new Set<string>()
  for (const resource of options.resources) {
    if (!(resource instanceof FormResource)) throw new codes.FFR_ERR_NOT_A_RESOURCE()
    if (typeof resource.name !== 'string' || resource.name === '') throw new codes.FFR_ERR_RESOURCE_NO_NAME()
    if (resource.table === undefined) throw new codes.FFR_ERR_RESOURCE_NO_TABLE(resource.name)
    if (resource.formClass === undefined) throw new codes.FFR_ERR_RESOURCE_NO_FORM(resource.name)
    for (const form of [resource.formClass, resource.addFormClass]) {
      if (form !== undefined && form.meta.info.table !== resource.table) throw new codes.FFR_ERR_RESOURCE_FORM_TABLE(resource.name)
    }
    if (names.has(resource.urlName)) throw new codes.FFR_ERR_RESOURCE_URL_TAKEN(resource.urlName)
    if (names.has(`name:${resource.name}`)) throw new codes.FFR_ERR_RESOURCE_NAME_TAKEN(resource.name)
    names.add(resource.urlName).add(`name:${resource.name}`)
    describe(resource.table)
    checkVersionColumn(resource)
  }
}

/** The longest delay a Node timer takes (2³¹ − 1 ms). */
const MAX_TIMER = 2 ** 31 - 1

/** The database the plugin gave each resource registered without one. */
const assignedDb = new WeakMap<FormResource<any>, unknown>()

function checkVersionColumn (resource: FormResource<any>): void {
  const version = resource.versionColumn
  if (version === undefined) return
  if (!(version in describe(resource.table).columns)) throw new codes.FFR_ERR_VERSION_COLUMN(resource.name, version)
  for (const form of [resource.formClass, resource.addFormClass]) {
    if (form !== undefined && version in form.baseFields) throw new codes.FFR_ERR_VERSION_IN_FORM(resource.name, version)
  }
}

/**
 * Answers the plugin's own failures in the envelope: bad bodies (4xx), a database busy or
 * unreachable (503 `SERVICE_UNAVAILABLE` with `Retry-After`, however the adapter or the app's own
 * step met it), anything else 500 `SERVER_ERROR`, logged with its cause.
 */
function handleError (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const unavailable = unavailableError(error)
  if (unavailable !== undefined) {
    request.log.warn({ err: unavailable.cause ?? unavailable }, `fastify-form-resources: database unavailable (${unavailable.reason})`)
    return sendError(reply, SERVICE_UNAVAILABLE.with({ detail: unavailable.message }))
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return sendError(reply, UNSUPPORTED_MEDIA_TYPE.with({ detail: `${request.headers['content-type'] ?? 'A body without a Content-Type'} is not accepted; send application/json or application/x-www-form-urlencoded.` }))
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return sendError(reply, REQUEST_TOO_LARGE.with({ detail: `The limit is ${request.routeOptions.bodyLimit} bytes.` }))
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return sendError(reply, MALFORMED_BODY.with({ detail: error.message }))
  }
  request.log.error({ err: error }, 'fastify-form-resources: request failed')
  return sendError(reply, SERVER_ERROR)
}

/**
 * The plugin: serves each resource's routes under `prefix` in a context of its own, so its
 * body parsers, validator and error handler never touch the app's other routes.
 */
export async function formResourcesPlugin (app: FastifyInstance, options: FormResourcesOptions): Promise<void> {
  checkOptions(options)
  createAdapter(options.db).guard({ timeout: options.dbTimeout ?? DEFAULT_DB_TIMEOUT, log: app.log })
  const prefix = (options.prefix ?? '').replace(/\/+$/, '')
  const resources = new Map<string, FormResource<any>>()
  for (const resource of options.resources) {
    if (resource.db === undefined) assignedDb.set(resource, resource.db = options.db)
    // a resource shared by two apps would serve the second from the first one's database
    else if (assignedDb.has(resource) && assignedDb.get(resource) !== options.db) throw new codes.FFR_ERR_RESOURCE_OTHER_DB(resource.name)
    resources.set(resource.name, resource)
  }
  const get = (name: string): FormResource<any> => {
    const resource = resources.get(name)
    if (resource === undefined) throw new codes.FFR_ERR_UNKNOWN_RESOURCE(name)
    return resource
  }
  const listUrl = (name: string): string => `${prefix}/${get(name).urlName}/`
  app.decorate('formResources', {
    resources,
    listUrl,
    itemUrl (name: string, rowOrKey: unknown): string {
      const key = typeof rowOrKey === 'object' && rowOrKey !== null ? (rowOrKey as Record<string, unknown>)[get(name).primaryKey] : rowOrKey
      return `${listUrl(name)}${String(key)}/`
    }
  } satisfies FormResourcesDecorator)

  await app.register(async (child) => {
    // bodies are validated by the forms; route schemas are for documentation and serialization
    child.setValidatorCompiler(() => () => true)
    child.removeContentTypeParser(['text/plain', 'application/json'])
    child.addContentTypeParser('application/json', { parseAs: 'string' }, parseJson)
    await child.register(formbody)
    child.setErrorHandler(handleError)
    if (prefix !== '') child.setNotFoundHandler((_request, reply) => sendError(reply, DOES_NOT_EXIST))
    if (options.bodyLimit !== undefined) {
      child.addHook('onRoute', (route) => { route.bodyLimit ??= options.bodyLimit })
    }
    for (const resource of options.resources) registerResourceRoutes(child, resource, { etagSecret: options.etagSecret })
  }, { prefix })
}
