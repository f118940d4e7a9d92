/**
 * The stages a formset runs to validate, as plain functions of the formset: read the items,
 * load the rows they name (one query), ask permission per row, make and clean each form with
 * its class's own stages, run the model checks once over all forms, then Django's cross-form
 * checks (the counts, `validate_unique` across items, `cleanFormSet`). Each answers at once when
 * the database does (SQLite) and with a promise when it does not.
 */
import { NON_FIELD_ERRORS, ValidationError } from './errors.ts'
import { keyText } from './fields/relations.ts'
import { manyToManyOf, referencesOf, uniqueOf, uniqueValues } from './form-checks.ts'
import { batchPlanOf, isClean, type ModelForm } from './form.ts'
import type { ModelFormSet } from './formset.ts'
import { classify, itemFiles, readManagement, refuse, type FormSetItem } from './formset-items.ts'
import { FORMSET_MESSAGES, type FormSetMeta } from './formset-meta.ts'
import { eachInTurn, isThenable, runStages, then, type MaybePromise, type Stage } from './maybe.ts'
import { formatMessage, pickMessage, textList } from './messages.ts'
import type { Row } from './db/index.ts'

/** A stage of a formset's validation. */
export type FormSetStage = Stage<ModelFormSet<any>>

/** The formset's own error for `key` (its messages over Django's), with its code. */
export function formSetError (formset: ModelFormSet<any>, key: string, params?: Record<string, string | number>): ValidationError {
  const template = pickMessage(key, [formset.meta.messages, key === 'duplicateTogether' ? { duplicateTogether: formset.meta.messages.duplicate } : undefined], FORMSET_MESSAGES, params)
  return new ValidationError(formatMessage(template, params), { code: key === 'duplicateTogether' ? 'duplicate' : key, ...(params !== undefined ? { params } : {}) })
}

/** Sets the formset's own errors (Django's `non_form_errors()`), replacing any before. */
export function setNonFormErrors (formset: ModelFormSet<any>, error: ValidationError): void {
  const messages = error.toErrorDict()[NON_FIELD_ERRORS] ?? Object.values(error.toErrorDict()).flat()
  const codes = error.toCodeDict()[NON_FIELD_ERRORS] ?? Object.values(error.toCodeDict()).flat()
  formset.nonFormErrors = messages
  formset.nonFormErrorCodes = codes
}

/** Read the items: a JSON array, or the management form of an HTML body; past `absoluteMax`, refused before anything is made. */
export function readItems (formset: ModelFormSet<any>): void {
  const { limits, rules } = formset.meta
  const data = formset.data!
  let raws: readonly unknown[]
  let initial: number | undefined
  if (Array.isArray(data)) {
    raws = data
  } else {
    const management = readManagement(data as Record<string, unknown>, formset.prefix, limits.absoluteMax)
    if (management.missing.length > 0) {
      setNonFormErrors(formset, formSetError(formset, 'missingManagementForm', { field_names: management.missing.join(', ') }))
      formset.done = true
      return
    }
    if (management.total > limits.absoluteMax) raws = { length: management.total } as unknown[]
    else raws = management.items
    initial = management.initial
  }
  if (raws.length > limits.absoluteMax) {
    setNonFormErrors(formset, formSetError(formset, 'tooManyForms', { num: limits.maxNum }))
    formset.done = true
    return
  }
  const itemRules = formset.createOnly ? { ...rules, canDelete: false } : rules
  const items: FormSetItem[] = new Array(raws.length)
  for (let i = 0; i < raws.length; i++) items[i] = classify(raws[i], i, itemFiles(formset.files, formset.prefix, i), itemRules, initial, formset.createOnly)
  formset.items = items
}

