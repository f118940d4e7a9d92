/**
 * What the plugin's routes tell @fastify/swagger (or any OpenAPI generator reading route
 * schemas): per kind of route, only the statuses it can answer, each with a description; the
 * request body in every content type the route accepts (JSON, form-encoded, multipart with
 * `format: binary` files); a summary, a description and an operationId. lib/routes.ts and
 * lib/child-routes.ts pass each route's schema through `documentRoute`.
 */
import { Type, type TSchema } from '@sinclair/typebox'
import type { FormResource } from './resource.ts'
import { ErrorEnvelope } from './responses.ts'
import { bodySchema, columnSchema } from './schemas.ts'

/** A kind of route the plugin registers: a list, an item, or an inline's children, and the method. */
export type RouteKind = 'list GET' | 'list POST' | 'list PATCH' | 'list OPTIONS' | 'item GET' | 'item PUT' | 'item PATCH' | 'item DELETE' | 'item OPTIONS' | 'children GET' | 'children POST' | 'children PATCH' | 'children OPTIONS'

/** What `documentRoute` needs besides the schema: the resource and, for child routes, the inline's key and item name. */
export interface RouteDocContext {
  readonly resource: FormResource<any, any>
  /** Child routes: the inline's key (`books`) and the item key of one child (`book`). */
  readonly child?: { readonly key: string, readonly name: string }
}

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'] as const

/** The error statuses each kind of route can answer (the success ones are in its schema). */
const ERRORS: Record<RouteKind, readonly number[]> = {
  'list GET': [400, 401, 403, 500, 503],
  'list POST': [400, 401, 403, 405, 413, 415, 500, 503],
  'list PATCH': [400, 401, 403, 413, 415, 500, 503],
  'list OPTIONS': [500, 503],
  'item GET': [401, 403, 404, 500, 503],
  'item PUT': [400, 401, 403, 404, 412, 413, 415, 500, 503],
  'item PATCH': [400, 401, 403, 404, 412, 413, 415, 500, 503],
  'item DELETE': [400, 401, 403, 404, 409, 412, 413, 415, 500, 503],
  'item OPTIONS': [404, 500, 503],
  'children GET': [401, 403, 404, 500, 503],
  'children POST': [400, 401, 403, 404, 413, 415, 500, 503],
  'children PATCH': [400, 401, 403, 404, 413, 415, 500, 503],
  'children OPTIONS': [404, 500, 503]
}

const header = (description: string, schema: Record<string, unknown> = { type: 'string' }): Record<string, unknown> => ({ ...schema, description })

/** The failure envelope of one status: its description and the headers it carries. */
function errorResponse (status: number, kind: RouteKind): TSchema {
  const form = kind !== 'item DELETE'
  const descriptions: Record<number, string> = {
    400: kind === 'list GET'
      ? 'INVALID_ATTRIBUTE (102): a query parameter that is no filter, ordering or expansion of this list (`err.detail` names it); or INVALID_FORM_DATA (105): a filter value its field refuses, in `fields`.'
      : form
        ? 'INVALID_FORM_DATA (105): `fields` holds every message by input name (`__all__` for the form\'s own, `books-1-title` for a formset\'s), `items` a formset\'s by index; or MALFORMED_BODY (200): the body could not be parsed (`err.detail` says where).'
        : 'MALFORMED_BODY (200): the body could not be parsed.',
    401: 'NOT_LOGGED_IN (103): the request has no user; `WWW-Authenticate` as the plugin\'s `authenticate` option says.',
    403: 'PERMISSION_DENIED (101): the user may not do this.',
    404: kind.startsWith('children') ? 'DOES_NOT_EXIST (100): there is no parent item with this key.' : 'DOES_NOT_EXIST (100): there is no item with this key.',
    405: 'METHOD_NOT_ALLOWED (204): `_method` was sent to a list URL (it tunnels to item URLs only); `Allow` lists the methods.',
    409: 'ITEM_IN_USE (206): other items still refer to this one.',
    412: 'PRECONDITION_FAILED (203): `If-Match` does not list the item\'s current ETag (it changed since it was read); `ETag` is the current one.',
    413: 'REQUEST_TOO_LARGE (202): the body is past the body limit, or past multipart\'s file size, file count or part limits.',
    415: 'UNSUPPORTED_MEDIA_TYPE (201): send application/json, application/x-www-form-urlencoded or multipart/form-data.',
    500: 'SERVER_ERROR (205): the server could not complete the request (the cause is logged).',
    503: 'SERVICE_UNAVAILABLE (207): the database is busy or unreachable; try again after `Retry-After` seconds. Nothing was written.'
  }
  const headers: Record<number, Record<string, unknown>> = {
    401: { 'WWW-Authenticate': header('The challenge, `Basic realm="Web API"` by default.') },
    405: { Allow: header('The methods this URL allows.') },
    412: { ETag: header('The item\'s current ETag.') },
    503: { 'Retry-After': header('Seconds to wait before trying again.', { type: 'integer' }) }
  }
  return { ...ErrorEnvelope, description: descriptions[status], ...(headers[status] !== undefined ? { headers: headers[status] } : {}) } as TSchema
}

