/**
 * The HTTP side of a resource: its two URLs, each method's handler with djblets' semantics,
 * and the TypeBox schemas of every request and response.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { Table } from 'drizzle-orm'
import {
  DOES_NOT_EXIST, ITEM_IN_USE, MALFORMED_BODY, METHOD_NOT_ALLOWED, NOT_LOGGED_IN, ObjectDoesNotExist,
  PERMISSION_DENIED, PRECONDITION_FAILED, PreconditionFailedError, ValidationError, WebAPIError
} from './errors.ts'
import { absoluteUrl, etagMatches, etagOf, onlyList, pageOf, sendError, trimItem, type Link } from './responses.ts'
import { bodySchema, ErrorEnvelope, itemEnvelope, itemSchema, listEnvelope } from './schemas.ts'
import { describe, fieldFor, type Precondition, type Row } from './db/index.ts'
import { FormResource, plainFormRequest, type FormResult, type HandleFormRequestArgs, type HttpMethod } from './resource.ts'

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
const LIST_METHODS: readonly Method[] = ['GET', 'POST']
const ITEM_METHODS: readonly Method[] = ['GET', 'PUT', 'PATCH', 'DELETE']
const TUNNELLED = new Set(['PUT', 'PATCH', 'DELETE'])
const errorResponses = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope, 405: ErrorEnvelope, 409: ErrorEnvelope, 412: ErrorEnvelope, 413: ErrorEnvelope, 415: ErrorEnvelope }

/** What a handler gives Fastify: nothing once it has answered, or a promise when it answers later. */
type Done = void | Promise<void>

/** Whether a value is a promise or any other thenable (an overridden step may give one). */
function isThenable (value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function'
}

/** Goes on with `next` once `value` is known: at once when it is not a promise. */
function andThen<T, R> (value: T | PromiseLike<T>, next: (value: T) => R | Promise<R>): R | Promise<R> {
  return isThenable(value) ? Promise.resolve(value).then(next) : next(value)
}

/** Whether `method` is allowed; PATCH goes with PUT. */
function allows (resource: FormResource<any>, method: Method): boolean {
  return resource.allowedMethods.includes((method === 'PATCH' ? 'PUT' : method) as HttpMethod)
}

/** 401 with `WWW-Authenticate` when the request has no user, else 403, as djblets does. */
function sendPermissionError (request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, (request as { user?: unknown }).user == null ? NOT_LOGGED_IN : PERMISSION_DENIED)
}

