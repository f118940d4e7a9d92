import { parse as parseQuery } from 'node:querystring'
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import formbody from '@fastify/formbody'
import type { InferSelectModel, Table } from 'drizzle-orm'
import { parseJson } from './body.ts'
import { DOES_NOT_EXIST, MALFORMED_BODY, NOT_LOGGED_IN, REQUEST_TOO_LARGE, SERVER_ERROR, SERVICE_UNAVAILABLE, UNSUPPORTED_MEDIA_TYPE, WebAPIError } from './errors.ts'
import { registerBrowserRoute } from './browser-route.ts'
import { registerFileRoute } from './file-route.ts'
import { markRepeated } from './form-values.ts'
import { declareRouteConfig } from './handlers.ts'
import { watchLateRouteHooks } from './late-route-hooks.ts'
import { multipartLimits, registerMultipart, type MultipartOptions } from './multipart.ts'
import { FormResource } from './resource.ts'
import { sendError } from './responses.ts'
import { registerMultipartTwins, registerResourceRoutes, type RouteSettings } from './routes.ts'
import { pluginLocale } from './i18n/context.ts'
import { codes } from './setup-errors.ts'
import { localStorage, type FileStorage, type LocalStorage } from './storage.ts'
import { createAdapter, DEFAULT_DB_TIMEOUT, describe, unavailableError } from './db/index.ts'

/** Options of the plugin. */
export interface FormResourcesOptions {
  /** The Drizzle database every resource reads and writes (better-sqlite3 through drizzle-orm). */
  db: unknown
  /** The resources to serve, each under `<prefix>/<plural name>/`. */
  resources: ReadonlyArray<FormResource<any>>
  /** URL prefix of every resource, such as `/api`. */
  prefix?: string
  /** Largest request body in bytes for the plugin's routes (JSON and URL-encoded); defaults to the app's `bodyLimit`. Multipart bodies have `multipart`'s limits. */
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
  /**
   * Where file fields store uploads (Django's `DEFAULT_FILE_STORAGE`): `localStorage()` (files
   * under `./uploads`, served at `/uploads/`) by default; `s3Storage({...})` for an app on
   * several machines; or any `FileStorage`. A resource's own `storage` wins.
   */
  storage?: FileStorage
  /** Serve a local-disk `storage` at its `urlPrefix` (`GET /uploads/<key>`); default `true`. Turn it off to serve the folder another way (a reverse proxy). */
  serveFiles?: boolean
  /** Limits of `multipart/form-data` bodies (file size, files, parts, field size) and the temporary folder; see `MultipartOptions`. */
  multipart?: MultipartOptions
  /** The `WWW-Authenticate` of a 401: djblets' `Basic realm="Web API"` by default; `false` sends none, so a browser shows no password dialog. */
  authenticate?: string | false
  /** Serve the browser helper at `<prefix>/_ffr/browser.js`; default `true`. */
  browser?: boolean
  /**
   * The language of the default messages when a request's `Accept-Language` names none the
   * package ships: `'en'` (Django's texts, the default) or `'ru'`; any other falls back to English.
   */
  locale?: string
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
    if (resource.successUrl !== undefined && typeof resource.successUrl !== 'string' && typeof resource.successUrl !== 'function') throw new codes.FFR_ERR_SUCCESS_URL(resource.name)
    if (names.has(resource.urlName)) throw new codes.FFR_ERR_RESOURCE_URL_TAKEN(resource.urlName)
    if (names.has(`name:${resource.name}`)) throw new codes.FFR_ERR_RESOURCE_NAME_TAKEN(resource.name)
    names.add(resource.urlName).add(`name:${resource.name}`)
    describe(resource.table)
    checkVersionColumn(resource)
  }
  for (const storage of [options.storage, ...options.resources.map((resource) => resource.storage)]) {
    if (storage !== undefined && !isStorage(storage)) throw new codes.FFR_ERR_STORAGE()
  }
  if (options.authenticate !== undefined && options.authenticate !== false && (typeof options.authenticate !== 'string' || options.authenticate === '')) throw new codes.FFR_ERR_AUTHENTICATE()
}

function isStorage (value: unknown): value is FileStorage {
  const storage = value as Partial<FileStorage> | null
  return typeof storage === 'object' && storage !== null && typeof storage.put === 'function' && typeof storage.delete === 'function' && typeof storage.exists === 'function' && typeof storage.url === 'function'
}

function isLocal (storage: FileStorage): storage is LocalStorage {
  const local = storage as Partial<LocalStorage>
  return typeof local.urlPrefix === 'string' && typeof local.root === 'string' && typeof local.disk?.getMetaData === 'function'
}

