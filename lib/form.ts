import type { InferInsertModel, InferSelectModel, Table } from 'drizzle-orm'
import { mergeErrors, NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError, type ErrorDict } from './errors.ts'
import type { Field } from './fields.ts'
import { buildMeta, type FormMeta, type ModelFormOptions } from './form-options.ts'
import { pickMessage } from './messages.ts'
import { toModel, type Model } from './model.ts'
import { createAdapter, type Adapter, type Precondition, type Row, type WriteOp } from './db/index.ts'

export type { ModelFormOptions, ColumnKey } from './form-options.ts'

/** What a form is made from (Django's `Form(data, files, instance=..., initial=...)`), plus any extra keys. */
export interface FormArgs<TTable extends Table = Table> {
  /** The Drizzle database the form checks against and saves to. */
  db?: unknown
  /** The bound data; a form without it is unbound and never valid. */
  data?: Record<string, unknown>
  files?: Record<string, unknown>
  /** The row being edited; `save()` then updates it. */
  instance?: InferSelectModel<TTable>
  initial?: Partial<Record<string, unknown>>
  [extra: string]: unknown
}

/** `save()` options: `commit: false` returns the unsaved row and writes nothing. */
export interface SaveOptions {
  commit?: boolean
  /** Update or nothing: the row must still satisfy this when it is written (an `If-Match`), else `PreconditionFailedError`. */
  precondition?: Precondition
  /** A version column to add 1 to on update, in the same statement. */
  versionColumn?: string
}

/**
 * A form over a Drizzle table (Django's `ModelForm`). Made by `modelForm()`; subclass it to add
 * options or methods. Validation is a promise because uniqueness and foreign keys are queries.
 */
export class ModelForm<TTable extends Table = Table> {
  /** Set by `modelForm()`: the fields and checks, worked out once. */
  static meta: FormMeta

  /** The form's fields in order (Django's `base_fields`). */
  static get baseFields (): Readonly<Record<string, Field>> {
    return this.meta.baseFields
  }

  readonly data: Record<string, unknown>
  readonly files: Record<string, unknown>
  readonly instance?: InferSelectModel<TTable>
  readonly initial: Partial<Record<string, unknown>>
  readonly isBound: boolean
  /** This form's fields: a copy of the class's, which a subclass may change in its constructor. */
  readonly fields: Record<string, Field>
  errors: ErrorDict = {}
  /** The cleaned values, after `isValid()`; a declared field that is not a column is here too. */
  cleanedData: Partial<InferInsertModel<TTable>> = {}
  protected readonly meta: FormMeta
  private readonly db: unknown
  private validation?: Promise<boolean>

  constructor (args: FormArgs<TTable> = {}) {
    this.meta = (this.constructor as typeof ModelForm).meta
    if (this.meta === undefined) throw new Error('ModelForm is made with modelForm(table, options), not directly.')
    this.db = args.db
    this.isBound = args.data !== undefined
    this.data = args.data ?? {}
    this.files = args.files ?? {}
    if (args.instance !== undefined) this.instance = args.instance
    this.initial = args.initial ?? {}
    this.fields = { ...this.meta.baseFields }
  }

  /** `cleanedData` by any key, for the form's own use. */
  protected get cleaned (): Record<string, unknown> {
    return this.cleanedData as Record<string, unknown>
  }

  /** The adapter for the form's database; throws when the form was made without `db`. */
  get adapter (): Adapter {
    if (this.db === undefined) throw new Error('This form needs `db` to check uniqueness and to save: new Form({ db, data }).')
    return createAdapter(this.db)
  }

  /** Validates once and reports whether the form is bound and has no errors. */
  isValid (): Promise<boolean> {
    this.validation ??= this.isBound ? this.fullClean().then(() => Object.keys(this.errors).length === 0) : Promise.resolve(false)
    return this.validation
  }

  /** Files `error` under `field` (or `__all__`), taking it out of the cleaned data. */
  addError (field: string | null, error: ValidationError | string | string[]): void {
    fileError(this.errors, this.cleaned, field, error)
  }

