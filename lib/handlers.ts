/**
 * The handlers of a resource's routes, one named function per route, with djblets' semantics.
 * Each finds its resource and plans in the route's `config` (lib/routes.ts) and answers at once
 * when every step does (SQLite, synchronous permission checks), else through promises.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import {
  DOES_NOT_EXIST, ITEM_IN_USE, MALFORMED_BODY, METHOD_NOT_ALLOWED, ObjectDoesNotExist,
  PERMISSION_DENIED, PRECONDITION_FAILED, PreconditionFailedError, ValidationError, WebAPIError
} from './errors.ts'
import type { FormResult } from './form-request.ts'
import { dryRunItem, sendDryRun, withDryRun } from './dry-run.ts'
import { expandItems, expansionsAsked } from './expand.ts'
import { seeOther, wantsHtml } from './html.ts'
import { attempt, isThenable, then, type MaybePromise } from './maybe.ts'
import { uploadsOf } from './multipart.ts'
import type { Method, ResourceRoute } from './routes.ts'
import { itemPath, serialize, withItemRelations } from './items.ts'
import { absoluteUrl, etagMatches, sendError, success } from './responses.ts'
import { inLocale, requestLocale } from './i18n/context.ts'
import type { Precondition, Row } from './db/index.ts'

/** A route's `config`: its resource's route data and the methods its URL allows. */
export interface RouteConfig {
  readonly ffr: ResourceRoute
  readonly allow: string
}

/** What a handler gives Fastify: nothing once it has answered, or a promise when it answers later. */
type Done = void | Promise<void>

const TUNNELLED = new Set(['PUT', 'PATCH', 'DELETE'])

/** Where `answered` keeps the route's `config` on its request (a request decoration of the plugin's context, `declareRouteConfig`). */
const kConfig = Symbol('fastify-form-resources route config')

/** Declares the request property `answered` keeps the route's config in, for the plugin's context `app`, so that every request has it from the start. */
export function declareRouteConfig (app: FastifyInstance): void {
  app.decorateRequest(kConfig as unknown as string, undefined)
}

/**
 * The route's `config`: as `answered` kept it, else Fastify's `routeOptions` (a getter that
 * builds a new object of a dozen fields on every read).
 */
export function configOf (request: FastifyRequest): RouteConfig {
  return (request as unknown as Record<symbol, RouteConfig | undefined>)[kConfig] ?? request.routeOptions.config as unknown as RouteConfig
}

/** 401 with the plugin's `WWW-Authenticate` (djblets' by default) when the request has no user, else 403, as djblets does. */
export function sendPermissionError (request: FastifyRequest, reply: FastifyReply): void {
  sendError(reply, (request as { user?: unknown }).user == null ? configOf(request).ffr.notLoggedIn : PERMISSION_DENIED)
}

/** Goes on with `next` when the permission check says yes, else answers 401 or 403. */
export function permitted (request: FastifyRequest, reply: FastifyReply, allowed: boolean | PromiseLike<boolean>, next: () => MaybePromise<void>): MaybePromise<void> {
  return then(allowed, (ok) => ok ? next() : sendPermissionError(request, reply))
}