/** The storage the plugin hands its resources: the app's, with a failed delete (of a replaced or orphaned file) logged rather than failing the request. */
function loggedStorage (storage: FileStorage, log: FastifyBaseLogger): FileStorage {
  return {
    put: (key, sourcePath, options) => storage.put(key, sourcePath, options),
    delete: (key) => storage.delete(key).catch((error: unknown) => { log.warn({ err: error, key }, 'fastify-form-resources: a stored file could not be deleted') }),
    exists: (key) => storage.exists(key),
    url: (key) => storage.url(key)
  }
}

/** The folders served per server and URL: a second registration with the same local storage serves it once. */
const servedFolders = new WeakMap<object, Map<string, string>>()

/** Whether to serve `root` at `url` now: not when it is served there already; throws `FFR_ERR_STORAGE_URL_TAKEN` when another folder is. */
function serveOnce (app: FastifyInstance, url: string, root: string): boolean {
  let served = servedFolders.get(app.server)
  if (served === undefined) servedFolders.set(app.server, served = new Map())
  const taken = served.get(url)
  if (taken === root) return false
  if (taken !== undefined) throw new codes.FFR_ERR_STORAGE_URL_TAKEN(url)
  served.set(url, root)
  return true
}

/** The 401 of the `authenticate` option: djblets' by default, another challenge, or none. */
function notLoggedIn (authenticate: string | false | undefined): WebAPIError {
  if (authenticate === undefined) return NOT_LOGGED_IN
  const { code, msg, httpStatus, errorType } = NOT_LOGGED_IN
  return new WebAPIError(code, msg, httpStatus, errorType, authenticate === false ? {} : { 'WWW-Authenticate': authenticate })
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
      return sendError(reply, UNSUPPORTED_MEDIA_TYPE.with({ detail: `${request.headers['content-type'] ?? 'A body without a Content-Type'} is not accepted; send application/json, application/x-www-form-urlencoded or multipart/form-data.` }))
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

  const limits = multipartLimits(options.multipart)
  const storage = options.storage ?? localStorage()
  const shared = loggedStorage(storage, app.log)
  // a local disk the plugin serves is served under this context's prefix, and its URLs with it
  const served = isLocal(storage) && options.serveFiles !== false
  const servedBase = served ? app.prefix.replace(/\/+$/, '') : ''
  for (const resource of options.resources) resource.storage ??= shared
  const locale = pluginLocale(options.locale)
  const settings: RouteSettings = {
    notLoggedIn: notLoggedIn(options.authenticate),
    fileUrl: (resource, key) => resource.storage === shared ? servedBase + storage.url(key) : resource.storage!.url(key),
    etagSecret: options.etagSecret,
    locale,
    routes: new Map()
  }
  if (served && isLocal(storage) && serveOnce(app, servedBase + storage.urlPrefix, storage.root)) await app.register(async (files) => { registerFileRoute(files, storage) })

  // @fastify/swagger registered after the plugin still documents its routes
  const late = watchLateRouteHooks(app)
  await app.register(async (child) => {
    child.addHook('onRoute', late.keep)
    // bodies are validated by the forms; route schemas are for documentation and serialization:
    // they compile to no validator, so Fastify's validation step has nothing to run
    child.setValidatorCompiler(() => undefined as never)
    child.removeContentTypeParser(['text/plain', 'application/json'])
    child.addContentTypeParser('application/json', { parseAs: 'string' }, parseJson)
    // a field sent twice is a FormList: a boolean takes its last value (an HTML checkbox's hidden `false`)
    await child.register(formbody, { parser: (body) => markRepeated(parseQuery(body, '&', '=', { maxKeys: 0 })) })
    // its answers carry no catalog's messages; each route handler sets the request's language itself (lib/handlers.ts `answered`)
    child.setErrorHandler(handleError)
    declareRouteConfig(child)
    if (prefix !== '') child.setNotFoundHandler((_request, reply) => sendError(reply, DOES_NOT_EXIST))
    if (options.bodyLimit !== undefined) {
      child.addHook('onRoute', (route) => { route.bodyLimit ??= options.bodyLimit })
    }
    // a second registration under the same prefix serves the one module once
    if (options.browser !== false && serveOnce(app, `${app.prefix.replace(/\/+$/, '')}${prefix}/_ffr/browser.js`, 'the browser helper')) registerBrowserRoute(child)
    const writes = options.resources.map((resource) => registerResourceRoutes(child, resource, settings))
    await registerMultipart(child, limits, (context) => { for (const routes of writes) registerMultipartTwins(context, routes) })
  }, { prefix })
}