/** The request body as an object of fields; `undefined` after answering 400 for anything else. */
function readBody (request: FastifyRequest, reply: FastifyReply): Record<string, unknown> | undefined {
  const body = request.body
  if (body === undefined || body === null) return {}
  if (typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>
  sendError(reply, MALFORMED_BODY.with({ detail: 'The body must be a JSON object of fields, or HTML form fields.' }))
  return undefined
}

/** Registers the list and item routes of one resource on `app` (the plugin's own context). */
export function registerResourceRoutes (app: FastifyInstance, resource: FormResource<Table>): void {
  const { table, name } = resource
  const listKey = resource.listKey
  const info = describe(table)
  const idField = fieldFor(table, info.columns[info.primaryKey])
  const listPath = `${app.prefix}/${resource.urlName}/`
  const itemPath = (row: Row): string => `${listPath}${String(row[info.primaryKey])}/`
  const item = itemSchema(table, { extraKeys: resource.serializeObject !== FormResource.prototype.serializeObject })
  const tags = [listKey]
  const params = Type.Object({ id: Type.String() })
  const onlyQuery = { 'only-fields': Type.Optional(Type.String()), 'only-links': Type.Optional(Type.String()) }

  // the routes are registered once: the links they offer are known now
  const canCreate = allows(resource, 'POST')
  const canUpdate = allows(resource, 'PUT')
  const canDelete = allows(resource, 'DELETE')
  const itemLinks = (request: FastifyRequest, row: Row, href = absoluteUrl(request, itemPath(row))): Record<string, Link> => {
    const links: Record<string, Link> = { self: { href, method: 'GET' } }
    if (canUpdate) links.update = { href, method: 'PUT' }
    if (canDelete) links.delete = { href, method: 'DELETE' }
    return links
  }
  /** The item as the response carries it; `href`: its absolute URL, when already known. */
  const serialize = (request: FastifyRequest, row: Row, href?: string): Record<string, unknown> => {
    const query = request.query as Record<string, unknown>
    const out = resource.serializeObject(row as never, { request })
    return trimItem(out, itemLinks(request, row, href), onlyList(query, 'only-fields'), onlyList(query, 'only-links'))
  }
  /**
   * Loads the URL's row, answering 404 (before any permission check) when there is none. A
   * promise only when the read is one: on SQLite, without an overridden `getObject`, the row at once.
   */
  const load = (request: FastifyRequest, reply: FastifyReply): Row | undefined | Promise<Row | undefined> => {
    let id: unknown
    try {
      id = idField.clean((request.params as { id: string }).id)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
    }
    if (id === undefined || id === null) return found(reply, undefined)
    const now = resource.getObject === FormResource.prototype.getObject ? resource.adapter.immediate : undefined
    if (now !== undefined) return found(reply, now.get(table, id))
    return andThen(resource.getObject(id), (row) => found(reply, row as Row | undefined))
  }
  const found = (reply: FastifyReply, row: Row | undefined): Row | undefined => {
    if (row === undefined) sendError(reply, DOES_NOT_EXIST)
    return row
  }
  const preconditionFails = (request: FastifyRequest, reply: FastifyReply, row: Row): boolean => {
    const ifMatch = request.headers['if-match']
    if (ifMatch === undefined || etagMatches(ifMatch, etagOf(row))) return false
    sendStale(reply, row)
    return true
  }
  const sendStale = (reply: FastifyReply, current: Row): FastifyReply => sendError(reply.header('ETag', etagOf(current)), PRECONDITION_FAILED)
  /** The `If-Match` as a precondition the write checks again on the locked row, or `undefined`. */
  const expectation = (request: FastifyRequest): Precondition | undefined => {
    const ifMatch = request.headers['if-match']
    return ifMatch === undefined ? undefined : (current) => etagMatches(ifMatch, etagOf(current))
  }

  /** The resource's `handleFormRequest`, or its plain path when it has not overridden it: then on SQLite the answer at once. */
  const formRequest = (args: HandleFormRequestArgs<Table>): FormResult<Table> | Promise<FormResult<Table>> =>
    (resource.handleFormRequest === FormResource.prototype.handleFormRequest ? plainFormRequest(resource, args) : undefined) ?? resource.handleFormRequest(args)
  /** Goes on with `next` when the permission check says yes, else answers 401 or 403. */
  const permitted = (request: FastifyRequest, reply: FastifyReply, allowed: boolean | Promise<boolean>, next: () => Done): Done =>
    andThen(allowed, (ok) => {
      if (ok) return next()
      sendPermissionError(request, reply)
    })
  /** An update of a loaded row the request may change: its `If-Match`, the form, the answer. */
  const change = (request: FastifyRequest, reply: FastifyReply, data: Record<string, unknown>, row: Row): Done => {
    if (preconditionFails(request, reply, row)) return
    // `_method` says what an HTML form means, and is no field
    let fields = data
    if (Object.hasOwn(data, '_method')) {
      const { _method: _, ...rest } = data
      fields = rest
    }
    const precondition = expectation(request)
    const changed = ([status, payload]: FormResult<Table>): void => {
      if (status instanceof WebAPIError) {
        sendError(reply, status, payload)
        return
      }
      const saved = (payload as Record<string, Row>)[name]
      reply.code(status).header('ETag', etagOf(saved)).send({ stat: 'ok', [name]: serialize(request, saved) })
    }
    const failed = (error: unknown): void => {
      if (error instanceof ObjectDoesNotExist) sendError(reply, DOES_NOT_EXIST)
      else if (error instanceof PreconditionFailedError) sendStale(reply, error.current)
      else throw error
    }
    let result
    try {
      result = formRequest({ request, data: fields, instance: row as never, saveKwargs: precondition === undefined ? undefined : { precondition } })
    } catch (error) {
      return failed(error)
    }
    return isThenable(result) ? Promise.resolve(result).then(changed, failed) : changed(result)
  }

  // the handlers answer at once when every step does (SQLite, synchronous permission checks), else through promises
  const handlers: Record<string, (request: FastifyRequest, reply: FastifyReply) => Done> = {
    async 'list GET' (request, reply) {
      if (!(await resource.hasListAccessPermissions(request))) {
        sendPermissionError(request, reply)
        return
      }
      const { start, max } = pageOf(request.query as Record<string, unknown>, resource.maxResultsDefault, resource.maxResultsCap)
      const [rows, total] = await Promise.all([resource.adapter.list(table, start, max), resource.adapter.count(table)])
      const page = (from: number): Link => ({ href: absoluteUrl(request, `${listPath}?start=${from}&max-results=${max}`), method: 'GET' })
      const links: Record<string, Link> = { self: { href: absoluteUrl(request, request.url), method: 'GET' } }
      if (canCreate) links.create = { href: absoluteUrl(request, listPath), method: 'POST' }
      if (start > 0) links.prev = page(Math.max(0, start - max))
      if (start + max < total) links.next = page(start + max)
      reply.send({ stat: 'ok', [listKey]: rows.map((row) => serialize(request, row)), total_results: total, links })
    },
    'list POST' (request, reply) {
      const data = readBody(request, reply)
      if (data === undefined) return
      return permitted(request, reply, resource.hasModifyPermissions(request), () => andThen(formRequest({ request, data }), ([status, payload]) => {
        if (status instanceof WebAPIError) {
          sendError(reply, status, payload)
          return
        }
        const row = (payload as Record<string, Row>)[name]
        const href = absoluteUrl(request, itemPath(row))
        reply.code(status).header('Location', href).send({ stat: 'ok', [name]: serialize(request, row, href) })
      }))
    },
    'item GET' (request, reply) {
      return andThen(load(request, reply), (row) => {
        if (row === undefined) return
        return permitted(request, reply, resource.hasAccessPermissions(request, row as never), () => {
          const etag = etagOf(row)
          if (etagMatches(request.headers['if-none-match'], etag)) reply.code(304).header('ETag', etag).send()
          else reply.header('ETag', etag).send({ stat: 'ok', [name]: serialize(request, row) })
        })
      })
    },
    'item PUT' (request, reply) {
      const data = readBody(request, reply)
      if (data === undefined) return
      return andThen(load(request, reply), (row) => {
        if (row === undefined) return
        return permitted(request, reply, resource.hasModifyPermissions(request, row as never), () => change(request, reply, data, row))
      })
    },
    async 'item DELETE' (request, reply) {
      const row = await load(request, reply)
      if (row === undefined) return
      if (!(await resource.hasDeletePermissions(request, row as never))) {
        sendPermissionError(request, reply)
        return
      }
      if (preconditionFails(request, reply, row)) return
      let deleted: Row | undefined
      try {
        [deleted] = await resource.adapter.write([{ op: 'delete', table, key: row[info.primaryKey], expect: expectation(request) }])
      } catch (error) {
        if (error instanceof PreconditionFailedError) {
          sendStale(reply, error.current)
          return
        }
        if (resource.adapter.violation(error, table)?.kind === 'foreignKey') {
          sendError(reply, ITEM_IN_USE)
          return
        }
        throw error
      }
      // deleted by someone else since it was read
      if (deleted === undefined) sendError(reply, DOES_NOT_EXIST)
      else reply.code(204).send()
    },
    // an HTML form can only GET or POST: `_method` in its fields says what it means
    'item POST' (request, reply) {
      const tunnelled = String((request.body as Record<string, unknown> | undefined)?._method ?? '').toUpperCase()
      if (!TUNNELLED.has(tunnelled) || !allows(resource, tunnelled as Method)) {
        sendMethodNotAllowed(reply, ITEM_METHODS)
        return
      }
      return handlers[tunnelled === 'DELETE' ? 'item DELETE' : 'item PUT'](request, reply)
    }
  }
  handlers['item PATCH'] = handlers['item PUT']

  const sendMethodNotAllowed = (reply: FastifyReply, methods: readonly Method[]): FastifyReply => {
    const allowed = methods.filter((m) => allows(resource, m))
    return sendError(reply.header('Allow', allowed.join(', ')), METHOD_NOT_ALLOWED)
  }
  const schemas: Record<string, RouteShorthandOptions['schema']> = {
    'list GET': { querystring: Type.Object({ start: Type.Optional(Type.Integer({ minimum: 0 })), 'max-results': Type.Optional(Type.Integer({ minimum: 1, maximum: resource.maxResultsCap })), ...onlyQuery }), response: { 200: listEnvelope(listKey, item), ...errorResponses } },
    'list POST': { body: bodySchema(resource.addFormClass?.baseFields ?? resource.formClass.baseFields, false), response: { 201: itemEnvelope(name, item), ...errorResponses } },
    'item GET': { params, querystring: Type.Object(onlyQuery), response: { 200: itemEnvelope(name, item), ...errorResponses } },
    'item PUT': { params, body: bodySchema(resource.formClass.baseFields, true), response: { 200: itemEnvelope(name, item), ...errorResponses } },
    'item DELETE': { params, response: { 204: Type.Null({ description: 'Deleted: an empty body' }), ...errorResponses } }
  }
  schemas['item PATCH'] = schemas['item PUT']

  for (const [kind, url, methods] of [['list', `/${resource.urlName}/`, LIST_METHODS], ['item', `/${resource.urlName}/:id/`, ITEM_METHODS]] as const) {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      const key = `${kind} ${method}`
      const handler = handlers[key]
      const open = handler !== undefined && (allows(resource, method) || key === 'item POST')
      app.route({
        method,
        url,
        schema: open && schemas[key] !== undefined ? { tags, ...schemas[key] } : { hide: true } as object,
        handler: open ? handler : async (_request, reply) => sendMethodNotAllowed(reply, methods)
      })
    }
  }
}
