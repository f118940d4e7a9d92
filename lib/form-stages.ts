/**
 * The stages a form runs, as plain functions of the form: cleaning (fields, clean hooks,
 * `cleanForm`, model checks) and saving (plan the write, write, map a constraint violation).
 * `ModelForm.isValid()` / `save()` and a resource's request plan run the same functions; each
 * answers at once when the database does (SQLite) and with a promise when it does not.
 */
import { NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError } from './errors.ts'
import { checkManyToMany, checkReferences, checkUnique, missingRelated } from './form-checks.ts'
import type { FormMeta } from './form-options.ts'
import type { ModelForm, SaveOptions } from './form.ts'
import { isThenable, then, type MaybePromise, type Stage } from './maybe.ts'
import type { FieldSource } from './fields/index.ts'
import type { RelatedSet, Row, WriteOp } from './db/index.ts'

export { checkManyToMany, checkReferences, checkUnique } from './form-checks.ts'

/** A stage of a form's cleaning: works on the form, files errors on it. */
export type FormStage = Stage<ModelForm<any>>

/**
 * Clean fields: each field's `clean` (Django's `to_python`, `validate`, validators) of the value
 * its kind reads (`data[name]`, or a file kind's upload and clear flag); a field with an error
 * filed already (a parse hook's) is left as it is, and so is a many-to-many field an update
 * leaves out (the row keeps its set).
 */
export function cleanFields (form: ModelForm<any>): void {
  const fields = form.fieldsNow
  // the class's own fields: the loop below, written out for them
  if (fields === form.meta.baseFields) return form.meta.compiled.cleanFields(form)
  const { data } = form
  const errors = form.errorsNow
  const cleaned = form.cleanedData as Row
  for (const name in fields) {
    if (name in errors) continue
    const field = fields[name]
    if (field.kind === 'modelMultipleChoice' && form.instance !== undefined && data[name] === undefined) continue
    const { valueFrom } = field.spec
    try {
      cleaned[name] = field.clean(valueFrom === undefined ? data[name] : valueFrom(name, form as FieldSource))
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      form.addError(name, error)
    }
  }
}

/** Clean hooks (Django's `clean_<field>()`): each field that cleaned without error, in form order; its answer replaces the value. */
export function cleanHooks (form: ModelForm<any>): void | Promise<void> {
  return cleanHooksFrom(form, 0)
}

/** The clean hooks from the `from`th on, as `parseHooks` runs its own: a value set at once, only a promise waited for. */
function cleanHooksFrom (form: ModelForm<any>, from: number): void | Promise<void> {
  const hooks = form.meta.cleanHooks
  for (let i = from; i < hooks.length; i++) {
    const [name, hook] = hooks[i]
    const cleaned = form.cleanedData as Row
    if (!Object.hasOwn(cleaned, name) || name in form.errorsNow) continue
    let value: unknown
    try {
      value = hook(cleaned[name], form)
    } catch (error) {
      fileCleanError(form, name, error)
      continue
    }
    if (isThenable(value)) {
      return Promise.resolve(value).then((replaced) => { cleaned[name] = replaced }, (error: unknown) => { fileCleanError(form, name, error) })
        .then(() => cleanHooksFrom(form, i + 1))
    }
    cleaned[name] = value
  }
}

/** Files a clean step's `ValidationError` on the form (under `name`, or `__all__` for `null`); throws any other error. */
function fileCleanError (form: ModelForm<any>, name: string | null, error: unknown): void {
  if (!(error instanceof ValidationError)) throw error
  form.addError(name, error)
}

/** `cleanForm` (Django's `clean()`): after every field; new data when it returns some, its `ValidationError` under `__all__`. */
export function cleanWhole (form: ModelForm<any>): void | PromiseLike<void> {
  let replaced: unknown
  try {
    replaced = form.meta.options.cleanForm!(form.cleanedData as Row, form)
  } catch (error) {
    fileCleanError(form, null, error)
    return
  }
  if (isThenable(replaced)) return Promise.resolve(replaced).then((data) => { replaceCleaned(form, data) }, (error: unknown) => { fileCleanError(form, null, error) })
  replaceCleaned(form, replaced)
}