/** Load the rows the items name: one query for every update and delete (an inline formset's, among its parent's children); a key that names none is the item's error. */
export function loadRows (formset: ModelFormSet<any>): void | PromiseLike<void> {
  const { info, inline, rules } = formset.meta
  const naming = formset.items.filter((item) => item.kind === 'update' || item.kind === 'delete')
  if (naming.length === 0) return
  const missing = (item: FormSetItem): void => { refuse(item, info.primaryKey, rules.keyField.error('invalidChoice')) }
  const parentKey = formset.parentKey
  if (inline !== undefined && parentKey === undefined) {
    // a parent made in this write has no children yet
    for (const item of naming) missing(item)
    return
  }
  const pk = info.columns[info.primaryKey]
  const tuples: unknown[][] = []
  const seen = new Set<string>()
  for (const item of naming) {
    const text = keyText(pk.mapToDriverValue(item.key))
    if (!seen.has(text)) {
      seen.add(text)
      tuples.push([item.key])
    }
  }
  const options = inline === undefined ? {} : { scope: [inline.fk, parentKey] as const }
  const loaded = then(formset.adapter.findIn(info.table, [info.primaryKey], tuples, options), (rows) => {
    const byKey = new Map(rows.map((row) => [keyText(pk.mapToDriverValue(row[info.primaryKey])), row]))
    for (const item of naming) {
      const row = byKey.get(keyText(pk.mapToDriverValue(item.key)))
      if (row === undefined) missing(item)
      else item.instance = row
    }
  })
  return isThenable(loaded) ? loaded as PromiseLike<void> : undefined
}

/** Ask permission for each item that writes, in turn; the first refusal stops the formset. */
export function permitItems (formset: ModelFormSet<any>): void | Promise<void> {
  const permit = formset.permit!
  const ask = (i: number): void | Promise<void> => {
    for (; i < formset.items.length; i++) {
      const item = formset.items[i]
      if (item.kind !== 'create' && item.kind !== 'update' && item.kind !== 'delete') continue
      const allowed = permit(item)
      const decide = (ok: boolean): boolean => {
        if (!ok) {
          formset.refused = item
          formset.done = true
        }
        return ok
      }
      if (isThenable(allowed)) return Promise.resolve(allowed).then((ok) => { if (decide(ok)) return ask(i + 1) })
      if (!decide(allowed)) return
    }
  }
  return ask(0)
}

/** Make each item's form: its bound data (data < row < initial), the key to the parent checked against the parent (Django's `InlineForeignKeyField`). */
export function makeForms (formset: ModelFormSet<any>): void | Promise<void> {
  const { FormClass, inline } = formset.meta
  const initials = hasInitials(FormClass.baseFields)
  return eachInTurn(formset.items, (item) => {
    if (item.kind !== 'create' && item.kind !== 'update') return
    // a new item's own data is its bound data when no field has an initial value: no copy of it
    const data = item.instance === undefined && !initials ? item.data : FormClass.meta.compiled.boundData(item.data, item.instance)
    const made = formset.bindItem !== undefined
      ? formset.bindItem(item, formset)
      : new FormClass({ db: formset.database, data, files: item.files, instance: item.instance, request: formset.request, ...formset.formKwargs })
    return settle(then(made, (form) => {
      item.form = form
      if (inline !== undefined) {
        const given = item.data[inline.fk]
        const parentKey = formset.parentKey
        if (given !== undefined && given !== null && given !== '' && (parentKey === undefined || String(given) !== String(parentKey))) form.addError(inline.fk, formSetError(formset, 'inlineMismatch'))
      }
    }))
  })
}

const initialsOf = new WeakMap<object, boolean>()
function hasInitials (fields: Readonly<Record<string, { options: { initial?: unknown } }>>): boolean {
  let has = initialsOf.get(fields)
  if (has === undefined) initialsOf.set(fields, has = Object.values(fields).some((field) => field.options.initial !== undefined))
  return has
}

function settle (value: MaybePromise<void>): void | PromiseLike<void> {
  return isThenable(value) ? value as PromiseLike<void> : undefined
}

/** Clean each form with its class's own stages (fields, clean hooks, `cleanForm`): no query yet. */
export function cleanForms (formset: ModelFormSet<any>): void | Promise<void> {
  const plan = batchPlanOf(formset.meta.FormClass)
  return eachInTurn(formset.forms, (form) => settle(runStages(plan.own, form as ModelForm<any>)))
}

/** The model checks once over every form: one query per foreign key, many-to-many field and unique set. */
export function checkForms (formset: ModelFormSet<any>): MaybePromise<void> {
  const forms = formset.forms as Array<ModelForm<any>>
  const { FormClass, inline } = formset.meta
  const plan = batchPlanOf(FormClass)
  const finish = (): void => { for (const form of forms) form.validated = isClean(form) }
  if (!plan.batched) return finish()
  const parentKey = formset.parentKey
  const checks = [...FormClass.meta.uniqueChecks, ...(inline !== undefined && parentKey !== undefined ? inline.parentChecks : [])]
  const fixed = inline !== undefined && parentKey !== undefined ? { [inline.fk]: parentKey } : undefined
  return then(then(referencesOf(forms), () => manyToManyOf(forms)), () => then(plan.uniqueBatched ? uniqueOf(forms, { checks, ...(fixed !== undefined ? { fixed } : {}) }) : undefined, finish))
}

