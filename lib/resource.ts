import type { FastifyRequest } from 'fastify'
import type { InferSelectModel, Table } from 'drizzle-orm'
import { INVALID_FORM_DATA, mergeErrors, ValidationError, type ErrorDict, type WebAPIError } from './errors.ts'
import { fileError, gone, isPlainForm, uniqueValues, valuesToSave, violationErrors, writeOp, type ModelForm, type ModelFormClass, type SaveOptions } from './form.ts'
import { createAdapter, describe, type Adapter, type Row } from './db/index.ts'

/** The methods a resource can allow; PATCH is allowed with PUT. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'

/** What every overridable step gets besides its own arguments: the request and any extra keys. */
export interface StepContext {
  request?: FastifyRequest
  [extra: string]: unknown
}

/** A parse hook (djblets' `parse_<field>_field`): gets the raw value and the context; returns the value; may throw `ValidationError`. */
export type ParseHook = (value: unknown, ctx: StepContext) => unknown

/** `handleFormRequest`'s answer: `[201 | 200, {<name>: row}]` or `[INVALID_FORM_DATA, {fields}]`. */
export type FormResult<TTable extends Table> =
  | [201 | 200, Record<string, InferSelectModel<TTable>>]
  | [WebAPIError, { fields: ErrorDict }]

/** Arguments of `createForm`. */
export interface CreateFormArgs<TTable extends Table> extends StepContext {
  data: Record<string, unknown>
  files?: Record<string, unknown>
  instance?: InferSelectModel<TTable>
  formKwargs?: Record<string, unknown>
}

/** Arguments of `handleFormRequest`. */
export interface HandleFormRequestArgs<TTable extends Table> extends CreateFormArgs<TTable> {
  saveKwargs?: SaveOptions
}

/**
 * A REST resource whose writes go through a form (djblets' `WebAPIResource` with
 * `UpdateFormMixin`). Subclass it and set `name`, `table` and `formClass`; override any step.
 */
export class FormResource<TTable extends Table = Table> {
  /** Item key (`author`); the list key and URL default to its plural. */
  name!: string
  /** List key; defaults to `name` + `s`. */
  pluralName?: string
  /** URL segment (djblets' `uri_name`); defaults to the list key. */
  uriName?: string
  table!: TTable
  formClass!: ModelFormClass<TTable>
  /** The form for creating; defaults to `formClass`. */
  addFormClass?: ModelFormClass<TTable>
  allowedMethods: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE']
  /** Parse hooks by field name, run only for keys present in the request. */
  parse: Partial<Record<string, ParseHook>> = {}
  /** Page size when the request gives no `max-results`, and the largest it may ask for. */
  maxResultsDefault = 25
  maxResultsCap = 200
  /** The Drizzle database: from the constructor, or the plugin's `db` when registered. */
  db?: unknown
  /** A column the database adds 1 to on every update (optimistic concurrency); never in the form. */
  versionColumn?: string

  constructor ({ db }: { db?: unknown } = {}) {
    if (db !== undefined) this.db = db
  }

  get listKey (): string { return this.pluralName ?? `${this.name}s` }
  get urlName (): string { return this.uriName ?? this.listKey }
  get adapter (): Adapter {
    if (this.db === undefined) throw new Error(`Resource "${this.name}" has no database: register it with the plugin or pass { db } to its constructor.`)
    return createAdapter(this.db)
  }

  get primaryKey (): string { return describe(this.table).primaryKey }

  /** Whether the request may read this item. Default: yes. */
  hasAccessPermissions (_request: FastifyRequest, _instance: InferSelectModel<TTable>): boolean | Promise<boolean> { return true }
  /** Whether the request may read the list. Default: yes. */
  hasListAccessPermissions (_request: FastifyRequest): boolean | Promise<boolean> { return true }
  /** Whether the request may create (no instance) or change this item. Default: no, as in djblets. */
  hasModifyPermissions (_request: FastifyRequest, _instance?: InferSelectModel<TTable>): boolean | Promise<boolean> { return false }
  /** Whether the request may delete this item. Default: no, as in djblets. */
  hasDeletePermissions (_request: FastifyRequest, _instance: InferSelectModel<TTable>): boolean | Promise<boolean> { return false }

  /** Reads one row by primary key (a string from the URL is converted first); `undefined` when there is none. */
  async getObject (id: unknown): Promise<InferSelectModel<TTable> | undefined> {
    return await this.adapter.get(this.table, id) as InferSelectModel<TTable> | undefined
  }

  /** Serializes a row for a response (djblets' `serialize_object`); override to add or hide fields. */
  serializeObject (row: InferSelectModel<TTable>, _ctx: StepContext): Record<string, unknown> {
    return row as Record<string, unknown>
  }

