/**
 * Model formsets (Django's `modelformset_factory` and `inlineformset_factory`): N forms of one
 * form class run through the same clean stages, their model checks batched (one query per
 * check whatever N), then one write of every row in one transaction.
 */
import type { FastifyRequest } from 'fastify'
import type { InferSelectModel, Table } from 'drizzle-orm'
import type { ErrorDict } from './errors.ts'
import { isClean, ModelForm, type ModelFormClass } from './form.ts'
import type { FormSetItem } from './formset-items.ts'
import { formSetMeta, type FormSetMeta, type FormSetOptions, type InlineOptions } from './formset-meta.ts'
import { saveFormSet, saveFormSetM2M, type FormSetSaveOptions } from './formset-save.ts'
import { formSetStages } from './formset-stages.ts'
import { promised, runStages, type MaybePromise } from './maybe.ts'
import type { Model } from './model.ts'
import { codes } from './setup-errors.ts'
import { createAdapter, type Adapter, type Row } from './db/index.ts'

export type { FormSetItem } from './formset-items.ts'
export type { FormSetOptions, InlineOptions, FormSetMessageKey } from './formset-meta.ts'

/** What a formset is made from (Django's `FormSet(data, files, instance=..., prefix=...)`), plus any extra keys. */
export interface FormSetArgs<TParent extends Table = Table> {
  /** The Drizzle database the forms check against and save to. */
  db?: unknown
  /** The items: an array of objects (JSON), or an HTML form body with Django's management form. Without it the formset is unbound and never valid. */
  data?: ReadonlyArray<unknown> | Readonly<Record<string, unknown>>
  /** The request's files; item `i` gets those named `<prefix>-<i>-<field>`. */
  files?: Record<string, unknown>
  request?: FastifyRequest
  /** An inline formset's parent row; leave it out when the parent is created in the same write. */
  instance?: InferSelectModel<TParent>
  /** The names' prefix: `books` gives `books-0-title` and `books-TOTAL_FORMS`. */
  prefix?: string
  /** Extra arguments of every form's constructor. */
  formKwargs?: Record<string, unknown>
  /** Makes the form of an item (the form request's bind and parse stages, over HTTP); defaults to the form class over the item's bound data. */
  bindItem?: (item: FormSetItem, formset: ModelFormSet<any>) => MaybePromise<ModelForm<any>>
  /** Whether the request may write this item (asked per row before any form is made); the first refusal stops the formset, as `refused`. */
  permit?: (item: FormSetItem) => boolean | PromiseLike<boolean>
  /** Every item creates a row: keys and `DELETE` in the items are ignored (a bulk `POST`). */
  createOnly?: boolean
  [extra: string]: unknown
}

/**
 * A formset over a table (Django's `BaseModelFormSet`), made by `modelFormSet()` or
 * `inlineFormSet()`. `errors` are index-aligned with the items (`{}` for a valid one),
 * `nonFormErrors` are the formset's own; `save()` writes every row in one transaction.
 */
export class ModelFormSet<TTable extends Table = Table, TNames extends string = string> {
  /** Set by the factories: the form class, limits and checks, worked out once. */
  static meta: FormSetMeta
  readonly meta: FormSetMeta
  readonly data?: FormSetArgs['data']
  readonly files: Record<string, unknown>
  readonly request?: FastifyRequest
  /** An inline formset's parent row. */
  readonly instance?: Row
  readonly prefix: string
  readonly formKwargs: Record<string, unknown>
  readonly isBound: boolean
  readonly bindItem?: FormSetArgs['bindItem']
  readonly permit?: FormSetArgs['permit']
  readonly createOnly: boolean
  /** The items, in request order, once validation has read them. */
  items: FormSetItem[] = []
  /** The formset's own errors (Django's `non_form_errors()`), and their message keys. */
  nonFormErrors: string[] = []
  nonFormErrorCodes: string[] = []
  /** The item `permit` refused, if any: the request may not do it, and nothing else was checked. */
  refused?: FormSetItem
  /** After `save()`: the rows created, the rows changed with the names of the fields that changed, and the rows deleted (Django's `new_objects`, `changed_objects`, `deleted_objects`). */
  newObjects: Array<InferSelectModel<TTable>> = []
  changedObjects: Array<[InferSelectModel<TTable>, string[]]> = []
  deletedObjects: Array<InferSelectModel<TTable>> = []
  /** After `save()`: each item's row in request order; `null` for an item deleted, left empty or not created (`editOnly`). */
  results: Array<InferSelectModel<TTable> | null> = []
  /** Whether the formset is valid, once validation has run (or a promise of it while it runs). */
  validated?: MaybePromise<boolean>
  /** Stops the stages early (a refused batch, a missing management form). */
  done = false
  readonly extra: Record<string, unknown>
  private readonly db: unknown
  private cachedAdapter?: Adapter

