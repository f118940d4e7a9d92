/**
 * What a formset class knows of itself, worked out once when it is defined: its form class,
 * Django's limits, the rules for reading items, its messages and, for an inline formset, the
 * child's key to the parent and the unique sets that include it.
 */
import { is, Table } from 'drizzle-orm'
import { Field, fieldOf, fields } from './fields/index.ts'
import { ModelForm } from './form.ts'
import { modelForm, type ModelFormClass } from './form-class.ts'
import { uniqueChecksOf, type ModelFormOptions, type UniqueCheck } from './form-options.ts'
import type { ItemRules } from './formset-items.ts'
import type { KindMessages } from './messages.ts'
import { toModel, type Model } from './model.ts'
import { checkFieldKeys, codes } from './setup-errors.ts'
import { columnField, describe, type TableInfo } from './db/index.ts'

/** The formset's own message keys (Django's formset messages in camelCase). */
export type FormSetMessageKey = 'missingManagementForm' | 'tooManyForms' | 'tooFewForms' | 'duplicate' | 'duplicateValues' | 'inlineMismatch'

/** Django's formset messages, word for word; `duplicate` has a second wording for a set of several fields. */
export const FORMSET_MESSAGES: KindMessages = {
  missingManagementForm: 'ManagementForm data is missing or has been tampered with. Missing fields: %(field_names)s. You may need to file a bug report if the issue persists.',
  tooManyForms: ['Please submit at most %(num)d form.', 'Please submit at most %(num)d forms.', 'num'],
  tooFewForms: ['Please submit at least %(num)d form.', 'Please submit at least %(num)d forms.', 'num'],
  duplicate: 'Please correct the duplicate data for %(field)s.',
  duplicateTogether: 'Please correct the duplicate data for %(field)s, which must be unique.',
  duplicateValues: 'Please correct the duplicate values below.',
  inlineMismatch: 'The inline value did not match the parent instance.'
}

/** Django's formset options, and the formset's messages. */
export interface FormSetLimits<TTable extends Table = Table, TNames extends string = string> {
  /** The form class of every item (Django's `form`); else one is made from `fields` / `exclude`. */
  form?: ModelFormClass<TTable, any>
  /** Extra blank forms a page renders (Django's `extra`, 1); binding does not use it. */
  extra?: number
  /** Whether an item may ask to be deleted (`"DELETE": true`, `books-0-DELETE=on`). */
  canDelete?: boolean
  /** 1000 by default; checked only with `validateMax`. */
  maxNum?: number
  validateMax?: boolean
  /** 0 by default; checked only with `validateMin`. */
  minNum?: number
  validateMin?: boolean
  /** The most items accepted at all, refused before any form is made: `maxNum + 1000` by default. */
  absoluteMax?: number
  /** Items without a key are validated but never created (Django's `edit_only`). */
  editOnly?: boolean
  /** Django's `clean()`: gets the forms of the items that write and the formset, after every other check; its `ValidationError` is a non-form error. */
  cleanFormSet?: (forms: Array<ModelForm<TTable, TNames>>, formset: any) => unknown
  /** The prefix of the names (`form` by default, an inline formset's the child table's name). */
  prefix?: string
  /** The formset's own messages, over Django's. */
  formsetMessages?: Partial<Record<FormSetMessageKey, string>>
}

/** Options of `modelFormSet`: Django's formset options and `modelForm`'s. */
export type FormSetOptions<TTable extends Table = Table, TNames extends string = string> =
  FormSetLimits<TTable, TNames> & Omit<ModelFormOptions<TTable, TNames>, 'fields' | 'exclude'> & { fields?: ReadonlyArray<TNames> | '__all__', exclude?: readonly string[] }

/** Options of `inlineFormSet`: `modelFormSet`'s, and `fk`, the child's key to the parent (Django's `fk_name`). */
export type InlineOptions<TChild extends Table = Table, TNames extends string = string> = FormSetOptions<TChild, TNames> & { fk?: Extract<keyof TChild['_']['columns'], string> }

/** An inline formset's parent: its table, the child's key to it, and the parent column that key holds. */
export interface InlineMeta {
  readonly parent: Model
  readonly fk: string
  readonly parentKey: string
  /** The unique sets of the child that include its key to the parent: checked with the parent's key as that value. */
  readonly parentChecks: readonly UniqueCheck[]
}

/** What a formset class knows of itself. */
export interface FormSetMeta {
  readonly FormClass: ModelFormClass<any, any>
  readonly info: TableInfo
  readonly model: Model
  readonly limits: Required<Pick<FormSetLimits, 'extra' | 'canDelete' | 'maxNum' | 'validateMax' | 'minNum' | 'validateMin' | 'absoluteMax' | 'editOnly'>>
  readonly cleanFormSet?: FormSetLimits['cleanFormSet']
  readonly prefix: string
  readonly messages: Partial<Record<string, string>>
  readonly rules: ItemRules
  readonly inline?: InlineMeta
}

