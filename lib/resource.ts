import type { FastifyRequest } from 'fastify'
import type { InferSelectModel, SQL, Table } from 'drizzle-orm'
import { alignCodes, INVALID_FORM_DATA, ValidationError, type ErrorDict } from './errors.ts'
import type { ModelForm, ModelFormClass, SaveOptions } from './form.ts'
import type { ModelFormSetClass } from './formset.ts'
import {
  bindData, makeForm, planFor, planOf, runFormRequest, startRequest,
  type CreateFormArgs, type FormResult, type HandleFormRequestArgs
} from './form-request.ts'
import type { SuccessUrl } from './html.ts'
import { parseError, parseHooks } from './parse-hooks.ts'
import { promised, runStages } from './maybe.ts'
import type { FileStorage } from './storage.ts'
import { codes } from './setup-errors.ts'
import { createAdapter, describe, type Adapter } from './db/index.ts'

export type { CreateFormArgs, FormResult, HandleFormRequestArgs } from './form-request.ts'

/** The methods a resource can allow; PATCH is allowed with PUT. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'

/** What every overridable step gets besides its own arguments: the request and any extra keys. */
export interface StepContext {
  request?: FastifyRequest
  [extra: string]: unknown
}

/** A parse hook (djblets' `parse_<field>_field`): gets the raw value and the context; returns the value (or a promise of it); may throw `ValidationError`. */
export type ParseHook = (value: unknown, ctx: StepContext) => unknown

/**
 * A REST resource whose writes go through a form (djblets' `WebAPIResource` with
 * `UpdateFormMixin`). Subclass it and set `name`, `table` and `formClass`; override any step.
 * `TNames` are the form's field names, which `parse` is keyed by (`FieldNames<typeof AuthorForm>`);
 * `defineResource` infers them from the form.
 */
export class FormResource<TTable extends Table = Table, TNames extends string = string> {
  /** Item key (`author`); the list key and URL default to its plural. */
  name!: string
  /** List key; defaults to `name` + `s`. */
  pluralName?: string
  /** URL segment (djblets' `uri_name`); defaults to the list key. */
  uriName?: string
  table!: TTable
  formClass!: ModelFormClass<TTable, TNames>
  /** The form for creating; defaults to `formClass`. */
  addFormClass?: ModelFormClass<TTable, TNames>
  allowedMethods: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE']
  /** Parse hooks by field name, run only for keys present in the request; a key that is no field of the form throws at registration. */
  parse: Partial<Record<TNames, ParseHook>> = {}
  /** Page size when the request gives no `max-results`, and the largest it may ask for. */
  maxResultsDefault = 25
  maxResultsCap = 200
  /** The Drizzle database: from the constructor, or the plugin's `db` when registered. */
  db?: unknown
  /** A column the database adds 1 to on every update (optimistic concurrency); never in the form. */
  versionColumn?: string
  /** Where its forms store uploads: from the constructor, or the plugin's `storage` when registered. */
  storage?: FileStorage
  /**
   * Where a successful write from a plain HTML form is sent (`303 See Other`, as Django's
   * `FormView.success_url`): a URL with `{column}` placeholders (`'/authors/{id}/'`), or a
   * function of the row; default the item's URL (the list's after a delete).
   */
  successUrl?: SuccessUrl<InferSelectModel<TTable>>
  /**
   * Whether the list URL takes formsets: a JSON array (or Django's management form) `POST`ed
   * creates every item, a `PATCH` creates, updates and deletes (`"DELETE": true`), all or nothing.
   */
  bulk = false
  /** The formset of bulk requests; defaults to `modelFormSet(formClass, { canDelete: true })` (Django's limits: `maxNum` 1000, `absoluteMax` 2000). */
  formSetClass?: ModelFormSetClass<TTable, any>
  /**
   * Inline formsets by key (Django admin's inlines), each made by `inlineFormSet(table, child, ...)`:
   * a create or update of the item writes the children named under the key in the same
   * transaction, the item nests its children, and `<item URL>/<key>/` serves them.
   */
  inlines: Record<string, ModelFormSetClass<any, any, TTable>> = {}

  /** Columns a list may be filtered by: `?authorId=3&published=true`, each value converted by the column's form field (a column key not listed is refused). */
  filterFields: readonly string[] = []
  /** Columns a list may be ordered by: `?ordering=-publishedAt,title`; the primary key always breaks ties. */
  orderingFields: readonly string[] = []
  /** Text columns `?q=` searches: case-insensitive contains, on any of them. */
  searchFields: readonly string[] = []

  constructor ({ db, storage }: { db?: unknown, storage?: FileStorage } = {}) {
    if (db !== undefined) this.db = db
    if (storage !== undefined) this.storage = storage
  }

