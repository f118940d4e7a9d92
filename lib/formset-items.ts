/**
 * The items of a formset as a request sends them: a JSON array of objects, or an HTML form body
 * with Django's management form (`books-TOTAL_FORMS`, `books-INITIAL_FORMS`, `books-0-title`,
 * `books-0-id`, `books-0-DELETE=on`). Each item is classified, as Django's formset does: an
 * update or delete of the row its key names, a create, or an extra form left empty.
 */
import { NON_FIELD_ERRORS, ValidationError, type ErrorDict } from './errors.ts'
import type { Field } from './fields/index.ts'
import type { ModelForm } from './form.ts'
import type { Row } from './db/index.ts'

/** Django's names of the management form's fields and of the deletion field. */
export const TOTAL_FORMS = 'TOTAL_FORMS'
export const INITIAL_FORMS = 'INITIAL_FORMS'
export const DELETE = 'DELETE'

/** What a formset does with one item. */
export type ItemKind = 'create' | 'update' | 'delete' | 'empty' | 'skip' | 'invalid'

/**
 * One item of a formset: its data and files, what it does (`create`, `update`, `delete`;
 * `empty` for an extra HTML form left blank, `skip` for a new item marked for deletion,
 * `invalid` for one whose key names no row), the row it names and its form.
 */
export interface FormSetItem {
  readonly index: number
  kind: ItemKind
  readonly data: Record<string, unknown>
  /** The item's files: the request's files named `<prefix>-<index>-<field>`, by field. */
  readonly files: Record<string, unknown>
  /** The key of the row it updates or deletes. */
  key?: unknown
  instance?: Row
  form?: ModelForm<any>
  /** Errors of an item without a form (a key that names no row); its form's errors otherwise. */
  errors: ErrorDict
  errorCodes: ErrorDict
}

/** How items are read: the key field (Django's model choice field over the rows), the deletion field, and the limits. */
export interface ItemRules {
  readonly primaryKey: string
  readonly keyField: Field
  readonly deleteField: Field
  readonly canDelete: boolean
  readonly minNum: number
  readonly fields: Readonly<Record<string, Field>>
}

/** The management form read from an HTML body: the items (only their count when past `limit`), how many are initial, and the fields missing or not numbers. */
export function readManagement (data: Readonly<Record<string, unknown>>, prefix: string, limit: number): { items: Array<Record<string, unknown>>, total: number, initial: number, missing: string[] } {
  const count = (name: string): number | undefined => {
    const raw = data[`${prefix}-${name}`]
    const text = Array.isArray(raw) ? raw[raw.length - 1] : raw
    return typeof text === 'string' && /^\s*\d+\s*$/.test(text) ? Number(text) : typeof text === 'number' && Number.isSafeInteger(text) && text >= 0 ? text : undefined
  }
  const total = count(TOTAL_FORMS)
  const initial = count(INITIAL_FORMS)
  const missing = [...(total === undefined ? [TOTAL_FORMS] : []), ...(initial === undefined ? [INITIAL_FORMS] : [])].map((name) => `${prefix}-${name}`)
  if (total === undefined || initial === undefined) return { items: [], total: 0, initial: 0, missing }
  // a count past the limit is refused before anything is built for it
  if (total > limit) return { items: [], total, initial, missing }
  const items: Array<Record<string, unknown>> = Array.from({ length: total }, () => ({}))
  const start = `${prefix}-`
  for (const name in data) {
    if (!name.startsWith(start)) continue
    const dash = name.indexOf('-', start.length)
    if (dash < 0) continue
    const index = name.slice(start.length, dash)
    if (!/^\d+$/.test(index) || Number(index) >= total) continue
    items[Number(index)][name.slice(dash + 1)] = data[name]
  }
  return { items, total, initial: Math.min(initial, total), missing }
}

/** The files of item `index`: those named `<prefix>-<index>-<field>`, by field (the seam for file fields in formsets). */
export function itemFiles (files: Readonly<Record<string, unknown>>, prefix: string, index: number): Record<string, unknown> {
  const start = `${prefix}-${index}-`
  let out: Record<string, unknown> | undefined
  for (const name in files) if (name.startsWith(start)) (out ??= {})[name.slice(start.length)] = files[name]
  return out ?? NO_FILES
}

const NO_FILES: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>
// most items never have errors of their own: one frozen object for all of them, replaced on the first
const NO_ERRORS: ErrorDict = Object.freeze({}) as ErrorDict

function blank (value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.every((v) => v === ''))
}

/** A checkbox's value as Django's `CheckboxInput` reads it: the last of repeated values; `false`, `0`, `off` and empty are false. */
function checked (value: unknown): boolean {
  const last = Array.isArray(value) ? value[value.length - 1] : value
  if (typeof last === 'boolean') return last
  return !['false', '0', 'off', ''].includes(String(last ?? '').toLowerCase())
}

/** Whether an extra HTML form was filled in (Django's `has_changed()`): a field given a value other than its initial one. */
function changed (data: Readonly<Record<string, unknown>>, rules: ItemRules): boolean {
  for (const name in data) {
    if (name === DELETE || name === rules.primaryKey || !(name in rules.fields) || blank(data[name])) continue
    const field = rules.fields[name]
    const initial = field.initialValue()
    if (field.kind === 'boolean') {
      // a checkbox's hidden `false` (or an unticked box the browser helper sends) is no change, as Django's CheckboxInput
      if (checked(data[name]) !== (initial === true)) return true
    } else if (String(data[name]) !== String(initial ?? '')) return true
  }
  return false
}

/**
 * Classifies one item. `initial` is the management form's count of initial forms (undefined for
 * a JSON array: an item with a key updates, one without creates); with `createOnly` every item
 * creates. A key is converted by the key field; one that does not convert is the item's error.
 */
export function classify (raw: unknown, index: number, files: Record<string, unknown>, rules: ItemRules, initial: number | undefined, createOnly = false): FormSetItem {
  const isObject = typeof raw === 'object' && raw !== null && !Array.isArray(raw)
  const data = isObject ? raw as Record<string, unknown> : {}
  const item: FormSetItem = { index, kind: 'create', data, files, errors: NO_ERRORS, errorCodes: NO_ERRORS }
  if (!isObject) return refuse(item, NON_FIELD_ERRORS, new ValidationError('Enter a valid value.', { code: 'invalid' }))
  let deleting = false
  if (rules.canDelete && Object.hasOwn(data, DELETE)) {
    try {
      deleting = rules.deleteField.clean(data[DELETE]) === true
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return refuse(item, DELETE, error)
    }
  }
  const existing = !createOnly && (initial !== undefined ? index < initial : !blank(data[rules.primaryKey]))
  if (!existing) {
    if (deleting) item.kind = 'skip'
    else if (initial !== undefined && index >= rules.minNum && !changed(data, rules)) item.kind = 'empty'
    return item
  }
  try {
    item.key = rules.keyField.clean(data[rules.primaryKey])
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error
    return refuse(item, rules.primaryKey, error)
  }
  item.kind = deleting ? 'delete' : 'update'
  return item
}

/** Files an error on an item without a form, which makes it `invalid`. */
export function refuse (item: FormSetItem, field: string, error: ValidationError): FormSetItem {
  item.kind = 'invalid'
  if (item.errors === NO_ERRORS) {
    item.errors = {}
    item.errorCodes = {}
  }
  const messages = error.toErrorDict(field)
  const codes = error.toCodeDict(field)
  for (const key in messages) {
    (item.errors[key] ??= []).push(...messages[key])
    ;(item.errorCodes[key] ??= []).push(...codes[key])
  }
  return item
}