/** Django's counts: at most `maxNum` items that are not deleted with `validateMax`, at least `minNum` filled in with `validateMin`. */
export function countForms (formset: ModelFormSet<any>): void {
  const { limits } = formset.meta
  const total = formset.items.length
  let deleted = 0
  let empty = 0
  for (const item of formset.items) {
    if (item.kind === 'delete' || item.kind === 'skip') deleted++
    else if (item.kind === 'empty') empty++
  }
  if (limits.validateMax && total - deleted > limits.maxNum) setNonFormErrors(formset, formSetError(formset, 'tooManyForms', { num: limits.maxNum }))
  else if (limits.validateMin && total - deleted - empty < limits.minNum) setNonFormErrors(formset, formSetError(formset, 'tooFewForms', { num: limits.minNum }))
  else return
  formset.done = true
}

/**
 * Django's `BaseModelFormSet.validate_unique`: across the valid items that are not deleted, a
 * value of a unique set (the primary key included) given twice is a non-form error
 * (`Please correct the duplicate data for title.`) and the later item's (`Please correct the
 * duplicate values below.`), its values taken out of its cleaned data.
 */
export function validateUnique (formset: ModelFormSet<any>): void {
  const { FormClass, inline, info } = formset.meta
  const checks: Array<readonly string[]> = [[info.primaryKey], ...FormClass.meta.uniqueChecks.map((c) => c.keys), ...(inline?.parentChecks.map((c) => c.keys) ?? [])]
  const fixed: Row = inline !== undefined ? { [inline.fk]: formset.parentKey ?? '\u0000parent' } : {}
  const valid = formset.items.filter((item) => item.form !== undefined && (item.kind === 'create' || item.kind === 'update') && isClean(item.form))
  const errors: ValidationError[] = []
  for (const keys of checks) {
    const seen = new Set<string>()
    for (const item of valid) {
      const form = item.form!
      const values = keys.length === 1 && keys[0] === info.primaryKey ? (item.kind === 'update' ? [item.key] : undefined) : uniqueValues(keys, form, fixed)
      if (values === undefined) continue
      const text = values.map((value) => keyText(value)).join('\u0000')
      if (seen.has(text)) {
        errors.push(formSetError(formset, keys.length === 1 ? 'duplicate' : 'duplicateTogether', { field: textList([...keys]) }))
        const message = formSetError(formset, 'duplicateValues')
        form.errors[NON_FIELD_ERRORS] = [message.message]
        form.errorCodes[NON_FIELD_ERRORS] = [message.code!]
        for (const key of keys) delete (form.cleanedData as Row)[key]
        form.validated = false
      }
      seen.add(text)
    }
  }
  if (errors.length > 0) {
    setNonFormErrors(formset, new ValidationError(errors))
    formset.done = true
  }
}

/** `cleanFormSet` (Django's `clean()`): gets the forms of the items that write and the formset; its `ValidationError` is a non-form error. */
export function cleanWholeSet (formset: ModelFormSet<any>): void | PromiseLike<void> {
  const clean = formset.meta.cleanFormSet!
  const failed = (error: unknown): void => {
    if (!(error instanceof ValidationError)) throw error
    setNonFormErrors(formset, error)
  }
  let result: unknown
  try {
    result = clean(formset.forms, formset)
  } catch (error) {
    return failed(error)
  }
  return isThenable(result) ? Promise.resolve(result).then(() => undefined, failed) : undefined
}

const plans = new WeakMap<FormSetMeta, readonly FormSetStage[]>()

/** The stages of a formset class, worked out once; a formset with a `permit` asks it after loading the rows. */
export function formSetStages (meta: FormSetMeta, permit = false): readonly FormSetStage[] {
  if (permit) return [readItems, loadRows, permitItems, ...formSetStages(meta).slice(2)]
  let stages = plans.get(meta)
  if (stages === undefined) {
    stages = [readItems, loadRows, makeForms, cleanForms, checkForms as FormSetStage, countForms, validateUnique, ...(meta.cleanFormSet !== undefined ? [cleanWholeSet] : [])]
    plans.set(meta, stages)
  }
  return stages
}