/** The request body as an object of fields; `undefined` after answering 400 for anything else. */
export function readBody (request: FastifyRequest, reply: FastifyReply): Record<string, unknown> | undefined {
  const body = request.body
  if (body === undefined || body === null) return {}
  if (typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>
  sendError(reply, MALFORMED_BODY.with({ detail: 'The body must be a JSON object of fields, or HTML form fields.' }))
  return undefined
}

/**
 * A route handler of the plugin: `handler` with the route's `config` kept on the request for
 * `configOf`, run in the request's language (`requestLocale`, with the plugin's `locale` as
 * fallback), its later answer resolving to the reply (Fastify then waits for the response), so
 * that an asynchronous `onSend` hook (the multipart context's, or the app's) does not let
 * Fastify take the handler's settled promise for one that never answered and send again.
 */
export function answered (handler: (request: FastifyRequest, reply: FastifyReply) => void | Promise<void>, config: RouteConfig) {
  const fallback = config.ffr.locale
  return function answer (request: FastifyRequest, reply: FastifyReply): void | Promise<FastifyReply> {
    (request as unknown as Record<symbol, RouteConfig>)[kConfig] = config
    const locale = requestLocale(request, fallback)
    const done = locale === undefined ? handler(request, reply) : inLocale(locale, () => handler(request, reply))
    return done === undefined ? undefined : done.then(() => reply)
  }
}

/** Loads the URL's row, answering 404 (before any permission check) when there is none. */
export function loadRow (route: ResourceRoute, request: FastifyRequest, reply: FastifyReply): MaybePromise<Row | undefined> {
  let id: unknown
  try {
    id = route.idField.clean((request.params as { id: string }).id)
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error
  }
  if (id === undefined || id === null) return found(reply, undefined)
  const row = route.load(id, request)
  return isThenable<Row | undefined>(row) ? Promise.resolve(row).then((loaded) => found(reply, loaded)) : found(reply, row)
}

/** The row loaded, after answering 404 when there is none. */
function found (reply: FastifyReply, row: Row | undefined): Row | undefined {
  if (row === undefined) sendError(reply, DOES_NOT_EXIST)
  return row
}

function sendStale (route: ResourceRoute, reply: FastifyReply, current: Row): void {
  sendError(reply.header('ETag', route.etag(current)), PRECONDITION_FAILED)
}

/** Answers 412 when an `If-Match` does not list the row's ETag. */
function preconditionFails (route: ResourceRoute, request: FastifyRequest, reply: FastifyReply, row: Row): boolean {
  const ifMatch = request.headers['if-match']
  if (ifMatch === undefined || etagMatches(ifMatch, route.etag(row))) return false
  sendStale(route, reply, row)
  return true
}

/** The `If-Match` as a precondition the write checks again on the locked row, or `undefined`. */
function expectation (route: ResourceRoute, request: FastifyRequest): Precondition | undefined {
  const ifMatch = request.headers['if-match']
  return ifMatch === undefined ? undefined : (current) => etagMatches(ifMatch, route.etag(current))
}

/**
 * Answers a write that failed after the form: the row gone (404), changed (412), or an error to
 * throw on (the plugin's error handler answers a database busy or unreachable 503, anything else 500).
 */
function writeFailed (route: ResourceRoute, reply: FastifyReply, error: unknown): void {
  if (error instanceof ObjectDoesNotExist) sendError(reply, DOES_NOT_EXIST)
  else if (error instanceof PreconditionFailedError) sendStale(route, reply, error.current)
  else throw error
}

/** Sends a form request's answer: the 400, or the saved item (with `Location` for a create, `ETag` for an update). */
function sendFormResult (route: ResourceRoute, request: FastifyRequest, reply: FastifyReply, result: FormResult<any>): MaybePromise<void> {
  // read by index: a destructured parameter goes through the array's iterator
  const status = result[0]
  const payload = result[1]
  if (status instanceof WebAPIError) {
    sendError(reply, status, payload)
    return
  }
  const { name } = route.resource
  const row = (payload as Record<string, Row>)[name]
  if ((payload as { dry_run?: boolean }).dry_run === true) return then(dryRunItem(route, request, row), (item) => { sendDryRun(reply, name, item) })
  if (wantsHtml(request)) return seeOther(reply, request, route.resource.successUrl, row, status === 201 ? 'create' : 'update', absoluteUrl(request, itemPath(route, row)))
  // the ETag of the row's own columns, taken before its relations are added to it
  const etag = status === 201 ? undefined : route.etag(row)
  if (route.relations === undefined) return sendSaved(route, request, reply, status, row, etag)
  const rows = withItemRelations(route, [row])
  return isThenable<readonly Row[]>(rows) ? Promise.resolve(rows).then(([full]) => sendSaved(route, request, reply, status, full, etag)) : sendSaved(route, request, reply, status, rows[0], etag)
}

/** Serializes a saved row's item (at once when `serializeObject` answers at once) and sends it. */
function sendSaved (route: ResourceRoute, request: FastifyRequest, reply: FastifyReply, status: 200 | 201, full: Row, etag: string | undefined): MaybePromise<void> {
  const href = status === 201 ? absoluteUrl(request, itemPath(route, full)) : undefined
  const item = serialize(route, request, full, href, true, route.ownsSaved)
  return isThenable<Record<string, unknown>>(item) ? Promise.resolve(item).then((out) => { sendItem(route, reply, status, href, etag, out) }) : sendItem(route, reply, status, href, etag, item)
}

/** Sends the item in the envelope: 201 with `Location`, or `status` with the row's `ETag`. */
function sendItem (route: ResourceRoute, reply: FastifyReply, status: 200 | 201, href: string | undefined, etag: string | undefined, item: Record<string, unknown>): void {
  if (status === 201) reply.code(201).header('Location', href!).send(success(route.resource.name, item))
  else reply.code(status).header('ETag', etag!).send(success(route.resource.name, item))
}

/** `POST <list>`: a create through the form; 201 with `Location`, or 400 with `fields`. */
export function createItem (request: FastifyRequest, reply: FastifyReply): Done {
  const route = configOf(request).ffr
  const data = readBody(request, reply)
  if (data === undefined) return
  // `_method` tunnels to an item URL only
  if (Object.hasOwn(data, '_method')) return methodNotAllowed(request, reply)
  const allowed = route.resource.hasModifyPermissions(request)
  // a yes given at once goes straight on, without a closure to wait for it
  if (allowed === true) return create(route, request, reply, data) as Done
  return permitted(request, reply, allowed, () => create(route, request, reply, data)) as Done
}

/** The create's form request and its answer. */
function create (route: ResourceRoute, request: FastifyRequest, reply: FastifyReply, data: Record<string, unknown>): MaybePromise<void> {
  const result = route.formRequest(withDryRun(request, { request, data, files: uploadsOf(request) }))
  return isThenable<FormResult<any>>(result) ? Promise.resolve(result).then((answer) => sendFormResult(route, request, reply, answer)) : sendFormResult(route, request, reply, result)
}

/** `GET <item>`: the item with its `ETag`; 304 for an `If-None-Match` that lists it. */
export function readItem (request: FastifyRequest, reply: FastifyReply): Done {
  const route = configOf(request).ffr
  return then(loadRow(route, request, reply), (row) => {
    if (row === undefined) return
    return permitted(request, reply, route.resource.hasAccessPermissions(request, row), () => {
      const etag = route.etag(row)
      if (etagMatches(request.headers['if-none-match'], etag)) {
        reply.code(304).header('ETag', etag).send()
        return
      }
      const asked = expansionsAsked(route, request.query as Record<string, unknown>)
      if (asked instanceof WebAPIError) {
        sendError(reply, asked)
        return
      }
      return then(withItemRelations(route, [row]), ([full]) => then(serialize(route, request, full), (item) =>
        then(asked.length === 0 ? undefined : expandItems(request, route, asked, [row], [item]), () => { reply.header('ETag', etag).send(success(route.resource.name, item)) })))
    })
  }) as Done
}

/** `PUT` / `PATCH <item>`: an update through the form; fields absent keep the row's values; `If-Match` checked now and again at the write. */
export function updateItem (request: FastifyRequest, reply: FastifyReply): Done {
  const route = configOf(request).ffr
  const data = readBody(request, reply)
  if (data === undefined) return
  const row = loadRow(route, request, reply)
  return (isThenable<Row | undefined>(row) ? Promise.resolve(row).then((loaded) => updateRow(route, request, reply, data, loaded)) : updateRow(route, request, reply, data, row)) as Done
}

/** The update of a loaded row (none: answered 404 already), once the permission check says yes. */
function updateRow (route: ResourceRoute, request: FastifyRequest, reply: FastifyReply, data: Record<string, unknown>, row: Row | undefined): MaybePromise<void> {
  if (row === undefined) return
  const allowed = route.resource.hasModifyPermissions(request, row)
  if (allowed === true) return update(route, request, reply, data, row)
  return permitted(request, reply, allowed, () => update(route, request, reply, data, row))
}

/** The update's form request and its answer: 412 first for a stale `If-Match`; a write that failed after the form answered by `writeFailed`. */
function update (route: ResourceRoute, request: FastifyRequest, reply: FastifyReply, data: Record<string, unknown>, row: Row): MaybePromise<void> {
  if (preconditionFails(route, request, reply, row)) return
  // `_method` says what an HTML form means, and is no field
  let fields = data
  if (Object.hasOwn(data, '_method')) {
    const { _method: _, ...rest } = data
    fields = rest
  }
  const precondition = expectation(route, request)
  let result: MaybePromise<FormResult<any>>
  try {
    result = route.formRequest(withDryRun(request, { request, data: fields, files: uploadsOf(request), instance: row, saveKwargs: precondition === undefined ? undefined : { precondition } }))
  } catch (error) {
    return writeFailed(route, reply, error)
  }
  return isThenable<FormResult<any>>(result)
    ? Promise.resolve(result).then((answer) => sendFormResult(route, request, reply, answer), (error: unknown) => { writeFailed(route, reply, error) })
    : sendFormResult(route, request, reply, result)
}

/** `DELETE <item>`: 204; 409 when other rows still refer to it; `If-Match` checked now and again at the write. */
export function deleteItem (request: FastifyRequest, reply: FastifyReply): Done {
  const route = configOf(request).ffr
  const { resource, adapter, table, info } = route
  return then(loadRow(route, request, reply), (row) => {
    if (row === undefined) return
    return permitted(request, reply, resource.hasDeletePermissions(request, row), () => {
      if (preconditionFails(route, request, reply, row)) return
      return attempt(() => adapter.write([{ op: 'delete', table, key: row[info.primaryKey], expect: expectation(route, request) }]), ([deleted]) => {
        // deleted by someone else since it was read
        if (deleted === undefined) sendError(reply, DOES_NOT_EXIST)
        else if (wantsHtml(request)) seeOther(reply, request, resource.successUrl, row, 'delete', absoluteUrl(request, route.listPath))
        else reply.code(204).send()
      }, (error) => {
        if (error instanceof PreconditionFailedError) return sendStale(route, reply, error.current)
        if (adapter.violation(error, table)?.kind === 'foreignKey') {
          sendError(reply, ITEM_IN_USE)
          return
        }
        throw error
      })
    })
  }) as Done
}

/** `POST <item>` from an HTML form: dispatched as the `_method` it names (PUT, PATCH or DELETE), else 405. */
export function tunnelItem (request: FastifyRequest, reply: FastifyReply): Done {
  const { ffr: route } = configOf(request)
  const named = (request.body as Record<string, unknown> | undefined)?._method
  const method = typeof named === 'string' ? named.toUpperCase() : ''
  if (!TUNNELLED.has(method) || !route.allows(method as Method)) return methodNotAllowed(request, reply)
  return method === 'DELETE' ? deleteItem(request, reply) : updateItem(request, reply)
}

/** A method the URL does not allow: 405 with `Allow`. */
export function methodNotAllowed (request: FastifyRequest, reply: FastifyReply): void {
  sendError(reply.header('Allow', configOf(request).allow), METHOD_NOT_ALLOWED)
}

export { isThenable }
