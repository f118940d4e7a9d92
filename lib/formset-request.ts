/**
 * A formset request over HTTP, the same for a bulk request to a list URL and for the children
 * of one parent: make the formset (each item through the resource's bind and parse stages),
 * ask permission per row, validate (400 with `fields` and `items`), write everything in one
 * transaction (a dry run stops before: lib/dry-run.ts), answer the items. Answers at once when every stage does (SQLite).
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { DOES_NOT_EXIST, INVALID_FORM_DATA, MALFORMED_BODY, ObjectDoesNotExist, ValidationError } from './errors.ts'
import { bindData, makeForm, startRequest, type FormRequestPlan } from './form-request.ts'
import { parseHooks } from './parse-hooks.ts'
import { isClean, type ModelForm } from './form.ts'
import { saveForm } from './form-save.ts'
import type { ModelFormSet, ModelFormSetClass } from './formset.ts'
import { formSetErrors } from './formset-errors.ts'
import { saveFormSet } from './formset-save.ts'
import type { FormSetItem } from './formset-items.ts'
import { uploadsOf } from './multipart.ts'
import { sendPermissionError } from './handlers.ts'
import { allOf, attempt, runStages, then, type MaybePromise } from './maybe.ts'
import { isDryRun, sendDryRun } from './dry-run.ts'
import type { FormResource } from './resource.ts'
import { onlyList, sendError } from './responses.ts'
import type { FileStorage } from './storage.ts'
import type { Row } from './db/index.ts'

/** What a formset request is: its formset, body, parent, permissions and answer. */
export interface FormSetRequestSpec {
  readonly FormSetClass: ModelFormSetClass<any, any, any>
  /** The items: a JSON array, or the HTML body with its management form. */
  readonly data: unknown
  readonly prefix: string
  /** The parent row of an inline formset (its key comes from here, never from the body). */
  readonly instance?: Row
  readonly createOnly: boolean
  /** Where the formset's own errors go in `fields`: `__all__` (bulk) or `<prefix>-__all__`. */
  readonly nonFormKey: string
  /** Whether the request may write this item. */
  permit (item: FormSetItem): boolean | PromiseLike<boolean>
  /** The resource whose parse hooks bind each item, when the formset's form is its form. */
  readonly binding?: { resource: FormResource<any, any>, plan: FormRequestPlan }
  /** Sends the answer: each item's row in request order (`null` where none), and the rows deleted. */
  respond (results: ReadonlyArray<Row | null>, deleted: readonly Row[]): MaybePromise<void>
  /** The items' files by input name (`<prefix>-<i>-<field>`); default the request's uploads. */
  readonly files?: Record<string, unknown>
  /** Where the items' uploads are stored (the resource's storage). */
  readonly storage?: FileStorage
  /** Sends the 400 of an invalid formset; default `sendFormSetErrors`. */
  sendErrors? (formset: ModelFormSet<any>): void
}

/** Whether an HTML form body is a formset: it has a field named `<prefix>-...` (Django's management form and items). */
export function isFormSetBody (body: unknown, prefix: string): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false
  const start = `${prefix}-`
  for (const name in body) if (name.startsWith(start)) return true
  return false
}

/** A formset's 400: `fields` flat with Django's input names, `items` by prefix and index. */
export function sendFormSetErrors (reply: FastifyReply, formset: ModelFormSet<any>, nonFormKey: string): void {
  const { fields, codes, items } = formSetErrors(formset, nonFormKey)
  sendError(reply, INVALID_FORM_DATA, Object.keys(items[formset.prefix]).length > 0 ? { fields, codes, items } : { fields, codes })
}

/** Binds an item as the resource binds a request: bound data, parse hooks (their refusals filed on the form), the form. */
function bindWith ({ resource, plan }: NonNullable<FormSetRequestSpec['binding']>, request: FastifyRequest) {
  const stages = plan.parseHooks.length > 0 ? [bindData, parseHooks, makeForm] : [bindData, makeForm]
  return (item: FormSetItem): MaybePromise<ModelForm<any>> => {
    const state = startRequest(resource, plan, { request, data: item.data, files: item.files, instance: item.instance as never })
    return then(runStages(stages, state), () => state.form!)
  }
}