  constructor (args: FormSetArgs = {}) {
    const Class = this.constructor as typeof ModelFormSet
    this.meta = Class.meta
    if (this.meta === undefined) throw new codes.FFR_ERR_FORMSET_DIRECT()
    const { db, data, files, request, instance, prefix, formKwargs, bindItem, permit, createOnly, ...extra } = args
    this.db = db
    this.data = data
    this.isBound = data !== undefined
    this.files = files ?? {}
    if (request !== undefined) this.request = request
    if (instance !== undefined) this.instance = instance as Row
    this.prefix = prefix ?? this.meta.prefix
    this.formKwargs = formKwargs ?? {}
    if (bindItem !== undefined) this.bindItem = bindItem
    if (permit !== undefined) this.permit = permit
    this.createOnly = createOnly === true
    this.extra = extra
  }

  /** The adapter for the formset's database; throws when it was made without `db`. */
  get adapter (): Adapter {
    if (this.db === undefined) throw new codes.FFR_ERR_FORM_NO_DB()
    return (this.cachedAdapter ??= createAdapter(this.db))
  }

  /** The Drizzle database, for the forms. */
  get database (): unknown {
    return this.db
  }

  /** An inline formset's parent key, when its parent row exists. */
  get parentKey (): unknown {
    const inline = this.meta.inline
    return inline === undefined || this.instance === undefined ? undefined : this.instance[inline.parentKey]
  }

  /** The forms of the items that create or update a row, in request order (Django's `forms`, without the deleted ones). */
  get forms (): Array<ModelForm<TTable, TNames>> {
    const forms: Array<ModelForm<TTable, TNames>> = []
    for (const item of this.items) if (item.form !== undefined && (item.kind === 'create' || item.kind === 'update')) forms.push(item.form as ModelForm<TTable, TNames>)
    return forms
  }

  /** Each item's errors, index-aligned with the items: `{}` for an item without errors. */
  get errors (): ErrorDict[] {
    return this.items.map((item) => item.form?.errors ?? item.errors)
  }

  /** Each item's message keys, aligned with `errors`. */
  get errorCodes (): ErrorDict[] {
    return this.items.map((item) => item.form?.errorCodes ?? item.errorCodes)
  }

  /**
   * Validates once: reads the items, loads the rows they name (one query), asks `permit`, makes
   * and cleans each form, runs the model checks once over all forms, then the cross-item checks
   * (Django's `validate_unique`, the counts, `cleanFormSet`). Returns whether the formset is bound
   * and valid, at once when every stage answered at once (SQLite), else a promise.
   */
  validate (): MaybePromise<boolean> {
    if (this.validated !== undefined) return this.validated
    if (!this.isBound) return (this.validated = false)
    const done = runStages(formSetStages(this.meta, this.permit !== undefined), this as ModelFormSet<any>)
    const valid = (): boolean => (this.validated = isValidNow(this as ModelFormSet<any>))
    return (this.validated = done === undefined ? valid() : done.then(valid))
  }

  /** Validates once and resolves whether the formset is bound and valid (Django's `is_valid()`). */
  isValid (): Promise<boolean> {
    return promised(() => this.validate())
  }

  /**
   * Writes every item in one transaction (updates and deletes, then creates, then the junction
   * rows) and resolves each item's row in request order (`null` where none). `commit: false`
   * writes and deletes nothing and resolves the unsaved rows; `saveM2M()` then writes the
   * junction rows. Rejects with `ValidationError` (filed on the items) when the database refuses
   * a row, and `FFR_ERR_FORMSET_INVALID_SAVE` for an invalid formset.
   */
  save (options: FormSetSaveOptions = {}): Promise<Array<InferSelectModel<TTable> | null>> {
    return promised(() => saveFormSet(this as ModelFormSet<any>, options)) as Promise<Array<InferSelectModel<TTable> | null>>
  }