/** `cleanForm`'s answer: new cleaned data when it returned some. */
function replaceCleaned (form: ModelForm<any>, replaced: unknown): void {
  if (replaced !== undefined && replaced !== null) form.cleanedData = replaced as Row
}

/** The clean stages of one form that ask nothing of the database: fields, clean hooks, `cleanForm`. */
export function ownStages (meta: FormMeta): FormStage[] {
  const stages: FormStage[] = [cleanFields]
  if (meta.cleanHooks.length > 0) stages.push(cleanHooks)
  if (meta.options.cleanForm !== undefined) stages.push(cleanWhole)
  return stages
}

/** The clean stages a form's meta needs, leaving out the ones it has nothing for: its own, then the model checks. */
export function cleanStages (meta: FormMeta): FormStage[] {
  const stages = ownStages(meta)
  if (meta.referenceList.length > 0) stages.push(checkReferences)
  if (meta.manyToMany.length > 0) stages.push(checkManyToMany)
  if (meta.uniqueChecks.length > 0) stages.push(checkUnique)
  return stages
}

/**
 * The values a save writes: the form's columns that cleaned to a value. The cleaned data itself
 * when it holds exactly those (no copy: a batch of 10,000 rows holds one set of values).
 */
export function valuesToSave (form: ModelForm<any>): Row {
  return form.meta.compiled.valuesToSave(form)
}

/** Plan the write: the insert, or the update of the instance's row; none when an update has nothing to write. */
export function planWrite (form: ModelForm<any>, values: Row, { precondition, versionColumn }: SaveOptions = {}): WriteOp[] {
  const { info } = form.meta
  const instance = form.instance as Row | undefined
  if (instance === undefined) return [{ op: 'insert', table: info.table, values }]
  if (precondition === undefined && versionColumn === undefined && Object.keys(values).length === 0) return []
  return [{ op: 'update', table: info.table, key: instance[info.primaryKey], values, expect: precondition, bump: versionColumn, stored: instance }]
}

/** Where a form's row is in a write: the index of its insert or update among the ops, or its key when no op writes it. */
export type RowAt = { readonly at: number } | { readonly key: unknown }

/**
 * Plan the junction writes: one `relate` op per many-to-many field over every form that names
 * it, whatever their number. An update replaces its row's set; a new row gets its set. A row
 * whose write matched nothing (deleted meanwhile) ends the transaction with `ObjectDoesNotExist`.
 */
export function relateOps (entries: ReadonlyArray<{ form: ModelForm<any>, row: RowAt }>): WriteOp[] {
  if (entries.length === 0) return []
  const { meta } = entries[0].form
  const ops: WriteOp[] = []
  for (const [name, relation] of meta.manyToMany) {
    const naming = entries.filter(({ form }) => Object.hasOwn(form.cleanedData, name))
    if (naming.length === 0) continue
    const pk = meta.info.primaryKey
    const sets = (done: Row[]): RelatedSet[] => naming.map(({ form, row }) => {
      const key = 'at' in row ? done[row.at]?.[pk] : row.key
      if (key === undefined || key === null) throw gone(meta)
      return [key, (form.cleanedData as Row)[name] as unknown[]]
    })
    ops.push({ op: 'relate', table: relation.through, source: relation.source, target: relation.target, sets, replace: naming.some(({ form }) => form.instance !== undefined), ...(relation.defaults !== undefined ? { defaults: relation.defaults } : {}) })
  }
  return ops
}

/** The sets a form wrote, sorted as an item serializes them (`[1, 4]`), by field. */
export function writtenSets (form: ModelForm<any>): Record<string, unknown[]> | undefined {
  let sets: Record<string, unknown[]> | undefined
  for (const [name] of form.meta.manyToMany) {
    const keys = (form.cleanedData as Row)[name] as unknown[] | undefined
    if (keys !== undefined) (sets ??= {})[name] = sortKeys(keys)
  }
  return sets
}