  /**
   * Makes the bound form (djblets' `create_form`): each field's initial value, then the
   * instance's values, then the request data after parse hooks, later winning. Throws
   * `ValidationError` with every parse hook's errors; unknown keys are dropped.
   */
  async createForm ({ data, request, files, instance, formKwargs, ...kwargs }: CreateFormArgs<TTable>): Promise<ModelForm<TTable>> {
    const FormClass = instance === undefined ? (this.addFormClass ?? this.formClass) : this.formClass
    const formData: Record<string, unknown> = {}
    const parseErrors: ErrorDict = {}
    const ctx = { request, ...kwargs }
    for (const [name, field] of Object.entries(FormClass.baseFields)) {
      const initial = field.initialValue()
      if (initial !== undefined) formData[name] = initial
      if (instance !== undefined && Object.hasOwn(instance, name)) formData[name] = (instance as Row)[name]
      if (!Object.hasOwn(data, name)) continue
      const hook = this.parse[name]
      if (hook === undefined) {
        formData[name] = data[name]
        continue
      }
      try {
        formData[name] = await hook(data[name], ctx)
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error
        mergeErrors(parseErrors, error.toErrorDict(name))
      }
    }
    if (Object.keys(parseErrors).length > 0) throw new ValidationError(parseErrors)
    return new FormClass({ db: this.db, data: formData, files, instance, request, ...formKwargs })
  }

  /**
   * Saves a valid form (djblets' `save_form`), bumping `versionColumn` on update, and returns
   * the row; may throw `ValidationError`, `ObjectDoesNotExist` or `PreconditionFailedError`.
   */
  async saveForm (form: ModelForm<TTable>, { saveKwargs }: { saveKwargs?: SaveOptions } & StepContext = {}): Promise<InferSelectModel<TTable>> {
    return await form.save(this.versionColumn === undefined ? saveKwargs : { versionColumn: this.versionColumn, ...saveKwargs })
  }

  /**
   * Creates, validates and saves a form for a request (djblets' `handle_form_request`).
   * Returns `[201 | 200, {<name>: row}]` or `[INVALID_FORM_DATA, {fields}]`.
   */
  async handleFormRequest (args: HandleFormRequestArgs<TTable>): Promise<FormResult<TTable>> {
    const plain = plainFormRequest(this, args)
    if (plain !== undefined) return await plain
    const { request, data, files, instance, formKwargs, saveKwargs, ...kwargs } = args
    let form: ModelForm<TTable>
    try {
      form = await this.createForm({ data, request, files, instance, formKwargs, ...kwargs })
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return this.buildFormErrorResponse({ errors: error.toErrorDict(), instance, request, ...kwargs })
    }
    if (!(await form.isValid())) return this.buildFormErrorResponse({ form, instance, request, ...kwargs })
    let saved: InferSelectModel<TTable>
    try {
      saved = await this.saveForm(form, { saveKwargs, request, ...kwargs })
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return this.buildFormErrorResponse({ errors: error.toErrorDict(), form, instance, request, ...kwargs })
    }
    return this.buildFormSuccessResponse({ form, instance: saved, isCreated: instance === undefined, request, ...kwargs })
  }

  /** The errors of a form, or given errors, as `{field: [messages]}` (djblets' `build_form_errors`). */
  buildFormErrors ({ form, errors }: { form?: ModelForm<TTable>, errors?: ErrorDict | ValidationError }): ErrorDict {
    if (errors instanceof ValidationError) return errors.toErrorDict()
    return { ...(errors ?? form?.errors ?? {}) }
  }

  /** `[201 | 200, {<name>: row}]` (djblets' `build_form_success_response`). */
  buildFormSuccessResponse ({ instance, isCreated }: { form?: ModelForm<TTable>, instance: InferSelectModel<TTable>, isCreated: boolean } & StepContext): FormResult<TTable> {
    return [isCreated ? 201 : 200, { [this.name]: instance }]
  }

  /** `[INVALID_FORM_DATA, {fields}]` (djblets' `build_form_error_response`). */
  buildFormErrorResponse ({ form, errors }: { form?: ModelForm<TTable>, errors?: ErrorDict | ValidationError, instance?: InferSelectModel<TTable> } & StepContext): FormResult<TTable> {
    return [INVALID_FORM_DATA, { fields: this.buildFormErrors({ form, errors }) }]
  }
}

const defaults = FormResource.prototype

/** Whether the resource overrides none of the steps `handleFormRequest` takes, has no parse hooks, and its form class is a plain `modelForm` one. */
function stepsArePlain (resource: FormResource<any>, FormClass: ModelFormClass<any>): boolean {
  if (resource.createForm !== defaults.createForm || resource.saveForm !== defaults.saveForm || resource.buildFormErrors !== defaults.buildFormErrors ||
    resource.buildFormErrorResponse !== defaults.buildFormErrorResponse || resource.buildFormSuccessResponse !== defaults.buildFormSuccessResponse || !isPlainForm(FormClass)) return false
  for (const name in resource.parse) if (resource.parse[name] !== undefined) return false
  return true
}

