import { getTableName, type InferInsertModel, type InferSelectModel, type Table } from 'drizzle-orm'
import { mergeErrors, NON_FIELD_ERRORS, ValidationError, type ErrorDict } from './errors.ts'
import type { Field } from './fields/index.ts'
import type { FormMeta } from './form-options.ts'
import type { ModelFormClass } from './form-class.ts'
import type { FileChanges } from './form-files.ts'
import { saveForm, saveFormM2M } from './form-save.ts'
import { checkUnique, cleanStages, ownStages, type FormStage } from './form-stages.ts'
import { composeStages, promised, type MaybePromise } from './maybe.ts'
import { codes } from './setup-errors.ts'
import type { FileStorage } from './storage.ts'
import { createAdapter, type Adapter, type Precondition, type Row } from './db/index.ts'

export type { ModelFormOptions, ColumnKey, CleanedValue, DeclaredFields } from './form-options.ts'
export type { FieldNames, ModelFormClass } from './form-class.ts'

/** What a form is made from (Django's `Form(data, files, instance=..., initial=...)`), plus any extra keys. */
export interface FormArgs<TTable extends Table = Table> {
  /** The Drizzle database the form checks against and saves to. */
  db?: unknown
  /** The bound data; a form without it is unbound and never valid. */
  data?: Record<string, unknown>
  /** Uploaded files by field name (`UploadedFile`s, as the plugin's multipart parsing makes them or `uploadedFile()` does). */
  files?: Record<string, unknown>
  /** Where the save stores uploads: the plugin's `storage` for a form made by a resource; local disk at `./uploads` when none is given. */
  storage?: FileStorage
  /** The row being edited; `save()` then updates it. */
  instance?: InferSelectModel<TTable>
  initial?: Partial<Record<string, unknown>>
  [extra: string]: unknown
}

/** `save()` options: `commit: false` returns the unsaved row and writes nothing (and stores no file: a file field keeps the row's key). */
export interface SaveOptions {
  commit?: boolean
  /** Update or nothing: the row must still satisfy this when it is written (an `If-Match`), else `PreconditionFailedError`. */
  precondition?: Precondition
  /** A version column to add 1 to on update, in the same statement. */
  versionColumn?: string
}

/**
 * A form over a Drizzle table (Django's `ModelForm`). Made by `modelForm()`; subclass it to add
 * options or methods. Its cleaning and saving are the stages of lib/form-stages.ts, planned once
 * per class; `isValid()` and `save()` promise, `validate()` answers at once when the database does.
 */
export class ModelForm<TTable extends Table = Table, TNames extends string = string> {
  /** Set by `modelForm()`: the fields and checks, worked out once. */
  static meta: FormMeta

  /** The form's fields in order (Django's `base_fields`). */
  static get baseFields (): Readonly<Record<string, Field>> {
    return this.meta.baseFields
  }

  /** What the form's class knows of itself: its fields, hooks and checks. */
  readonly meta: FormMeta
  /** The bound data (initial < instance < request, for a form made by a resource). */
  readonly data: Record<string, unknown>
  readonly files: Record<string, unknown>
  readonly instance?: InferSelectModel<TTable>
  readonly initial: Partial<Record<string, unknown>>
  readonly isBound: boolean
  // made on first use: a formset of 10,000 forms without errors holds none of them
  private ownFields?: Record<TNames, Field>
  private ownErrors?: ErrorDict
  private ownCodes?: ErrorDict
  /** The cleaned values, after validation; a declared field that is not a column is here too. */
  cleanedData: Partial<InferInsertModel<TTable>> = {}
  /** Whether the form is valid, once validation has run (or a promise of it while it runs). */
  validated?: MaybePromise<boolean>
  /** Where `save()` stores uploads (see `FormArgs.storage`). */
  storage?: FileStorage
  /** What the save did with files (lib/form-files.ts); `undefined` until it stores them. */
  fileChanges?: FileChanges
  /** The row `save({ commit: false })` returned, whose key `saveM2M()` reads once the row is saved. */
  unsavedRow?: Partial<InferSelectModel<TTable>>
  private readonly db: unknown
  /** The class's clean stages as one function (see `planOf`). */
  private readonly runClean: CleanRun
  private cachedAdapter?: Adapter