/** Compares two keys: numbers (and bigints) by value, anything else by its text. */
export function compareKeys (a: unknown, b: unknown): number {
  const numeric = (typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')
  const [x, y] = numeric ? [a, b] : [String(a), String(b)]
  return x < y ? -1 : x > y ? 1 : 0
}

/** Keys in order, as an item serializes a set: `[1, 4]`. */
export function sortKeys (keys: readonly unknown[]): unknown[] {
  return [...keys].sort(compareKeys)
}

/**
 * Write: runs the planned writes in one transaction and returns the form's row as stored.
 * Throws `ValidationError` (filed on the form) when the database refuses a value,
 * `ObjectDoesNotExist` when the instance's row is gone, `PreconditionFailedError` when a
 * precondition no longer holds, and any other database error as it is.
 */
export function writeForm (form: ModelForm<any>, ops: readonly WriteOp[]): MaybePromise<Row> {
  if (ops.length === 0) return form.instance as Row
  // as `attempt`, written out: a write that answers at once makes no closure
  let written: MaybePromise<Array<Row | undefined>>
  try {
    written = form.adapter.write(ops)
  } catch (error) {
    return refusedWrite(form, error)
  }
  if (isThenable<Array<Row | undefined>>(written)) return Promise.resolve(written).then((rows) => writtenRow(form, ops, rows), (error: unknown) => refusedWrite(form, error))
  return writtenRow(form, ops, written)
}

/** The form's row among the rows a write answered: the instance when only junction rows were written; `ObjectDoesNotExist` when its update matched nothing. */
function writtenRow (form: ModelForm<any>, ops: readonly WriteOp[], rows: Array<Row | undefined>): Row {
  // only junction rows to write: the row itself is as it was
  if (ops[0].op === 'relate') return form.instance as Row
  const row = rows[0]
  if (row === undefined) throw gone(form.meta)
  return row
}

/** A failed write: a violation the form maps is filed on it and thrown as its `ValidationError`; any other error is thrown on as it is. */
function refusedWrite (form: ModelForm<any>, error: unknown): never | Promise<never> {
  const refused = violationError(form, error)
  return isThenable<ValidationError | undefined>(refused) ? Promise.resolve(refused).then((found) => fileRefusal(form, error, found)) : fileRefusal(form, error, refused)
}

/** Files the mapped refusal on the form (no longer valid) and throws it; throws the write's own error when nothing was mapped. */
function fileRefusal (form: ModelForm<any>, error: unknown, refused: ValidationError | undefined): never {
  if (refused === undefined) throw error
  form.addError(null, refused)
  form.validated = false
  throw refused
}

/** The error of an update whose row was deleted meanwhile. */
export function gone (meta: FormMeta): ObjectDoesNotExist {
  return new ObjectDoesNotExist(`This ${meta.model.verboseName} no longer exists.`)
}

/** Map a violation: a constraint the database enforced, as the field errors the checks before saving give; `undefined` for any other error. */
export function violationError (form: ModelForm<any>, error: unknown): MaybePromise<ValidationError | undefined> {
  const { meta } = form
  const violation = form.adapter.violation(error, meta.info.table)
  if (violation === undefined) return undefined
  const columns = violation.columns ?? []
  if (violation.kind === 'unique') {
    const check = meta.uniqueChecks.find(({ keys }) => keys.length === columns.length && keys.every((k) => columns.includes(k)))
    return check !== undefined
      ? new ValidationError({ [check.field]: new ValidationError(check.message, { code: check.code }) })
      : new ValidationError({ [NON_FIELD_ERRORS]: 'An entry with these values already exists.' })
  }
  if (violation.kind === 'foreignKey') return missingReferences(form, columns)
  const field = form.fieldsNow[columns[0]]
  return field !== undefined && violation.kind === 'notNull'
    ? new ValidationError({ [columns[0]]: field.error('required') })
    : new ValidationError({ [NON_FIELD_ERRORS]: 'The database refused these values.' })
}

// SQLite does not say which key failed: ask again which related rows are gone
function missingReferences (form: ModelForm<any>, columns: readonly string[]): MaybePromise<ValidationError> {
  if (columns.length > 0 && columns.every((name) => form.meta.references.has(name))) {
    const named: Record<string, ValidationError> = {}
    for (const name of columns) named[name] = form.fieldsNow[name].error('invalidChoice')
    return new ValidationError(named)
  }
  return then(missingRelated([form]), (found) => {
    const errors = found.get(form)
    return new ValidationError(errors !== undefined ? errors : { [NON_FIELD_ERRORS]: 'A related item does not exist.' })
  })
}