/**
 * `handleFormRequest` when every step is the default one (see `stepsArePlain`), else `undefined`:
 * the same merge of initial values, instance and data as `createForm`, the same cleaning, checks
 * and write as the form's `isValid()` and `save()`, and the same answers, without making a form
 * object or passing each step's result through a promise. On a synchronous database (SQLite) the
 * answer comes at once, not as a promise. Most requests take this path, so it is kept lean;
 * test/resource.test.ts runs its cases through both paths and compares answers, errors and rows.
 */
export function plainFormRequest<TTable extends Table> (resource: FormResource<TTable>, args: HandleFormRequestArgs<TTable>): FormResult<TTable> | Promise<FormResult<TTable>> | undefined {
  const FormClass = args.instance === undefined ? (resource.addFormClass ?? resource.formClass) : resource.formClass
  if (args.formKwargs !== undefined || args.saveKwargs?.commit === false || !stepsArePlain(resource, FormClass)) return undefined
  return settle(savePlainForm(resource, FormClass, args.data, args.instance, args.saveKwargs))
}

/**
 * The plain path's steps. Each database answer it needs is `yield`ed when it is a promise and
 * taken at once when the adapter answers at once (`immediate`), so one body serves both kinds
 * of driver; `settle` runs it.
 */
function * savePlainForm<TTable extends Table> (resource: FormResource<TTable>, FormClass: ModelFormClass<TTable>, data: Record<string, unknown>, instance: InferSelectModel<TTable> | undefined, saveKwargs: SaveOptions | undefined): Generator<unknown, FormResult<TTable>, any> {
  const { meta } = FormClass
  const { baseFields, references, info } = meta
  const adapter = resource.adapter
  const now = adapter.immediate
  const current = instance as Row | undefined
  const formData: Record<string, unknown> = {}
  const cleaned: Record<string, unknown> = {}
  const errors: ErrorDict = {}
  for (const name in baseFields) {
    const field = baseFields[name]
    if (Object.hasOwn(data, name)) formData[name] = data[name]
    else if (current !== undefined && Object.hasOwn(current, name)) formData[name] = current[name]
    else {
      const initial = field.initialValue()
      if (initial !== undefined) formData[name] = initial
    }
    try {
      const value = field.clean(formData[name])
      const reference = references.get(name)
      if (reference !== undefined && value !== null && value !== undefined) {
        const keys = [reference.column]
        const found: boolean = now !== undefined ? now.exists(reference.table, keys, [value]) : yield adapter.exists(reference.table, keys, [value])
        if (!found) throw field.error('invalidChoice')
      }
      cleaned[name] = value
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      fileError(errors, cleaned, name, error)
    }
  }
  const exclude = current?.[info.primaryKey]
  for (const { keys, field, message } of meta.uniqueChecks) {
    const values = uniqueValues(keys, errors, cleaned)
    if (values === undefined) continue
    const taken: boolean = now !== undefined ? now.exists(info.table, keys, values, exclude) : yield adapter.exists(info.table, keys, values, exclude)
    if (taken) fileError(errors, cleaned, field, message)
  }
  if (Object.keys(errors).length > 0) return [INVALID_FORM_DATA, { fields: errors }]
  const { precondition, versionColumn } = resource.versionColumn === undefined ? saveKwargs ?? {} : { versionColumn: resource.versionColumn, ...saveKwargs }
  const op = writeOp(meta, current, valuesToSave(meta, cleaned, formData), precondition, versionColumn)
  let row: Row | undefined = current
  if (op !== undefined) {
    try {
      [row] = now !== undefined ? now.write([op]) : yield adapter.write([op])
    } catch (error) {
      const fields: ErrorDict | undefined = yield violationErrors(meta, baseFields, cleaned, adapter, error)
      if (fields === undefined) throw error
      return [INVALID_FORM_DATA, { fields }]
    }
    if (row === undefined) throw gone(meta)
  }
  return [instance === undefined ? 201 : 200, { [resource.name]: row as InferSelectModel<TTable> }]
}

/** Runs steps to their end: at once when they yield nothing (every answer came at once), else by waiting for each promise they yield. */
function settle<T> (steps: Generator<unknown, T, unknown>): T | Promise<T> {
  const step = steps.next()
  return step.done === true ? step.value : settleLater(steps, step.value as Promise<unknown>)
}

async function settleLater<T> (steps: Generator<unknown, T, unknown>, pending: Promise<unknown>): Promise<T> {
  for (;;) {
    let answer: unknown
    let failure: { error: unknown } | undefined
    try {
      answer = await pending
    } catch (error) {
      failure = { error }
    }
    // a rejection is thrown into the steps, where their own try may catch it
    const step = failure === undefined ? steps.next(answer) : steps.throw(failure.error)
    if (step.done === true) return step.value
    pending = step.value as Promise<unknown>
  }
}
