/**
 * Form metadata: what a client needs to build a resource's form, in the shape of DRF's
 * `SimpleMetadata`, answered to `OPTIONS` on a list or item URL and to `GET <list>?metadata=1`.
 * Each field: `type`, `required`, `read_only`, `label`, `help_text`, its limits, `choices` (or
 * `related` for a relation), `many`, and `messages`, the field's messages after precedence by
 * message key. An action is listed only when the request may do it. An inline's children
 * (`<item>/<key>/`) are described by the inline formset's form.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Table } from 'drizzle-orm'
import type { Field } from './fields/index.ts'
import type { FormMeta } from './form-options.ts'
import type { ModelFormSetClass } from './formset.ts'
import { configOf, loadRow } from './handlers.ts'
import { allOf, then, type MaybePromise } from './maybe.ts'
import { capfirst, verboseNameOf } from './messages.ts'
import type { ResourceRoute } from './routes.ts'
import { absoluteUrl, varyByLanguage } from './responses.ts'
import type { Row, TableInfo } from './db/index.ts'

/** The body types every write route parses. */
const PARSES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data']

/** DRF's type names, by field kind. */
const TYPES: Record<string, string> = {
  string: 'string',
  email: 'email',
  url: 'url',
  slug: 'slug',
  choice: 'choice',
  uuid: 'string',
  integer: 'integer',
  number: 'float',
  decimal: 'decimal',
  boolean: 'boolean',
  date: 'date',
  datetime: 'datetime',
  time: 'time',
  json: 'json',
  foreignKey: 'field',
  modelMultipleChoice: 'field',
  array: 'list',
  file: 'file upload',
  image: 'image upload'
}

/** The message keys a field can answer with: the shared ones, its kind's own, and those of the limits it has. */
function messageKeys (field: Field): string[] {
  const { options } = field
  const keys = new Set(['required', 'invalid', ...Object.keys(field.spec.messages ?? {}), ...Object.keys(options.errorMessages ?? {})])
  if (options.maxLength !== undefined) keys.add('maxLength')
  if (options.minLength !== undefined) keys.add('minLength')
  if (options.maxValue !== undefined) keys.add('maxValue')
  if (options.minValue !== undefined) keys.add('minValue')
  if (options.choices !== undefined) keys.add('invalidChoice')
  return [...keys]
}

/** A field's messages after precedence, by key, with the limits it knows filled in (`%(show_value)s` and the like stay for the client). */
function messagesOf (field: Field, unique: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  const { options } = field
  for (const key of messageKeys(field)) {
    const limit = key === 'maxLength' ? options.maxLength : key === 'minLength' ? options.minLength : key === 'maxValue' ? options.maxValue : key === 'minValue' ? options.minValue : undefined
    const params = limit === undefined ? undefined : { limit_value: typeof limit === 'bigint' ? limit.toString() : limit }
    const template = field.message(key, params)
    out[key] = params === undefined ? template : template.replace(/%\(limit_value\)[sd]/g, String(params.limit_value))
  }
  if (unique !== undefined) out.unique = unique
  return out
}

/** What an action describes: a form class's fields over its table, and the routes its relations may name. */
interface Described {
  readonly route: ResourceRoute
  readonly info: TableInfo
  readonly meta: FormMeta
  /** The field of the table's primary key (made at registration). */
  readonly idField: Field
}

/** The metadata of one field of a form. */
function fieldInfo (described: Described, request: FastifyRequest, name: string, field: Field, unique: string | undefined): Record<string, unknown> {
  const { options } = field
  const info: Record<string, unknown> = {
    type: TYPES[field.kind] ?? 'field',
    required: field.required,
    read_only: false,
    label: options.label ?? capfirst(verboseNameOf(name))
  }
  if (options.helpText !== undefined) info.help_text = options.helpText
  if (options.maxLength !== undefined) info.max_length = options.maxLength
  if (options.minLength !== undefined) info.min_length = options.minLength
  if (options.minValue !== undefined) info.min_value = typeof options.minValue === 'bigint' ? options.minValue.toString() : options.minValue
  if (options.maxValue !== undefined) info.max_value = typeof options.maxValue === 'bigint' ? options.maxValue.toString() : options.maxValue
  if (options.choices !== undefined) {
    info.choices = options.choices.map((c) => Array.isArray(c) ? { value: c[0], display_name: c[1] } : { value: c, display_name: String(c) })
  }
  if (field.kind === 'modelMultipleChoice' || field.kind === 'array') info.many = true
  const related = relatedOf(described, name)
  if (related !== undefined) {
    const target = described.route.routeOf(related)
    if (target !== undefined) info.related = { name: target.resource.name, href: absoluteUrl(request, target.listPath) }
  }
  info.messages = messagesOf(field, unique)
  return info
}