  constructor (args: FormArgs<TTable> = {}) {
    const FormClass = this.constructor as typeof ModelForm
    this.meta = FormClass.meta
    if (this.meta === undefined) throw new codes.FFR_ERR_FORM_DIRECT()
    this.runClean = planOf(FormClass)
    this.db = args.db
    this.isBound = args.data !== undefined
    this.data = args.data ?? {}
    this.files = args.files ?? NONE
    if (args.instance !== undefined) this.instance = args.instance
    this.initial = args.initial ?? NONE
    if (args.storage !== undefined) this.storage = args.storage
  }

  /** This form's fields: a copy of the class's, which a subclass may change in its constructor. */
  get fields (): Record<TNames, Field> {
    return (this.ownFields ??= { ...this.meta.baseFields } as Record<TNames, Field>)
  }

  /** Messages per field, `__all__` for the rest. */
  get errors (): ErrorDict {
    return (this.ownErrors ??= {})
  }

  set errors (errors: ErrorDict) {
    this.ownErrors = errors
  }

  /** The message keys of `errors`, aligned with it (`required`, `maxLength`, ...; `invalid` for a message given none). */
  get errorCodes (): ErrorDict {
    return (this.ownCodes ??= {})
  }

  set errorCodes (codes: ErrorDict) {
    this.ownCodes = codes
  }

  /** The stages' view of the fields: the form's own copy if it made one, else the class's (never to be changed through). */
  get fieldsNow (): Readonly<Record<string, Field>> {
    return this.ownFields ?? this.meta.baseFields
  }

  /** The stages' view of the errors: the form's, or one shared empty dict while it has none (never to be changed through). */
  get errorsNow (): Readonly<ErrorDict> {
    return this.ownErrors ?? NO_ERRORS
  }

  /** The adapter for the form's database; throws when the form was made without `db`. */
  get adapter (): Adapter {
    if (this.db === undefined) throw new codes.FFR_ERR_FORM_NO_DB()
    return (this.cachedAdapter ??= createAdapter(this.db))
  }

  /**
   * Validates once: the class's clean stages (fields, clean hooks, `cleanForm`, model checks).
   * Returns whether the form is bound and has no errors, at once when every stage answered at
   * once (SQLite), else a promise. Throws what a stage throws that is not a `ValidationError`.
   */
  validate (): MaybePromise<boolean> {
    if (this.validated !== undefined) return this.validated
    if (!this.isBound) return (this.validated = false)
    const done = this.runClean(this as ModelForm<any>)
    // stages that answered at once: no closure to wait for them
    if (done === undefined) return (this.validated = !hasErrors(this.errorsNow))
    return (this.validated = done.then(() => (this.validated = !hasErrors(this.errorsNow))))
  }

  /** Validates once and resolves whether the form is bound and has no errors (Django's `is_valid()`). */
  isValid (): Promise<boolean> {
    return promised(() => this.validate())
  }

  /** Files `error` under `field` (or `__all__`), taking the fields it names out of the cleaned data (Django's `add_error`). */
  addError (field: string | null, error: ValidationError | string | string[]): void {
    const refused = typeof error === 'string' || Array.isArray(error) ? new ValidationError(error) : error
    const key = field ?? NON_FIELD_ERRORS
    const dict = refused.toErrorDict(key)
    mergeErrors(this.errors, dict)
    mergeErrors(this.errorCodes, refused.toCodeDict(key))
    const cleaned = this.cleanedData as Row
    for (const name in dict) delete cleaned[name]
  }

  /** Django's `full_clean`: the clean stages in order. Override to change them; call `super.fullClean()` for the default. */
  protected fullClean (): Promise<void> {
    return promised(() => cleanPlanOf(this.constructor as typeof ModelForm)(this as ModelForm<any>))
  }

  /** Django's `validate_unique`: the unique checks of the model stage. Override to change them; call `super.validateUnique()` for the default. */
  protected validateUnique (): Promise<void> {
    return promised(() => checkUnique(this as ModelForm<any>))
  }

  /**
   * Inserts the row, or updates the instance's row in the form's columns only, in one
   * transaction; first stores the uploads of file fields (deleted again if the write fails;
   * the files replaced by `deleteReplaced` fields deleted after it). Resolves the row as stored. Rejects with `ValidationError` (and files it in
   * `errors`) when the database refuses a value, such as a concurrent duplicate;
   * `ObjectDoesNotExist` when the instance's row is gone; `PreconditionFailedError` when a
   * `precondition` no longer holds; `FFR_ERR_FORM_INVALID_SAVE` for an invalid form.
   */
  save (options: SaveOptions = {}): Promise<InferSelectModel<TTable>> {
    return promised(() => saveForm(this as ModelForm<any>, options)) as Promise<InferSelectModel<TTable>>
  }