/** "sticky notes" from `stickyNotes`. */
function words (name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[-_]+/g, ' ').toLowerCase()
}

function withArticle (phrase: string): string {
  return `${/^[aeiou]/i.test(phrase) ? 'an' : 'a'} ${phrase}`
}

function pascal (name: string): string {
  return name.replace(/(?:^|[-_ ]+)(\w)/g, (_, c: string) => c.toUpperCase())
}

/** The summary, description and operationId of a route. */
function operation (kind: RouteKind, { resource, child }: RouteDocContext): { summary: string, description: string, operationId: string } {
  const one = words(resource.name)
  const many = words(resource.listKey)
  const bulk = resource.bulk === true
  const Name = pascal(resource.name)
  const Names = pascal(resource.listKey)
  const children = child === undefined ? '' : words(child.key)
  const Children = child === undefined ? '' : pascal(child.key)
  switch (kind) {
    case 'list GET': return { operationId: `list${Names}`, summary: `List ${many}`, description: `A page of ${many} in key order: \`start\` and \`max-results\` (at most ${resource.maxResultsCap}) choose it, \`links\` has the pages before and after.` }
    case 'list POST': return bulk
      ? { operationId: `create${Names}`, summary: `Create ${withArticle(one)}, or several`, description: `An object creates one ${one} through the form (201 with \`Location\`); a JSON array, or a form body with Django's management form (\`${resource.listKey}-TOTAL_FORMS\`, ...), creates every item in one transaction, all or nothing.` }
      : { operationId: `create${Name}`, summary: `Create ${withArticle(one)}`, description: `Creates ${withArticle(one)} through the form: 201 with the item and its \`Location\`, or 400 with every field's messages. A request that asks for HTML gets 303 See Other instead.` }
    case 'list PATCH': return { operationId: `change${Names}`, summary: `Create, update and delete several ${many}`, description: 'An array of items: one with the key updates that row (fields left out keep their values), one without creates, `"DELETE": true` deletes; rows not named are untouched. One transaction, all or nothing.' }
    case 'item GET': return { operationId: `read${Name}`, summary: `Read ${withArticle(one)}`, description: 'The item with its `ETag`; `If-None-Match` with it answers 304.' }
    case 'item PUT': return { operationId: `update${Name}`, summary: `Update ${withArticle(one)}`, description: 'Updates the item through the form: fields left out of the body keep their values. `If-Match` with the item\'s ETag makes the write fail with 412 when the item changed meanwhile.' }
    case 'item PATCH': return { operationId: `patch${Name}`, summary: `Update ${withArticle(one)} (as PUT)`, description: 'The same as PUT: fields left out of the body keep their values.' }
    case 'item DELETE': return { operationId: `delete${Name}`, summary: `Delete ${withArticle(one)}`, description: '204 with an empty body; `If-Match` makes it fail with 412 when the item changed meanwhile. A request that asks for HTML gets 303 See Other to the list.' }
    case 'list OPTIONS': return { operationId: `describe${Names}`, summary: `The form of ${many}: fields, limits, messages and the actions allowed`, description: 'The form\'s metadata, as DRF\'s `SimpleMetadata` shapes it: `actions` lists only what this request may do (`POST` with every field\'s type, label, limits, choices and messages). Also at `GET <list>?metadata=1`, for apps whose CORS answers `OPTIONS` itself.' }
    case 'item OPTIONS': return { operationId: `describe${Name}`, summary: `The form of ${withArticle(one)}: fields, limits, messages and the actions allowed`, description: 'The form\'s metadata for this item: `actions` lists `PUT` only when this request may change it; 404 when there is no item with this key.' }
    case 'children GET': return { operationId: `list${Name}${Children}`, summary: `List ${withArticle(one)}'s ${children}`, description: `The ${children} of one ${one}, a page at a time; 404 when the ${one} does not exist.` }
    case 'children POST': return { operationId: `create${Name}${Children}`, summary: `Add ${children} to ${withArticle(one)}`, description: `An object creates one (its errors by plain field name); an array or Django's management form (\`${child!.key}-TOTAL_FORMS\`, ...) creates several in one transaction. The key to the ${one} comes from the URL.` }
    case 'children OPTIONS': return { operationId: `describe${Name}${Children}`, summary: `The form of ${withArticle(one)}'s ${children}: fields, limits, messages and the actions allowed`, description: `The inline formset's form, without the key to the ${one} (the URL gives it): \`actions\` lists \`POST\` only when this request may change the ${one}; 404 when the ${one} does not exist. Also at \`GET <item>/${child!.key}/?metadata=1\`.` }
    case 'children PATCH': return { operationId: `change${Name}${Children}`, summary: `Create, update and delete ${withArticle(one)}'s ${children}`, description: `An array of ${children}: with a key updates, without creates, \`"DELETE": true\` deletes; one transaction, all or nothing.` }
  }
}