function pick (dict: Readonly<Record<string, string[]>>, keys: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const key of keys) out[key] = dict[key]
  return out
}

/**
 * Answers a valid formset's dry run, nothing written: 200 `{stat, dry_run: true, <prefix>: [row | null], deleted: [keys]}`,
 * each item's row as its write would make it (`null` for an item to delete), in request order.
 */
function dryRunFormSet (reply: FastifyReply, formset: ModelFormSet<any>, prefix: string): MaybePromise<void> {
  const key = formset.meta.info.primaryKey
  const deleted: unknown[] = []
  const rows = formset.items.map((item): MaybePromise<Row | null> => {
    if (item.kind !== 'create' && item.kind !== 'update') {
      if (item.kind === 'delete') deleted.push((item.instance as Row)[key])
      return null
    }
    const form = item.form!
    // with `only-fields`, an item may have failed elsewhere: its row is then the values that cleaned
    return !isClean(form) ? { ...item.instance as Row | undefined, ...form.cleanedData } : saveForm(form, { commit: false })
  })
  return then(allOf(rows), (done) => { sendDryRun(reply, prefix, done, { deleted }) })
}

/** Runs a formset request and answers it: 401/403 for a refused row, 400 for errors, else `respond`. */
export function handleFormSetRequest (request: FastifyRequest, reply: FastifyReply, db: unknown, spec: FormSetRequestSpec): void | Promise<void> {
  const { data } = spec
  if (Array.isArray(data) && data.some((item) => typeof item !== 'object' || item === null || Array.isArray(item))) {
    sendError(reply, MALFORMED_BODY.with({ detail: 'Each item of the array must be a JSON object of fields.' }))
    return
  }
  const formset = new spec.FormSetClass({
    db,
    data: data as Record<string, unknown>,
    files: spec.files ?? uploadsOf(request) ?? {},
    request,
    prefix: spec.prefix,
    createOnly: spec.createOnly,
    permit: spec.permit,
    ...(spec.instance !== undefined ? { instance: spec.instance as never } : {}),
    ...(spec.binding !== undefined ? { bindItem: bindWith(spec.binding, request) } : {})
  })
  return then(formset.validate(), (valid): MaybePromise<void> => {
    if (formset.refused !== undefined) return sendPermissionError(request, reply)
    const refuse = (): void => spec.sendErrors !== undefined ? spec.sendErrors(formset) : sendFormSetErrors(reply, formset, spec.nonFormKey)
    if (!valid) {
      const only = isDryRun(request) ? onlyList(request.query as Record<string, unknown>, 'only-fields') : undefined
      if (only === undefined || spec.sendErrors !== undefined) return refuse()
      // a dry run's `only-fields`: only those inputs' errors count
      const { fields, codes, items } = formSetErrors(formset, spec.nonFormKey)
      const kept = Object.keys(fields).filter((name) => only.has(name))
      if (kept.length === 0) return dryRunFormSet(reply, formset, spec.prefix)
      const byIndex: Record<string, Record<string, string[]>> = {}
      for (const [index, errors] of Object.entries(items[formset.prefix])) {
        for (const [field, messages] of Object.entries(errors)) if (only.has(`${formset.prefix}-${index}-${field}`)) (byIndex[index] ??= {})[field] = messages
      }
      sendError(reply, INVALID_FORM_DATA, { fields: pick(fields, kept), codes: pick(codes, kept), ...(Object.keys(byIndex).length > 0 ? { items: { [formset.prefix]: byIndex } } : {}) })
      return
    }
    if (isDryRun(request)) return dryRunFormSet(reply, formset, spec.prefix)
    if (spec.storage !== undefined) for (const item of formset.items) if (item.form !== undefined) item.form.storage ??= spec.storage
    return attempt(() => saveFormSet(formset), () => {
      const { results, deletedObjects } = formset
      // the forms are done with: let them go before the answer is made (a batch holds its rows once)
      formset.items = []
      formset.newObjects = []
      formset.changedObjects = []
      return spec.respond(results as Array<Row | null>, deletedObjects as Row[])
    }, (error) => {
      if (error instanceof ValidationError) return refuse()
      if (error instanceof ObjectDoesNotExist) {
        sendError(reply, DOES_NOT_EXIST)
        return
      }
      throw error
    })
  }) as void | Promise<void>
}