  /** Django's `full_clean`: fields, `clean` hooks, `cleanForm`, then uniqueness. */
  protected async fullClean (): Promise<void> {
    const { options, references } = this.meta
    const cleaned: Record<string, unknown> = {}
    this.cleanedData = cleaned as typeof this.cleanedData
    for (const [name, field] of Object.entries(this.fields)) {
      try {
        let value = field.clean(this.data[name])
        const reference = references.get(name)
        if (reference !== undefined && value !== null && value !== undefined && !(await this.adapter.exists(reference.table, [reference.column], [value]))) {
          throw field.error('invalidChoice')
        }
        const hook = options.clean?.[name]
        if (hook !== undefined) value = await hook(value, this)
        cleaned[name] = value
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error
        this.addError(name, error)
      }
    }
    if (options.cleanForm !== undefined) {
      try {
        const replaced = await options.cleanForm(this.cleaned, this)
        if (replaced !== undefined && replaced !== null) this.cleanedData = replaced as typeof this.cleanedData
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error
        this.addError(null, error)
      }
    }
    await this.validateUnique()
  }

  /** Checks unique and unique-together sets whose fields are all clean, leaving out the instance's own row. */
  protected async validateUnique (): Promise<void> {
    if (this.meta.uniqueChecks.length > 0) await checkUnique(this.meta, this.adapter, this.errors, this.cleaned, this.instance as Row | undefined)
  }

  /** The values `save()` writes: the form's columns that cleaned to a value. */
  protected valuesToSave (): Row {
    return valuesToSave(this.meta, this.cleaned, this.data)
  }

  /**
   * Inserts the row, or updates the instance's row in the form's columns only, in one
   * transaction. Returns the row as stored. Throws `ValidationError` (and files it in
   * `errors`) when the database refuses a value, such as a concurrent duplicate;
   * `ObjectDoesNotExist` when the instance's row is gone; `PreconditionFailedError` when a
   * `precondition` no longer holds; an `Error` for an invalid form.
   */
  async save ({ commit = true, precondition, versionColumn }: SaveOptions = {}): Promise<InferSelectModel<TTable>> {
    if (!(await this.isValid())) {
      throw new Error(`The ${this.meta.model.verboseName} could not be ${this.instance === undefined ? 'created' : 'changed'} because the data didn't validate.`)
    }
    const values = this.valuesToSave()
    if (!commit) return { ...this.instance, ...values } as InferSelectModel<TTable>
    const op = writeOp(this.meta, this.instance as Row | undefined, values, precondition, versionColumn)
    if (op === undefined) return this.instance!
    let row: Row | undefined
    try {
      [row] = await this.adapter.write([op])
    } catch (error) {
      throw await this.violationError(error)
    }
    if (row === undefined) throw gone(this.meta)
    return row as InferSelectModel<TTable>
  }

  /** Saves many-to-many relations after `save({ commit: false })`; a form without them has nothing to save. */
  async saveM2M (): Promise<void> {}

  /** Turns a constraint violation into the field errors the checks before saving give, filing them on the form. */
  private async violationError (error: unknown): Promise<unknown> {
    const errors = await violationErrors(this.meta, this.fields, this.cleaned, this.adapter, error)
    if (errors === undefined) return error
    this.addError(null, new ValidationError(errors))
    this.validation = Promise.resolve(false)
    return new ValidationError(errors)
  }
}

/*
 * The steps of cleaning and saving, shared by `ModelForm` and by `FormResource`'s path for
 * forms that override nothing (see `savePlainForm`).
 */

/** Files `error` under `field` (or `__all__`) in `errors`, taking the fields it names out of `cleaned` (Django's `add_error`). */
export function fileError (errors: ErrorDict, cleaned: Record<string, unknown>, field: string | null, error: ValidationError | string | string[]): void {
  const dict = (typeof error === 'string' || Array.isArray(error) ? new ValidationError(error) : error).toErrorDict(field ?? NON_FIELD_ERRORS)
  mergeErrors(errors, dict)
  for (const name of Object.keys(dict)) delete cleaned[name]
}

/** Checks unique and unique-together sets whose fields are all clean, leaving out `instance`'s own row; files a duplicate's error. */
export async function checkUnique (meta: FormMeta, adapter: Adapter, errors: ErrorDict, cleaned: Record<string, unknown>, instance: Row | undefined): Promise<void> {
  const { info } = meta
  const exclude = instance?.[info.primaryKey]
  for (const { keys, field, message } of meta.uniqueChecks) {
    const values = uniqueValues(keys, errors, cleaned)
    if (values !== undefined && await adapter.exists(info.table, keys, values, exclude)) fileError(errors, cleaned, field, message)
  }
}

/** The values a unique check queries; `undefined` when a field has an error or no value, and the check is skipped. */
export function uniqueValues (keys: readonly string[], errors: ErrorDict, cleaned: Record<string, unknown>): unknown[] | undefined {
  const values: unknown[] = []
  for (const key of keys) {
    const value = cleaned[key]
    if (key in errors || value === null || value === undefined) return undefined
    values.push(value)
  }
  return values
}

