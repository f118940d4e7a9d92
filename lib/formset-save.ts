/**
 * A formset's save as one write: the updates and deletes of the rows its items name, the
 * inserts of the new ones (multi-row on PostgreSQL), then one junction write per many-to-many
 * field, all in one transaction. A row the database refuses (a concurrent writer) becomes that
 * item's field error, found by asking the checks again; nothing is written.
 */
import { ObjectDoesNotExist, type ValidationError } from './errors.ts'
import { formSetValidationError } from './formset-errors.ts'
import { formsWithFiles, writeWithFormsFiles } from './form-files.ts'
import { keyText } from './fields/relations.ts'
import { conflicting, missingRelated } from './form-checks.ts'
import type { ModelForm } from './form.ts'
import { relateOps, valuesToSave, writtenSets, type RowAt } from './form-stages.ts'
import type { ModelFormSet } from './formset.ts'
import { refuse, type FormSetItem } from './formset-items.ts'
import { attempt, then, type MaybePromise } from './maybe.ts'
import { rememberSets } from './relations.ts'
import { codes } from './setup-errors.ts'
import type { Row, WriteOp } from './db/index.ts'

/** `save()` options of a formset: `commit: false` writes (and deletes) nothing. */
export interface FormSetSaveOptions {
  commit?: boolean
}

/** A formset's part of a write: its ops, and how to read its results from the rows written. */
export interface FormSetWrite {
  readonly ops: WriteOp[]
  /** Fills the formset's results and its new, changed and deleted objects from the rows the whole write gave. */
  finish (done: ReadonlyArray<Row | undefined>): void
}

interface Planned {
  readonly item: FormSetItem
  readonly at?: number
  readonly changed: string[]
}

function same (a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime()
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) return JSON.stringify(a) === JSON.stringify(b)
  return false
}

/**
 * Plans a formset's write, its ops starting at index `offset` of the whole write. `parent` is
 * where an inline formset's parent row is when it is written in the same write (else its key is
 * the formset's parent's). Updates write only the columns that changed; an item that changes
 * nothing writes nothing (Django's `has_changed()`).
 */
export function planFormSetWrite (formset: ModelFormSet<any>, { offset = 0, parent }: { offset?: number, parent?: RowAt } = {}): FormSetWrite {
  const { info, inline, limits } = formset.meta
  const ops: WriteOp[] = []
  const planned: Planned[] = []
  const entries: Array<{ form: ModelForm<any>, row: RowAt }> = []
  for (const item of formset.items) {
    if (item.kind === 'delete') {
      planned.push({ item, at: offset + ops.length, changed: [] })
      ops.push({ op: 'delete', table: info.table, key: item.key, required: true })
    } else if (item.kind === 'update') {
      const form = item.form!
      const values = valuesToSave(form)
      const instance = item.instance!
      const set: Row = {}
      const changed: string[] = []
      for (const key in values) {
        if (same(values[key], instance[key])) continue
        set[key] = values[key]
        changed.push(key)
      }
      for (const [name] of form.meta.manyToMany) if (Object.hasOwn(form.cleanedData, name)) changed.push(name)
      const at = changed.length > 0 && Object.keys(set).length > 0 ? offset + ops.length : undefined
      if (at !== undefined) ops.push({ op: 'update', table: info.table, key: item.key, values: set, required: true })
      planned.push({ item, ...(at !== undefined ? { at } : {}), changed })
      entries.push({ form, row: at !== undefined ? { at } : { key: item.key } })
    }
  }
  for (const item of formset.items) {
    if (item.kind !== 'create' || limits.editOnly) continue
    const form = item.form!
    const values = valuesToSave(form)
    const at = offset + ops.length
    if (inline === undefined) ops.push({ op: 'insert', table: info.table, values })
    else if (parent !== undefined && 'at' in parent) ops.push({ op: 'insert', table: info.table, values: (done) => ({ ...values, [inline.fk]: done[parent.at][inline.parentKey] }), batch: true })
    else ops.push({ op: 'insert', table: info.table, values: { ...values, [inline.fk]: parent !== undefined ? parent.key : formset.parentKey } })
    planned.push({ item, at, changed: [] })
    entries.push({ form, row: { at } })
  }
  ops.push(...relateOps(entries))
  return { ops, finish: (done) => finish(formset, planned, done) }
}

/** Reads each item's row from the rows written, in request order. */
function finish (formset: ModelFormSet<any>, planned: readonly Planned[], done: ReadonlyArray<Row | undefined>): void {
  const results: Array<Row | null> = formset.items.map(() => null)
  formset.newObjects = []
  formset.changedObjects = []
  formset.deletedObjects = []
  for (const { item, at, changed } of planned) {
    if (item.kind === 'delete') {
      formset.deletedObjects.push(item.instance!)
      continue
    }
    const row = at !== undefined ? done[at]! : item.instance!
    rememberSets(row, writtenSets(item.form!))
    results[item.index] = row
    if (item.kind === 'create') formset.newObjects.push(row)
    else if (changed.length > 0) formset.changedObjects.push([row, changed])
  }
  formset.results = results
}

/** `save({ commit: false })`: the unsaved rows, the objects it would create, change and delete; nothing written. */
function unsaved (formset: ModelFormSet<any>): Array<Row | null> {
  const planned = planFormSetWrite(formset)
  const rows: Array<Row | undefined> = planned.ops.map((op) => op.op === 'insert' || op.op === 'update' ? (typeof op.values === 'function' ? op.values([]) : op.values) : undefined)
  // the updates as their rows would be, the inserts as given (an inline child with its parent's key)
  for (const item of formset.items) {
    if (item.kind === 'update') {
      const at = planned.ops.findIndex((op) => op.op === 'update' && op.key === item.key)
      if (at >= 0) rows[at] = { ...item.instance, ...rows[at] }
    }
  }
  planned.finish(rows)
  return formset.results as Array<Row | null>
}

