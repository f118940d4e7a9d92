/**
 * The model checks (Django's `validate_unique` and the existence of related rows), for one form
 * or for a batch of forms of one class at once: foreign keys, many-to-many keys and unique
 * sets, each one `IN (...)` query over every form that needs it, whatever their number. A form
 * runs them on itself as stages; a formset runs them once over all its forms.
 */
import type { Column } from 'drizzle-orm'
import { ValidationError } from './errors.ts'
import { keyText } from './fields/relations.ts'
import type { UniqueCheck } from './form-options.ts'
import type { ModelForm } from './form.ts'
import { eachInTurn, isThenable, then, type MaybePromise } from './maybe.ts'
import type { Row } from './db/index.ts'

/** Where a check files an error: on the form (the default), or into a list when the errors are asked again after a write failed. */
export type Report = (form: ModelForm<any>, field: string, error: ValidationError) => void

const fileOn: Report = (form, field, error) => { form.addError(field, error) }

/** A value as its driver value's text, so that a key read back and a key cleaned compare equal. */
function driverText (column: Column, value: unknown): string {
  return keyText(column.mapToDriverValue(value))
}

function pending (value: MaybePromise<void>): void | PromiseLike<void> {
  return isThenable(value) ? value as PromiseLike<void> : undefined
}

/**
 * Uniqueness of one form (a form request), from the `from`th check on: whether any other row
 * holds its values, `LIMIT 1` and no row decoded, each check in turn and only an answer that
 * comes later waited for.
 */
function uniqueOfOne (form: ModelForm<any>, checks: readonly UniqueCheck[], fixed: Row | undefined, report: Report, from: number): void | Promise<void> {
  const { table, primaryKey } = form.meta.info
  const instance = form.instance as Row | undefined
  for (let i = from; i < checks.length; i++) {
    const check = checks[i]
    const values = uniqueValues(check.keys, form, fixed)
    if (values === undefined || (instance !== undefined && unchanged(check.keys, values, instance))) continue
    const taken = form.adapter.exists(table, check.keys, values, instance?.[primaryKey])
    if (isThenable<boolean>(taken)) {
      const asked = Promise.resolve(taken).then((yes) => { if (yes) reportTaken(form, check, report) })
      return i + 1 === checks.length ? asked : asked.then(() => uniqueOfOne(form, checks, fixed, report, i + 1))
    }
    if (taken) reportTaken(form, check, report)
  }
}

/** Files a unique check's message, made now that a conflict is found (in the request's language), not for every check. */
function reportTaken (form: ModelForm<any>, check: UniqueCheck, report: Report): void {
  report(form, check.field, new ValidationError(check.message, { code: check.code }))
}

/** Foreign keys: each referenced row a clean value names must exist; one query per column over every form. */
export function referencesOf (forms: ReadonlyArray<ModelForm<any>>, report: Report = fileOn): void | Promise<void> {
  if (forms.length === 0) return
  return eachInTurn(forms[0].meta.referenceList, ([name, reference]) => {
    const asking: Array<ModelForm<any>> = []
    const tuples: unknown[][] = []
    const seen = new Set<string>()
    const column = forms[0].meta.info.columns[name]
    for (const form of forms) {
      const value = (form.cleanedData as Row)[name]
      if (value === null || value === undefined || name in form.errorsNow) continue
      asking.push(form)
      const text = driverText(column, value)
      if (!seen.has(text)) {
        seen.add(text)
        tuples.push([value])
      }
    }
    if (asking.length === 0) return
    const target = forms[0].adapter.describe(reference.table).columns[reference.column]
    return pending(then(forms[0].adapter.findIn(reference.table, [reference.column], tuples, { read: [reference.column] }), (rows) => {
      const found = new Set(rows.map((row) => driverText(target, row[reference.column])))
      for (const form of asking) {
        if (!found.has(driverText(column, (form.cleanedData as Row)[name]))) report(form, name, form.fieldsNow[name].error('invalidChoice'))
      }
    }))
  })
}

/** Many-to-many keys: each key must name a row of the related table; one query per field over every form, the first missing key reported. */
export function manyToManyOf (forms: ReadonlyArray<ModelForm<any>>, report: Report = fileOn): void | Promise<void> {
  if (forms.length === 0) return
  return eachInTurn(forms[0].meta.manyToMany, ([name, relation]) => {
    const asking: Array<ModelForm<any>> = []
    const tuples: unknown[][] = []
    const seen = new Set<string>()
    const column = forms[0].adapter.describe(relation.targetTable).columns[relation.targetColumn]
    for (const form of forms) {
      const keys = (form.cleanedData as Row)[name] as unknown[] | undefined
      if (keys === undefined || keys.length === 0 || name in form.errorsNow) continue
      asking.push(form)
      for (const key of keys) {
        const text = driverText(column, key)
        if (!seen.has(text)) {
          seen.add(text)
          tuples.push([key])
        }
      }
    }
    if (asking.length === 0) return
    return pending(then(forms[0].adapter.findIn(relation.targetTable, [relation.targetColumn], tuples, { read: [relation.targetColumn] }), (rows) => {
      const found = new Set(rows.map((row) => driverText(column, row[relation.targetColumn])))
      for (const form of asking) {
        const missing = ((form.cleanedData as Row)[name] as unknown[]).find((key) => !found.has(driverText(column, key)))
        if (missing !== undefined) report(form, name, form.fieldsNow[name].error('invalidChoice', { value: keyText(missing) }))
      }
    }))
  })
}