/** What each success status means, by kind (the schemas' own descriptions win). */
function successDescription (kind: RouteKind, status: string): string {
  if (status === '303') return 'See Other: to the item\'s page, or the resource\'s `successUrl`, for a request that asks for HTML (`Accept: text/html` first, no `X-Requested-With`).'
  if (status === '304') return 'Not Modified: `If-None-Match` lists the item\'s current ETag.'
  if (status === '204') return 'Deleted: an empty body.'
  if (kind === 'list GET' || kind === 'children GET') return 'A page of items, with `total_results` and `links`.'
  if (kind.endsWith('POST')) return 'Created: the item (with `Location`), or the items of a batch in request order.'
  if (kind.endsWith('PATCH') && !kind.startsWith('item')) return 'Saved: the items in request order (`null` for one deleted) and the deleted keys.'
  if (kind === 'item GET') return 'The item, with its `ETag`.'
  if (kind.endsWith('OPTIONS')) return 'The form\'s metadata: `name`, `description`, `renders`, `parses`, `actions`; `Allow` lists the methods.'
  return 'Saved: the item as stored, with its new `ETag`.'
}

const SUCCESS_HEADERS: Partial<Record<string, Record<string, unknown>>> = {
  'item GET 200': { ETag: header('The item\'s ETag, for `If-None-Match` and `If-Match`.') },
  'item GET 304': { ETag: header('The item\'s ETag.') },
  'item PUT 200': { ETag: header('The saved item\'s ETag.') },
  'item PATCH 200': { ETag: header('The saved item\'s ETag.') },
  'list POST 201': { Location: header('The new item\'s URL (a single create).') }
}

/** Query parameters the plugin reads, described. */
const QUERY_DESCRIPTIONS: Record<string, string> = {
  start: 'The index of the first item of the page (default 0).',
  'max-results': 'How many items per page (default 25).',
  'only-fields': 'Comma-separated fields to keep in each item (djblets\' `only-fields`).',
  'only-links': 'Comma-separated links to keep in each item (empty: none).'
}

/** The object schema of a body (the object branch of a union, the items of an array). */
function objectOf (body: any): any {
  if (body === undefined) return undefined
  if (body.type === 'object') return body
  if (body.type === 'array') return objectOf(body.items)
  for (const branch of body.anyOf ?? []) if (branch.type === 'object') return branch
  if (body.allOf !== undefined) {
    const merged: any = { type: 'object', properties: {} }
    for (const part of body.allOf) Object.assign(merged.properties, objectOf(part)?.properties)
    return merged
  }
  return undefined
}

function isFile (schema: any): boolean {
  return schema?.format === 'binary' || (schema?.anyOf ?? []).some((branch: any) => branch.format === 'binary')
}

function isNullableFile (schema: any): boolean {
  return (schema?.anyOf ?? []).some((branch: any) => branch.type === 'null')
}