/** `save()`: validate, plan, write in one transaction, read the results; a refusal by the database becomes the items' errors. */
export function saveFormSet (formset: ModelFormSet<any>, { commit = true }: FormSetSaveOptions = {}): MaybePromise<Array<Row | null>> {
  return then(formset.validate(), (valid) => {
    if (!valid) throw new codes.FFR_ERR_FORMSET_INVALID_SAVE(formset.meta.info.name)
    if (!commit) return unsaved(formset)
    // the items' uploads are stored first, so that the plan writes their keys
    return writeWithFormsFiles(formsWithFiles(formset.items.map((item) => item.kind === 'delete' ? undefined : item.form)), () => {
      const plan = planFormSetWrite(formset)
      if (plan.ops.length === 0) {
        plan.finish([])
        return formset.results as Array<Row | null>
      }
      return attempt(() => formset.adapter.write(plan.ops), (done) => {
        plan.finish(done)
        return formset.results as Array<Row | null>
      }, (error) => then(formSetWriteFailed(formset, error), (refused) => { throw refused ?? error }))
    })
  })
}

/** `saveM2M()` after `save({ commit: false })`: the junction rows of every saved item, by the key its result row has now; one transaction. */
export function saveFormSetM2M (formset: ModelFormSet<any>): MaybePromise<void> {
  const { info } = formset.meta
  if (formset.meta.FormClass.meta.manyToMany.length === 0) return
  const entries: Array<{ form: ModelForm<any>, row: RowAt }> = []
  for (const item of formset.items) {
    const row = formset.results[item.index] as Row | null | undefined
    if (row === null || row === undefined || item.form === undefined) continue
    const key = row[info.primaryKey]
    if (key === undefined || key === null) throw new codes.FFR_ERR_M2M_NO_KEY(formset.meta.model.verboseName)
    entries.push({ form: item.form, row: { key } })
  }
  const ops = relateOps(entries)
  if (ops.length === 0) return
  return attempt(() => formset.adapter.write(ops), () => undefined, (error) => then(formSetWriteFailed(formset, error), (refused) => { throw refused ?? error }))
}

/** Files an error on an item: on its form, else on the item. */
function fileOn (item: FormSetItem, field: string, error: ValidationError): void {
  if (item.form !== undefined) {
    item.form.addError(field, error)
    item.form.validated = false
  } else {
    refuse(item, field, error)
  }
}

/**
 * Maps a write the database refused to the items' errors, asking the checks again (SQLite does
 * not say which row failed, nor does a multi-row insert): a row deleted meanwhile, a unique
 * value taken meanwhile, a related row gone. Resolves the `ValidationError` to throw (the
 * formset then invalid), or `undefined` for an error that is no refusal of the data.
 */
export function formSetWriteFailed (formset: ModelFormSet<any>, error: unknown, { quiet = false }: { quiet?: boolean } = {}): MaybePromise<ValidationError | undefined> {
  const { info, inline, FormClass } = formset.meta
  const pk = info.columns[info.primaryKey]
  const invalid = (): ValidationError => {
    formset.validated = false
    return formSetValidationError(formset)
  }
  const nonForm = (message: string, code: string): ValidationError | undefined => {
    if (quiet) return undefined
    formset.nonFormErrors = [message]
    formset.nonFormErrorCodes = [code]
    return invalid()
  }
  if (error instanceof ObjectDoesNotExist && error.key !== undefined && (error.table === undefined || error.table === info.table)) {
    const item = formset.items.find((each) => (each.kind === 'update' || each.kind === 'delete') && keyText(pk.mapToDriverValue(each.key)) === keyText(pk.mapToDriverValue(error.key)))
    if (item === undefined) return undefined
    fileOn(item, info.primaryKey, formset.meta.rules.keyField.error('invalidChoice'))
    return invalid()
  }
  const violation = formset.adapter.violation(error, info.table)
  if (violation === undefined) return undefined
  const forms = formset.forms as Array<ModelForm<any>>
  const file = (found: Map<ModelForm<any>, Record<string, ValidationError[]>>, message: string, code: string): ValidationError | undefined => {
    if (found.size === 0) return nonForm(message, code)
    for (const item of formset.items) {
      const errors = item.form === undefined ? undefined : found.get(item.form)
      if (errors !== undefined) for (const field in errors) for (const each of errors[field]) fileOn(item, field, each)
    }
    return invalid()
  }
  if (violation.kind === 'unique') {
    const parentKey = formset.parentKey
    const all = [...FormClass.meta.uniqueChecks, ...(inline !== undefined && parentKey !== undefined ? inline.parentChecks : [])]
    const columns = violation.columns ?? []
    const named = all.filter(({ keys }) => keys.length === columns.length && keys.every((k) => columns.includes(k)))
    const fixed = inline !== undefined && parentKey !== undefined ? { [inline.fk]: parentKey } : undefined
    return then(conflicting(forms, named.length > 0 ? named : all, fixed), (found) => file(found, 'An entry with these values already exists.', 'unique'))
  }
  if (violation.kind === 'foreignKey') {
    // nothing missing: a row to delete is still referred to by other rows
    const deleting = formset.items.some((item) => item.kind === 'delete')
    return then(missingRelated(forms), (found) => file(found, deleting ? 'An item to delete is still referred to by other items.' : 'A related item does not exist.', deleting ? 'protected' : 'invalidChoice'))
  }
  return nonForm('The database refused these values.', 'invalid')
}