/**
 * Uniqueness (Django's `validate_unique`) against the rows stored: for each unique set, one
 * query over every form whose values in it are all clean, leaving out each form's own row; a
 * set an update leaves as its row holds it is not asked. `fixed` gives values that are not the
 * forms' own (an inline formset's key to its parent).
 */
export function uniqueOf (forms: ReadonlyArray<ModelForm<any>>, { checks, fixed, report = fileOn }: { checks?: readonly UniqueCheck[], fixed?: Row, report?: Report } = {}): void | Promise<void> {
  if (forms.length === 0) return
  const { meta, adapter } = forms[0]
  const { table, primaryKey } = meta.info
  if (forms.length === 1) return uniqueOfOne(forms[0], checks ?? meta.uniqueChecks, fixed, report, 0)
  return eachInTurn(checks ?? meta.uniqueChecks, (check) => {
    const { keys } = check
    const asking: Array<ModelForm<any>> = []
    const tuples: unknown[][] = []
    for (const form of forms) {
      const values = uniqueValues(keys, form, fixed)
      const instance = form.instance as Row | undefined
      if (values === undefined || (instance !== undefined && unchanged(keys, values, instance))) continue
      asking.push(form)
      tuples.push(values)
    }
    if (asking.length === 0) return
    return pending(then(adapter.findIn(table, keys, tuples, { read: readOf(check, primaryKey) }), (rows) => {
      if (rows.length === 0) return
      const pkColumn = meta.info.columns[primaryKey]
      const ownOf = (form: ModelForm<any>): string | undefined => form.instance === undefined ? undefined : driverText(pkColumn, (form.instance as Row)[primaryKey])
      if (asking.length === 1) {
        // one form asking: any other row is a conflict, even where the database compares as the text does not (a NOCASE collation)
        const own = ownOf(asking[0])
        if (rows.some((row) => own === undefined || driverText(pkColumn, row[primaryKey]) !== own)) reportTaken(asking[0], check, report)
        return
      }
      const columns = keys.map((key) => meta.info.columns[key])
      const owners = new Map<string, string[]>()
      for (const row of rows) {
        const text = tupleText(columns, keys.map((key) => row[key]))
        const list = owners.get(text)
        if (list === undefined) owners.set(text, [driverText(pkColumn, row[primaryKey])])
        else list.push(driverText(pkColumn, row[primaryKey]))
      }
      asking.forEach((form, i) => {
        const own = ownOf(form)
        if ((owners.get(tupleText(columns, tuples[i])) ?? []).some((pk) => pk !== own)) reportTaken(form, check, report)
      })
    }))
  })
}

/** The columns a unique check reads back: the key and the set's own, one list per check. */
const reads = new WeakMap<UniqueCheck, readonly string[]>()
function readOf (check: UniqueCheck, primaryKey: string): readonly string[] {
  let read = reads.get(check)
  if (read === undefined) reads.set(check, read = [primaryKey, ...check.keys])
  return read
}

function tupleText (columns: readonly Column[], values: readonly unknown[]): string {
  return values.map((value, i) => driverText(columns[i], value)).join('\u0000')
}

/** The values of a unique set; `undefined` when one has an error or no value, and the set is not asked. */
export function uniqueValues (keys: readonly string[], form: ModelForm<any>, fixed?: Row): unknown[] | undefined {
  const cleaned = form.cleanedData as Row
  // as long as the keys: a list pushed to from empty gets room for 17
  const values: unknown[] = new Array(keys.length)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]
    const value = fixed !== undefined && Object.hasOwn(fixed, key) ? fixed[key] : cleaned[key]
    if (key in form.errorsNow || value === null || value === undefined) return undefined
    values[i] = value
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

/** The related rows a failed write found missing, asked again (SQLite does not say which key failed): field errors by form. */
export function missingRelated (forms: ReadonlyArray<ModelForm<any>>): MaybePromise<Map<ModelForm<any>, Record<string, ValidationError[]>>> {
  const found = new Map<ModelForm<any>, Record<string, ValidationError[]>>()
  const collect: Report = (form, field, error) => {
    let errors = found.get(form)
    if (errors === undefined) found.set(form, errors = {})
    ;(errors[field] ??= []).push(error)
  }
  const asked = then(referencesOf(forms, collect), () => manyToManyOf(forms, collect))
  return then(asked, () => found)
}

/** The forms a unique set conflicts for now, asked again after a write failed (a concurrent writer). */
export function conflicting (forms: ReadonlyArray<ModelForm<any>>, checks: readonly UniqueCheck[], fixed?: Row): MaybePromise<Map<ModelForm<any>, Record<string, ValidationError[]>>> {
  const found = new Map<ModelForm<any>, Record<string, ValidationError[]>>()
  const collect: Report = (form, field, error) => {
    let errors = found.get(form)
    if (errors === undefined) found.set(form, errors = {})
    ;(errors[field] ??= []).push(error)
  }
  return then(uniqueOf(forms, { checks, fixed, report: collect }), () => found)
}

/** Form stage: foreign keys of one form. */
export const checkReferences = (form: ModelForm<any>): void | Promise<void> => referencesOf([form])
/** Form stage: many-to-many keys of one form. */
export const checkManyToMany = (form: ModelForm<any>): void | Promise<void> => manyToManyOf([form])
/** Form stage: uniqueness of one form. */
export const checkUnique = (form: ModelForm<any>): void | Promise<void> => uniqueOfOne(form, form.meta.uniqueChecks, undefined, fileOn, 0)