/** The table a form field refers to: a foreign key's, or a many-to-many relation's target. */
function relatedOf ({ info, meta }: Described, name: string): Table | undefined {
  const fk = info.foreignKeys.find((f) => f.columns.length === 1 && f.columns[0] === name)
  if (fk !== undefined) return fk.foreignTable
  return meta.model.manyToMany[name]?.targetTable
}

/** The fields of a form as an action lists them, the primary key first as read-only. */
function actionOf (described: Described, request: FastifyRequest, baseFields: Readonly<Record<string, Field>>): Record<string, unknown> {
  const { info, meta, idField } = described
  const out: Record<string, unknown> = {
    [info.primaryKey]: { type: TYPES[idField.kind] ?? 'field', required: false, read_only: true, label: capfirst(verboseNameOf(info.primaryKey)) }
  }
  for (const [name, field] of Object.entries(baseFields)) {
    const unique = meta.uniqueChecks.find((check) => check.code === 'unique' && check.field === name)
    out[name] = fieldInfo(described, request, name, field, unique?.message)
  }
  return out
}

/** The resource's own form, as its actions describe it. */
function ownForm (route: ResourceRoute): Described {
  return { route, info: route.info, meta: route.resource.formClass.meta, idField: route.idField }
}

/** The metadata document of a resource for this request; `row`: the item, for an item URL. */
function metadataOf (route: ResourceRoute, request: FastifyRequest, row: Row | undefined): MaybePromise<Record<string, unknown>> {
  const { resource } = route
  const create = row === undefined && route.canCreate ? resource.hasModifyPermissions(request) : false
  const update = row !== undefined && route.canUpdate ? resource.hasModifyPermissions(request, row as never) : false
  return then(allOf([create, update] as const), ([mayCreate, mayUpdate]) => {
    const actions: Record<string, unknown> = {}
    if (mayCreate) actions.POST = actionOf(ownForm(route), request, (resource.addFormClass ?? resource.formClass).baseFields)
    if (mayUpdate) actions.PUT = actionOf(ownForm(route), request, resource.formClass.baseFields)
    return { stat: 'ok', name: resource.name, name_plural: resource.listKey, parses: PARSES, actions }
  })
}

/**
 * Sends a metadata document with the URL's `Allow`, varying by language (its labels and
 * messages are translated). Written with `JSON.stringify`: at `GET ?metadata=1` the route's own
 * serializer is its list's or its children's, and the document is neither.
 */
function sendMetadata (request: FastifyRequest, reply: FastifyReply, doc: Record<string, unknown>): void {
  varyByLanguage(reply).header('Allow', configOf(request).allow).serializer(JSON.stringify).send(doc)
}

/** `OPTIONS <list>` and `GET <list>?metadata=1`: the list's metadata (the create action). */
export function listMetadata (request: FastifyRequest, reply: FastifyReply): void | Promise<void> {
  const route = configOf(request).ffr
  return then(metadataOf(route, request, undefined), (doc) => { sendMetadata(request, reply, doc) }) as void | Promise<void>
}

/** `OPTIONS <item>`: the item's metadata (the update action); 404 for a missing row. */
export function itemMetadata (request: FastifyRequest, reply: FastifyReply): void | Promise<void> {
  const route = configOf(request).ffr
  return then(loadRow(route, request, reply), (row) => {
    if (row === undefined) return
    return then(metadataOf(route, request, row), (doc) => { sendMetadata(request, reply, doc) })
  }) as void | Promise<void>
}

/**
 * `OPTIONS <item>/<key>/` and `GET <item>/<key>/?metadata=1`: the form of one of the parent's
 * children (the inline formset's, without the key to the parent, which the URL gives); `POST`
 * listed when the request may change the parent; 404 when there is no parent.
 */
export function childMetadata (request: FastifyRequest, reply: FastifyReply, { FormSetClass, key, name, idField }: { FormSetClass: ModelFormSetClass<any, any, any>, key: string, name: string, idField: Field }): void | Promise<void> {
  const route = configOf(request).ffr
  return then(loadRow(route, request, reply), (parent) => {
    if (parent === undefined) return
    return then(route.canUpdate ? route.resource.hasModifyPermissions(request, parent as never) : false, (mayCreate) => {
      const { meta: { info, FormClass } } = FormSetClass
      const actions: Record<string, unknown> = {}
      if (mayCreate) actions.POST = actionOf({ route, info, meta: FormClass.meta, idField }, request, FormClass.baseFields)
      sendMetadata(request, reply, { stat: 'ok', name, name_plural: key, parses: PARSES, actions })
    })
  }) as void | Promise<void>
}

/** Whether a list `GET` asks for the metadata instead of a page (`?metadata=1`). */
export function wantsMetadata (request: FastifyRequest): boolean {
  const value = (request.query as Record<string, unknown>).metadata
  return value === '1' || value === 'true'
}