/** The values a save writes: the form's columns that cleaned to a value (`data` is the form's bound data). */
export function valuesToSave (meta: FormMeta, cleaned: Record<string, unknown>, data: Record<string, unknown>): Row {
  const values: Row = {}
  const { columns } = meta.info
  for (const key of meta.saved) {
    const value = cleaned[key]
    // as Django's construct_instance: a column with a default keeps it when the data leaves the field out
    if (value === undefined || (value === null && columns[key].hasDefault && !(key in data))) continue
    values[key] = value
  }
  return values
}

/** The insert, or the update of `instance`'s row; `undefined` when an update has nothing to write. */
export function writeOp (meta: FormMeta, instance: Row | undefined, values: Row, precondition?: Precondition, versionColumn?: string): WriteOp | undefined {
  const { info } = meta
  if (instance === undefined) return { op: 'insert', table: info.table, values }
  if (precondition === undefined && versionColumn === undefined && Object.keys(values).length === 0) return undefined
  return { op: 'update', table: info.table, key: instance[info.primaryKey], values, expect: precondition, bump: versionColumn }
}

/** The error of an update whose row was deleted meanwhile. */
export function gone (meta: FormMeta): ObjectDoesNotExist {
  return new ObjectDoesNotExist(`This ${meta.model.verboseName} no longer exists.`)
}

/** A constraint violation as the field errors the checks before saving give; `undefined` for any other error. */
export async function violationErrors (meta: FormMeta, fields: Readonly<Record<string, Field>>, cleaned: Record<string, unknown>, adapter: Adapter, error: unknown): Promise<ErrorDict | undefined> {
  const violation = adapter.violation(error, meta.info.table)
  if (violation === undefined) return undefined
  const columns = violation.columns ?? []
  if (violation.kind === 'unique') {
    const check = meta.uniqueChecks.find(({ keys }) => keys.length === columns.length && keys.every((k) => columns.includes(k)))
    return check !== undefined ? { [check.field]: [check.message] } : { [NON_FIELD_ERRORS]: ['An entry with these values already exists.'] }
  }
  if (violation.kind === 'foreignKey') return await missingReferences(meta, fields, cleaned, adapter, columns)
  const field = fields[columns[0]]
  return field !== undefined && violation.kind === 'notNull'
    ? { [columns[0]]: [pickMessage('required', [field.options.errorMessages], field.kind)] }
    : { [NON_FIELD_ERRORS]: ['The database refused these values.'] }
}

// SQLite does not say which key failed: ask again which referenced rows are gone
async function missingReferences (meta: FormMeta, fields: Readonly<Record<string, Field>>, cleaned: Record<string, unknown>, adapter: Adapter, columns: readonly string[]): Promise<ErrorDict> {
  const errors: ErrorDict = {}
  for (const [name, reference] of meta.references) {
    const value = cleaned[name]
    if (value === null || value === undefined) continue
    const missing = columns.length > 0 ? columns.includes(name) : !(await adapter.exists(reference.table, [reference.column], [value]))
    if (missing) errors[name] = [pickMessage('invalidChoice', [fields[name].options.errorMessages], 'foreignKey')]
  }
  return Object.keys(errors).length > 0 ? errors : { [NON_FIELD_ERRORS]: ['A related item does not exist.'] }
}

/** A form class made by `modelForm`, typed by its table. */
export type ModelFormClass<TTable extends Table = Table> = (new (args?: FormArgs<TTable>) => ModelForm<TTable>) & {
  readonly meta: FormMeta
  readonly baseFields: Readonly<Record<string, Field>>
}

/**
 * Makes a form class over a Drizzle table or a `defineModel` model (Django's `ModelForm` with
 * its `Meta`). Gets the table and the options; returns the class. Throws at once when the
 * options name no fields, or name a column that does not exist or cannot be edited.
 */
export function modelForm<TTable extends Table> (table: TTable | Model<TTable>, options: ModelFormOptions<TTable>): ModelFormClass<TTable> {
  const meta = buildMeta(toModel(table), options as ModelFormOptions)
  const FormClass = class extends ModelForm<TTable> {
    static override meta = meta
  }
  if (options.cleanForm === undefined && Object.keys(options.clean ?? {}).length === 0) plainForms.add(FormClass)
  return FormClass
}

/** Classes made by `modelForm` without clean hooks: no step of theirs differs from `ModelForm`'s. */
const plainForms = new WeakSet<object>()

/** Whether a form class is one `modelForm` made, without `clean` hooks or `cleanForm` (a subclass never is). */
export function isPlainForm (FormClass: object): boolean {
  return plainForms.has(FormClass)
}