  /**
   * Writes the many-to-many relations after `save({ commit: false })` (Django's `save_m2m()`),
   * for the row saved meanwhile: `row`, else the object `save({ commit: false })` returned (set
   * its key on it), else the instance. Resolves once the junction rows are written, in one
   * transaction; rejects with `FFR_ERR_M2M_NO_KEY` when that row has no key, and with
   * `ValidationError` when the database refuses a key (a related row deleted meanwhile). A form
   * without many-to-many fields has nothing to write.
   */
  saveM2M (row?: Partial<InferSelectModel<TTable>>): Promise<void> {
    return promised(() => saveFormM2M(this as ModelForm<any>, row as Row | undefined))
  }
}

/** No files, no initial values: one frozen object for every form made without them. */
const NONE: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>
const NO_ERRORS: ErrorDict = Object.freeze({}) as ErrorDict

function hasErrors (errors: ErrorDict): boolean {
  // eslint-disable-next-line no-unreachable-loop -- the first key is enough
  for (const _ in errors) return true
  return false
}

/** A class's clean stages as one function of the form (lib/maybe.ts `composeStages`). */
type CleanRun = (form: ModelForm<any>) => void | Promise<void>

const cleanPlans = new WeakMap<object, CleanRun>()
const plans = new WeakMap<object, CleanRun>()

const callFullClean: FormStage = (form) => (form as unknown as { fullClean (): Promise<void> }).fullClean()
/** What `validate()` runs for every class that overrides `fullClean`: its promise as a native one. */
const runFullClean: CleanRun = composeStages('fullClean', [callFullClean])
const callValidateUnique: FormStage = (form) => (form as unknown as { validateUnique (): Promise<void> }).validateUnique()

/** A class's clean stages, with an overridden `validateUnique` in the place of the unique checks. */
function cleanPlanOf (FormClass: typeof ModelForm): CleanRun {
  let plan = cleanPlans.get(FormClass)
  if (plan === undefined) {
    const stages = cleanStages(FormClass.meta)
    if ((FormClass.prototype as any).validateUnique !== (ModelForm.prototype as any).validateUnique) {
      const at = stages.indexOf(checkUnique)
      if (at >= 0) stages.splice(at, 1, callValidateUnique)
      else stages.push(callValidateUnique)
    }
    cleanPlans.set(FormClass, plan = composeStages(`clean_${getTableName(FormClass.meta.model.table)}`, stages))
  }
  return plan
}

/**
 * How a formset cleans the forms of a class: the stages each form runs on its own, and which
 * model checks the formset runs once over all of them (`batched`); none when the class
 * overrides `fullClean` (its forms then check themselves), and no unique checks when it
 * overrides `validateUnique` (called on each form instead).
 */
export function batchPlanOf (FormClass: typeof ModelForm | ModelFormClass<any, any>): { own: readonly FormStage[], batched: boolean, uniqueBatched: boolean } {
  const Class = FormClass as typeof ModelForm
  const proto = Class.prototype as any
  const base = ModelForm.prototype as any
  if (proto.fullClean !== base.fullClean) return { own: [callFullClean], batched: false, uniqueBatched: false }
  const uniqueBatched = proto.validateUnique === base.validateUnique
  return { own: uniqueBatched ? ownStages(Class.meta) : [...ownStages(Class.meta), callValidateUnique], batched: true, uniqueBatched }
}

/** Whether a form has no errors. */
export function isClean (form: ModelForm<any>): boolean {
  return !hasErrors(form.errorsNow)
}

/** What `validate()` runs for a class, worked out once per class: an overridden `fullClean`, else the clean stages. */
function planOf (FormClass: typeof ModelForm): CleanRun {
  let plan = plans.get(FormClass)
  if (plan === undefined) {
    plan = (FormClass.prototype as any).fullClean !== (ModelForm.prototype as any).fullClean ? runFullClean : cleanPlanOf(FormClass)
    plans.set(FormClass, plan)
  }
  return plan
}