/** A file field in JSON: only `null` (clears it). */
function jsonFile (schema: any): TSchema {
  return Type.Unsafe({ type: ['string', 'null'], enum: [null], ...(schema.title !== undefined ? { title: schema.title } : {}), description: `${schema.description !== undefined ? `${String(schema.description)} ` : ''}JSON can only clear it (\`null\`); send the file with multipart/form-data.` })
}

/** The inline formsets' bodies in JSON: each key a list of children (with the key to update, `DELETE` to delete). */
function inlineProperties (resource: FormResource<any, any>): Record<string, TSchema> {
  const properties: Record<string, TSchema> = {}
  for (const [key, FormSetClass] of Object.entries(resource.inlines ?? {})) {
    const { FormClass, info } = FormSetClass.meta
    const body = Type.Intersect([bodySchema(FormClass.baseFields, true), Type.Object({ [info.primaryKey]: Type.Optional(columnSchema(info.table, info.primaryKey)), DELETE: Type.Optional(Type.Boolean()) })])
    properties[key] = Type.Optional(Type.Array(body, { description: `The ${words(key)}, written with the parent in one transaction: an item with its key updates that one, without creates, with \`"DELETE": true\` deletes; ${words(key)} not named are untouched.` }))
  }
  return properties
}

/** The management form's fields of a formset prefix, as Django names them. */
function managementForm (prefix: string): Record<string, TSchema> {
  return {
    [`${prefix}-TOTAL_FORMS`]: Type.Optional(Type.Integer({ minimum: 0, description: `Django's management form: how many ${words(prefix)} forms follow (\`${prefix}-0-<field>\`, \`${prefix}-1-<field>\`, ..., with \`${prefix}-N-id\` to update and \`${prefix}-N-DELETE=on\` to delete).` })),
    [`${prefix}-INITIAL_FORMS`]: Type.Optional(Type.Integer({ minimum: 0, description: 'Django\'s management form: how many of them are existing rows.' }))
  }
}

/**
 * A form body (URL-encoded or multipart) from the JSON one: the object's fields (files left out,
 * or as `format: binary` for multipart), `<file>-clear` for each nullable file, and the management
 * forms of `prefixes`, whose `<prefix>-N-<field>` inputs make the body open-ended.
 */
