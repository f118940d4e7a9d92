/**
 * The stages a form runs, as plain functions of the form: cleaning (fields, clean hooks,
 * `cleanForm`, model checks) and saving (plan the write, write, map a constraint violation).
 * `ModelForm.isValid()` / `save()` and a resource's request plan run the same functions; each
 * answers at once when the database does (SQLite) and with a promise when it does not.
 */
import type { Table } from 'drizzle-orm'
import { NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError } from './errors.ts'
import type { FormMeta } from './form-options.ts'
import type { ModelForm, SaveOptions } from './form.ts'
import { attempt, eachInTurn, isThenable, then, type MaybePromise, type Stage } from './maybe.ts'
import type { FieldSource } from './fields/index.ts'
import type { Row, WriteOp } from './db/index.ts'

/** A stage of a form's cleaning: works on the form, files errors on it. */
export type FormStage = Stage<ModelForm<any>>

/**
 * Clean fields: each field's `clean` (Django's `to_python`, `validate`, validators) of the value
 * its kind reads (`data[name]`, or a file kind's upload and clear flag); a field with an error
 * filed already (a parse hook's) is left as it is.
 */
export function cleanFields (form: ModelForm<any>): void {
  const { fields, data, errors } = form
  const cleaned = form.cleanedData as Row
  for (const name in fields) {
    if (name in errors) continue
    const field = fields[name]
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
  return eachInTurn(form.meta.cleanHooks, ([name, hook]) => {
    const cleaned = form.cleanedData as Row
    if (!Object.hasOwn(cleaned, name) || name in form.errors) return
    const failed = (error: unknown): void => {
      if (!(error instanceof ValidationError)) throw error
      form.addError(name, error)
    }
    const value = attempt(() => hook(cleaned[name], form), (value) => { cleaned[name] = value }, failed)
    return isThenable(value) ? value as PromiseLike<void> : undefined
  })
}

/** `cleanForm` (Django's `clean()`): after every field; new data when it returns some, its `ValidationError` under `__all__`. */
export function cleanWhole (form: ModelForm<any>): void | PromiseLike<void> {
  const run = form.meta.options.cleanForm!
  const done = attempt(() => run(form.cleanedData as Row, form), (replaced) => {
    if (replaced !== undefined && replaced !== null) form.cleanedData = replaced as Row
  }, (error) => {
    if (!(error instanceof ValidationError)) throw error
    form.addError(null, error)
  })
  return isThenable(done) ? done as PromiseLike<void> : undefined
}

/** Model checks, foreign keys: each referenced row that a clean value names must exist. */
export function checkReferences (form: ModelForm<any>): void | Promise<void> {
  return eachInTurn(form.meta.referenceList, ([name, reference]) => {
    const value = (form.cleanedData as Row)[name]
    if (value === null || value === undefined || name in form.errors) return
    const found = then(form.adapter.exists(reference.table, [reference.column], [value]), (exists) => {
      if (!exists) form.addError(name, form.fields[name].error('invalidChoice'))
    })
    return isThenable(found) ? found as PromiseLike<void> : undefined
  })
}

/**
 * Model checks, uniqueness (Django's `validate_unique`): each unique and unique-together set
 * whose fields are all clean, leaving out the instance's own row; a set an update leaves as the
 * row holds it needs no query.
 */
export function checkUnique (form: ModelForm<any>): void | Promise<void> {
  const { meta } = form
  const instance = form.instance as Row | undefined
  const exclude = instance?.[meta.info.primaryKey]
  return eachInTurn(meta.uniqueChecks, ({ keys, field, message, code }) => {
    const values = uniqueValues(keys, form)
    if (values === undefined || (instance !== undefined && unchanged(keys, values, instance))) return
    const checked = then(form.adapter.exists(meta.info.table, keys, values, exclude), (taken) => {
      if (taken) form.addError(field, new ValidationError(message, { code }))
    })
    return isThenable(checked) ? checked as PromiseLike<void> : undefined
  })
}

/** The values a unique check queries; `undefined` when a field has an error or no value, and the check is skipped. */
function uniqueValues (keys: readonly string[], form: ModelForm<any>): unknown[] | undefined {
  const cleaned = form.cleanedData as Row
  const values: unknown[] = []
  for (const key of keys) {
    const value = cleaned[key]
    if (key in form.errors || value === null || value === undefined) return undefined
    values.push(value)
  }
  return values
}

function unchanged (keys: readonly string[], values: readonly unknown[], instance: Row): boolean {
  for (let i = 0; i < keys.length; i++) {
    const a = values[i]
    const b = instance[keys[i]]
    if (a !== b && !(a instanceof Date && b instanceof Date && a.getTime() === b.getTime())) return false
  }
  return true
}

/** The clean stages a form's meta needs, leaving out the ones it has nothing for. */
export function cleanStages (meta: FormMeta): FormStage[] {
  const stages: FormStage[] = [cleanFields]
  if (meta.cleanHooks.length > 0) stages.push(cleanHooks)
  if (meta.options.cleanForm !== undefined) stages.push(cleanWhole)
  if (meta.referenceList.length > 0) stages.push(checkReferences)
  if (meta.uniqueChecks.length > 0) stages.push(checkUnique)
  return stages
}

/** The values a save writes: the form's columns that cleaned to a value. */
export function valuesToSave (form: ModelForm<any>): Row {
  const { meta, data } = form
  const cleaned = form.cleanedData as Row
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

/** Plan the write: the insert, or the update of the instance's row; none when an update has nothing to write. */
export function planWrite (form: ModelForm<any>, values: Row, { precondition, versionColumn }: SaveOptions = {}): WriteOp[] {
  const { info } = form.meta
  const instance = form.instance as Row | undefined
  if (instance === undefined) return [{ op: 'insert', table: info.table, values }]
  if (precondition === undefined && versionColumn === undefined && Object.keys(values).length === 0) return []
  return [{ op: 'update', table: info.table, key: instance[info.primaryKey], values, expect: precondition, bump: versionColumn }]
}

/**
 * Write: runs the planned writes in one transaction and returns the form's row as stored.
 * Throws `ValidationError` (filed on the form) when the database refuses a value,
 * `ObjectDoesNotExist` when the instance's row is gone, `PreconditionFailedError` when a
 * precondition no longer holds, and any other database error as it is.
 */
export function writeForm (form: ModelForm<any>, ops: readonly WriteOp[]): MaybePromise<Row> {
  if (ops.length === 0) return form.instance as Row
  return attempt(() => form.adapter.write(ops), ([row]) => {
    if (row === undefined) throw gone(form.meta)
    return row
  }, (error) => then(violationError(form, error), (refused) => {
    if (refused === undefined) throw error
    form.addError(null, refused)
    form.validated = false
    throw refused
  }))
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
  const field = form.fields[columns[0]]
  return field !== undefined && violation.kind === 'notNull'
    ? new ValidationError({ [columns[0]]: field.error('required') })
    : new ValidationError({ [NON_FIELD_ERRORS]: 'The database refused these values.' })
}

// SQLite does not say which key failed: ask again which referenced rows are gone
function missingReferences (form: ModelForm<any>, columns: readonly string[]): MaybePromise<ValidationError> {
  const errors: Record<string, ValidationError> = {}
  const asked = eachInTurn(form.meta.referenceList, ([name, reference]: readonly [string, { table: Table, column: string }]) => {
    const value = (form.cleanedData as Row)[name]
    if (value === null || value === undefined) return
    if (columns.length > 0) {
      if (columns.includes(name)) errors[name] = form.fields[name].error('invalidChoice')
      return
    }
    const found = then(form.adapter.exists(reference.table, [reference.column], [value]), (exists) => {
      if (!exists) errors[name] = form.fields[name].error('invalidChoice')
    })
    return isThenable(found) ? found as PromiseLike<void> : undefined
  })
  const result = (): ValidationError => new ValidationError(Object.keys(errors).length > 0 ? errors : { [NON_FIELD_ERRORS]: 'A related item does not exist.' })
  return isThenable(asked) ? Promise.resolve(asked).then(result) : result()
}