  get listKey (): string { return this.pluralName ?? `${this.name}s` }
  get urlName (): string { return this.uriName ?? this.listKey }
  get adapter (): Adapter {
    if (this.db === undefined) throw new codes.FFR_ERR_RESOURCE_NO_DB(this.name)
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

  /**
   * The rows this request may see at all (djblets' `get_queryset`): gets the request; returns a
   * Drizzle condition (`eq(books.ownerId, request.user.id)`), or `undefined` for every row (the
   * default), or a promise of either. Applied to the list, its count and every read by key
   * (read, update, delete, an inline's parent): a row outside it is a 404. Runs once per request.
   */
  getQueryset (_args: { request: FastifyRequest }): SQL | undefined | Promise<SQL | undefined> { return undefined }

  /**
   * Reads one row by primary key (a string from the URL is converted first). Runs before any
   * permission check of an item URL. Resolves the row, or `undefined` when there is none (404).
   */
  getObject (id: unknown): Promise<InferSelectModel<TTable> | undefined> {
    return promised(() => this.adapter.get(this.table, id)) as Promise<InferSelectModel<TTable> | undefined>
  }

  /**
   * Serializes a row for a response (djblets' `serialize_object`): gets the row and the step
   * context; returns the item's fields (or a promise of them). Runs for every item answered.
   * Override to add or hide fields.
   */
  serializeObject (row: InferSelectModel<TTable>, _ctx: StepContext): Record<string, unknown> | Promise<Record<string, unknown>> {
    return row as Record<string, unknown>
  }

  /**
   * Makes the bound form (djblets' `create_form`). Gets the request data, `files`, the
   * `instance` being changed, `formKwargs` for the form's constructor and any extra keys, which
   * reach the parse hooks. The bound data is each field's initial value, then the instance's,
   * then the request data after parse hooks, later winning; unknown keys are dropped. Resolves
   * the form; rejects with `ValidationError` carrying every parse hook's errors. Runs first in
   * `handleFormRequest`; overriding it replaces the bind, parse and make stages.
   */
  createForm (args: CreateFormArgs<TTable>): Promise<ModelForm<TTable, TNames>> {
    return promised(() => {
      const state = startRequest(this, planOf(this, args.instance === undefined), args)
      const done = runStages(state.plan.parseHooks.length > 0 ? [bindData, parseHooks] : [bindData], state)
      const make = (): ModelForm<TTable, TNames> => {
        if (state.parseErrors !== undefined) throw parseError(state.parseErrors)
        makeForm(state)
        return state.form as ModelForm<TTable, TNames>
      }
      return done === undefined ? make() : done.then(make)
    })
  }

  /**
   * Saves a valid form (djblets' `save_form`): gets the form, `saveKwargs` (`commit`, a
   * `precondition`) and the step context; bumps `versionColumn` on update. Resolves the row as
   * stored; rejects with `ValidationError` (a concurrent duplicate: answered 400),
   * `ObjectDoesNotExist` (404) or `PreconditionFailedError` (412). Runs after the form is
   * valid; overriding it replaces the save stages (plan write, write, map a violation).
   */
  saveForm (form: ModelForm<TTable, TNames>, { saveKwargs }: { saveKwargs?: SaveOptions } & StepContext = {}): Promise<InferSelectModel<TTable>> {
    return form.save(this.versionColumn === undefined ? saveKwargs : { versionColumn: this.versionColumn, ...saveKwargs })
  }

  /**
   * Creates, validates and saves a form for a request (djblets' `handle_form_request`), through
   * the resource's plan (lib/form-request.ts). Gets `createForm`'s arguments plus `saveKwargs`.
   * Resolves `[201 | 200, {<name>: row}]`, or `[INVALID_FORM_DATA, {fields}]` with every error at
   * once: a parse hook's refusal stops its own field only, every other field is cleaned too.
   * Rejects with `ObjectDoesNotExist`, `PreconditionFailedError` or any error that is not a
   * `ValidationError`.
   */
  handleFormRequest (args: HandleFormRequestArgs<TTable>): Promise<FormResult<TTable>> {
    return promised(() => runFormRequest(this, planFor(planOf(this, args.instance === undefined), args), args))
  }

  /** The errors of a form, or given errors, as `{field: [messages]}` (djblets' `build_form_errors`). Given errors win. */
  buildFormErrors ({ form, errors }: { form?: ModelForm<TTable, TNames>, errors?: ErrorDict | ValidationError }): ErrorDict {
    if (errors instanceof ValidationError) return errors.toErrorDict()
    return { ...(errors ?? form?.errors ?? {}) }
  }

  /** `[201 | 200, {<name>: row}]` (djblets' `build_form_success_response`): gets the form, the saved row, `isCreated` and the step context. */
  buildFormSuccessResponse ({ instance, isCreated }: { form?: ModelForm<TTable, TNames>, instance: InferSelectModel<TTable>, isCreated: boolean } & StepContext): FormResult<TTable> {
    return [isCreated ? 201 : 200, { [this.name]: instance }]
  }

  /**
   * `[INVALID_FORM_DATA, {fields, codes}]` (djblets' `build_form_error_response`): gets the form or
   * the errors, the instance and the step context. `codes` has the keys of `fields`, each message's
   * key in the same order (`invalid` for a message given none).
   */
  buildFormErrorResponse ({ form, errors }: { form?: ModelForm<TTable, TNames>, errors?: ErrorDict | ValidationError, instance?: InferSelectModel<TTable> } & StepContext): FormResult<TTable> {
    const fields = this.buildFormErrors({ form, errors })
    const known = errors instanceof ValidationError ? errors.toCodeDict() : errors === undefined ? form?.errorCodes : undefined
    return [INVALID_FORM_DATA, { fields, codes: alignCodes(fields, known) }]
  }
}