  /** Writes the junction rows after `save({ commit: false })`, for the rows saved meanwhile (each result row needs its key); one transaction. */
  saveM2M (): Promise<void> {
    return promised(() => saveFormSetM2M(this as ModelFormSet<any>))
  }
}

/** Whether every item that writes is valid and the formset has no errors of its own. */
function isValidNow (formset: ModelFormSet<any>): boolean {
  if (formset.nonFormErrors.length > 0 || formset.refused !== undefined) return false
  for (const item of formset.items) {
    if (item.kind === 'empty' || item.kind === 'skip') continue
    if (item.kind === 'invalid') return false
    if (item.form !== undefined ? !isClean(item.form) : Object.keys(item.errors).length > 0) return false
  }
  return true
}

/** A formset class made by `modelFormSet` or `inlineFormSet`, typed by its table and its forms' field names. */
export type ModelFormSetClass<TTable extends Table = Table, TNames extends string = string, TParent extends Table = Table> = (new (args?: FormSetArgs<TParent>) => ModelFormSet<TTable, TNames>) & { readonly meta: FormSetMeta }

/**
 * Makes a formset class (Django's `modelformset_factory` = `modelform_factory` +
 * `formset_factory`): over a form class, or over a table or model with `modelForm`'s options
 * (`fields` / `exclude`, ...). Options are Django's: `canDelete`, `maxNum` (1000),
 * `validateMax`, `minNum` (0), `validateMin`, `absoluteMax` (`maxNum + 1000`), `editOnly`,
 * `extra`, `cleanFormSet`, `prefix`, and `formsetMessages` for the formset's own messages.
 * Throws at once on a bad option (see `FFR_ERR_FORMSET_*` and `modelForm`'s errors).
 */
export function modelFormSet<TTable extends Table, TNames extends string> (form: ModelFormClass<TTable, TNames>, options?: FormSetOptions<TTable, TNames>): ModelFormSetClass<TTable, TNames>
export function modelFormSet<TTable extends Table, TRelations extends string = never, const TNames extends string = string> (
  table: TTable | Model<TTable, TRelations>, options: FormSetOptions<TTable, TNames> & { fields: ReadonlyArray<TNames & (Extract<keyof TTable['_']['columns'], string> | TRelations)> | '__all__' }
): ModelFormSetClass<TTable, TNames>
export function modelFormSet<TTable extends Table> (table: TTable | Model<TTable, any>, options: FormSetOptions<TTable, string> & { exclude: readonly string[] }): ModelFormSetClass<TTable, string>
export function modelFormSet (source: unknown, options: FormSetOptions<Table, string> = {}): ModelFormSetClass<any, any> {
  const meta = formSetMeta(source, options)
  return class extends ModelFormSet<any, any> {
    static override meta = meta
  }
}

/**
 * Makes an inline formset class (Django's `inlineformset_factory`): the children of one parent
 * row, each child's key to the parent (`fk`, Django's `fk_name`; needed only when the child has
 * several keys to the parent) set from the parent and never from the data. Gets the parent and
 * child tables (or models; the child may be a form class) and `modelFormSet`'s options.
 */
export function inlineFormSet<TParent extends Table, TChild extends Table, TNames extends string> (parent: TParent | Model<TParent, any>, child: ModelFormClass<TChild, TNames>, options?: InlineOptions<TChild, TNames>): ModelFormSetClass<TChild, TNames, TParent>
export function inlineFormSet<TParent extends Table, TChild extends Table, TRelations extends string = never, const TNames extends string = string> (
  parent: TParent | Model<TParent, any>, child: TChild | Model<TChild, TRelations>, options: InlineOptions<TChild, TNames> & { fields: ReadonlyArray<TNames & (Extract<keyof TChild['_']['columns'], string> | TRelations)> | '__all__' }
): ModelFormSetClass<TChild, TNames, TParent>
export function inlineFormSet<TParent extends Table, TChild extends Table> (parent: TParent | Model<TParent, any>, child: TChild | Model<TChild, any>, options: InlineOptions<TChild, string> & { exclude: readonly string[] }): ModelFormSetClass<TChild, string, TParent>
export function inlineFormSet (parent: unknown, child: unknown, options: InlineOptions<Table, string> = {}): ModelFormSetClass<any, any, any> {
  const meta = formSetMeta(child, options, parent)
  return class extends ModelFormSet<any, any> {
    static override meta = meta
  }
}