function formBody (object: any, prefixes: readonly string[], multipart: boolean, formsetOnly: boolean): TSchema {
  const properties: Record<string, unknown> = {}
  if (!formsetOnly) {
    for (const [key, schema] of Object.entries<any>(object?.properties ?? {})) {
      if (isFile(schema)) {
        if (multipart) properties[key] = { type: 'string', format: 'binary', ...(schema.title !== undefined ? { title: schema.title } : {}), ...(schema.description !== undefined ? { description: schema.description } : {}) }
        if (isNullableFile(schema)) properties[`${key}-clear`] = { type: 'boolean', description: `\`on\` clears ${String(schema.title ?? key)} (with no file sent).` }
      } else if (schema.type !== 'array' || objectOf(schema.items) === undefined) {
        properties[key] = schema
      }
    }
  }
  for (const prefix of prefixes) Object.assign(properties, managementForm(prefix))
  const open = prefixes.length > 0
  return Type.Unsafe({
    type: 'object',
    properties,
    ...(Array.isArray(object?.required) && !formsetOnly ? { required: object.required.filter((key: string) => key in properties) } : {}),
    additionalProperties: open,
    description: `HTML form fields: every value a string (\`on\` for a ticked checkbox; a boolean sent twice takes the last value), a many-to-many field repeated per key.${open ? ` Formset forms as \`${prefixes[0]}-N-<field>\`.` : ''}`
  })
}

/** The request body in each content type the route accepts, as Fastify's `body.content`. */
function bodyContent (kind: RouteKind, body: any, context: RouteDocContext): Record<string, unknown> {
  const { resource, child } = context
  const object = objectOf(body)
  const formset = kind === 'list PATCH' || kind === 'children PATCH'
  const prefixes = child !== undefined ? [child.key] : kind === 'list POST' || kind === 'list PATCH' ? (resource.bulk === true ? [resource.listKey] : []) : []
  if (child === undefined) prefixes.push(...Object.keys(resource.inlines ?? {}))
  // JSON: files only clear, inlines as lists of children
  const jsonObject = (schema: any): any => {
    if (schema?.type !== 'object') return schema
    const properties: Record<string, unknown> = {}
    for (const [key, field] of Object.entries<any>(schema.properties)) properties[key] = isFile(field) ? jsonFile(field) : field
    return { ...schema, properties: { ...properties, ...(child === undefined && kind !== 'list PATCH' ? inlineProperties(resource) : {}) } }
  }
  const json = body.anyOf !== undefined
    ? { ...body, anyOf: body.anyOf.map((branch: any) => branch.type === 'array' ? { ...branch, items: jsonObject(branch.items) } : jsonObject(branch)) }
    : body.type === 'array' ? { ...body, items: body.items.allOf !== undefined ? { ...body.items, allOf: body.items.allOf.map(jsonObject) } : jsonObject(body.items) } : jsonObject(body)
  return {
    'application/json': { schema: json },
    [FORM_TYPES[0]]: { schema: formBody(object, prefixes, false, formset) },
    [FORM_TYPES[1]]: { schema: formBody(object, prefixes, true, formset) }
  }
}

/**
 * Documents one route: returns its schema with only the statuses `kind` can answer (the
 * schema's own success responses, described, and the failure envelope per error status, each
 * with its description and headers), the body in JSON, form-encoded and multipart, the query
 * parameters described, and a summary, description and operationId.
 *
 * Gets the kind, the route's schema (as lib/routes.ts builds it: `body`, `querystring`,
 * `response` with at least the success statuses) and the context. Returns a new schema; the
 * one given is not changed.
 */
export function documentRoute (kind: RouteKind, schema: Record<string, any>, context: RouteDocContext): Record<string, any> {
  const response: Record<string, unknown> = {}
  for (const [status, success] of Object.entries<any>(schema.response ?? {})) {
    if (Number(status) >= 400) continue
    const headers = SUCCESS_HEADERS[`${kind} ${status}`]
    response[status] = { ...success, description: success.description ?? successDescription(kind, status), ...(headers !== undefined ? { headers } : {}) }
  }
  // a bulk resource's list POST (lib/bulk-routes.ts) is still a single create for an object, which may answer 303
  if (kind === 'list POST' && response[303] === undefined) response[303] = Type.Null({ description: successDescription(kind, '303') })
  if (kind === 'item GET') response[304] = Type.Null({ description: successDescription(kind, '304'), headers: SUCCESS_HEADERS['item GET 304'] })
  for (const status of ERRORS[kind]) response[status] = errorResponse(status, kind)
  const writes = kind.endsWith('POST') || kind.endsWith('PUT') || kind.endsWith('PATCH')
  if (writes) {
    // a dry run (lib/dry-run.ts) answers 200 with the row it would write, for every write
    const dry = 'With `?dry-run=1`: 200 `{stat: "ok", dry_run: true, ...}` with what would be written, nothing written.'
    if (response[200] === undefined) response[200] = Type.Object({ stat: Type.Literal('ok'), dry_run: Type.Literal(true) }, { additionalProperties: true, description: 'Dry run (`?dry-run=1`): every stage but the write ran; the row or rows it would write, nothing written.' })
    else response[200] = { ...(response[200] as object), description: `${(response[200] as { description: string }).description} ${dry}` }
  }
  const documented: Record<string, any> = { ...schema, ...operation(kind, context), response }
  if (writes && schema.querystring === undefined) {
    documented.querystring = Type.Object({
      'dry-run': Type.Optional(Type.String({ description: '`1`: run every stage but the write (permission, 404, `If-Match`, cleaning, uniqueness) and answer 200 with what would be written. Advice, not a reservation.' })),
      'only-fields': Type.Optional(Type.String({ description: 'With `dry-run`: the comma-separated fields whose errors count (as-you-type checks).' }))
    })
  }
  if (schema.body !== undefined) documented.body = { content: bodyContent(kind, schema.body, context) }
  if (schema.querystring?.properties !== undefined) {
    const properties: Record<string, unknown> = {}
    for (const [key, property] of Object.entries<any>(schema.querystring.properties)) properties[key] = QUERY_DESCRIPTIONS[key] !== undefined && property.description === undefined ? { ...property, description: QUERY_DESCRIPTIONS[key] } : property
    documented.querystring = { ...schema.querystring, properties }
  }
  return documented
}