const LIMIT_KEYS = ['form', 'extra', 'canDelete', 'maxNum', 'validateMax', 'minNum', 'validateMin', 'absoluteMax', 'editOnly', 'cleanFormSet', 'prefix', 'formsetMessages', 'fk'] as const

function isFormClass (value: unknown): value is ModelFormClass<any, any> {
  return typeof value === 'function' && (value as { prototype?: unknown }).prototype instanceof ModelForm
}

/** Checks a formset's options and works out its meta; throws, naming the fix, on a mistake. */
export function formSetMeta (source: unknown, options: InlineOptions<Table, string>, parent?: unknown): FormSetMeta {
  const formOptions: Record<string, unknown> = {}
  for (const key in options) if (!(LIMIT_KEYS as readonly string[]).includes(key)) formOptions[key] = (options as Record<string, unknown>)[key]
  const given = isFormClass(source) ? source : options.form
  const model = given !== undefined ? given.meta.model : toModel(source as Table)
  if (given !== undefined && options.form !== undefined && !isFormClass(source) && options.form.meta.info.table !== model.table) throw new codes.FFR_ERR_RESOURCE_FORM_TABLE(`formset(${describe(model.table).name})`)
  const info = describe(model.table)
  const inline = parent === undefined ? undefined : inlineOf(parent, model, info, options)
  if (inline !== undefined && given === undefined) {
    // as Django's inline formsets: the key to the parent is never a field of the child's form
    if (Array.isArray(formOptions.fields)) formOptions.fields = (formOptions.fields as string[]).filter((key) => key !== inline.fk)
    else formOptions.exclude = [...new Set([...(formOptions.exclude as string[] | undefined ?? []), inline.fk])]
  }
  const FormClass = given ?? modelForm(model, formOptions as ModelFormOptions<Table, string>)
  if (inline !== undefined && inline.fk in FormClass.baseFields) throw new codes.FFR_ERR_INLINE_FK_IN_FORM(info.name, inline.fk)
  const maxNum = options.maxNum ?? 1000
  const absoluteMax = options.absoluteMax ?? maxNum + 1000
  for (const [key, value] of Object.entries({ maxNum, absoluteMax, minNum: options.minNum ?? 0, extra: options.extra ?? 1 })) {
    if (!Number.isSafeInteger(value) || value < 0) throw new codes.FFR_ERR_FORMSET_LIMIT(info.name, key)
  }
  if (maxNum > absoluteMax) throw new codes.FFR_ERR_FORMSET_ABSOLUTE_MAX(info.name, maxNum, absoluteMax)
  checkFieldKeys(`formset(${info.name})`, 'formsetMessages', options.formsetMessages, Object.keys(FORMSET_MESSAGES).filter((key) => key !== 'duplicateTogether'))
  const pk = info.columns[info.primaryKey]
  const meta: FormSetMeta = {
    FormClass,
    info,
    model,
    limits: { extra: options.extra ?? 1, canDelete: options.canDelete ?? false, maxNum, validateMax: options.validateMax ?? false, minNum: options.minNum ?? 0, validateMin: options.validateMin ?? false, absoluteMax, editOnly: options.editOnly ?? false },
    prefix: options.prefix ?? (inline !== undefined ? info.name : 'form'),
    messages: { ...options.formsetMessages },
    rules: {
      primaryKey: info.primaryKey,
      keyField: new Field('foreignKey', { keyField: fieldOf(columnField(model.table, pk)) }),
      deleteField: fields.boolean({ label: 'Delete' }),
      canDelete: options.canDelete ?? false,
      minNum: options.minNum ?? 0,
      fields: FormClass.baseFields
    },
    ...(options.cleanFormSet !== undefined ? { cleanFormSet: options.cleanFormSet } : {}),
    ...(inline !== undefined ? { inline: { ...inline, parentChecks: uniqueChecksOf(model, info, FormClass.baseFields, FormClass.meta.options, [...FormClass.meta.saved, inline.fk]).filter((check) => check.keys.includes(inline.fk)) } } : {})
  }
  return meta
}

/** The child's key to the parent: `fk`, or the one foreign key of the child to the parent's table. */
function inlineOf (parent: unknown, child: Model, info: TableInfo, options: InlineOptions<Table, string>): Omit<InlineMeta, 'parentChecks'> {
  if (!is(parent, Table) && !is((parent as Model | undefined)?.table, Table)) throw new codes.FFR_ERR_NOT_A_TABLE()
  const parentModel = toModel(parent as Table)
  const keys = info.foreignKeys.filter((fk) => fk.foreignTable === parentModel.table && fk.columns.length === 1)
  const chosen = options.fk !== undefined ? keys.find((fk) => fk.columns[0] === options.fk) : keys.length === 1 ? keys[0] : undefined
  if (chosen === undefined) throw new codes.FFR_ERR_INLINE_FK(info.name, describe(parentModel.table).name, keys.map((fk) => fk.columns[0]), options.fk)
  return { parent: parentModel, fk: chosen.columns[0], parentKey: chosen.foreignColumns[0] }
}
