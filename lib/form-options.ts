/**
 * Turns `modelForm` options into the form's fields, once, when the form is defined: which
 * columns are in, and each field's label, help text, messages and limits.
 */
import { compileForm, type CompiledForm } from './form-compiled.ts'
import type { Table } from 'drizzle-orm'
import { NON_FIELD_ERRORS } from './errors.ts'
import { Field, fieldOf } from './fields/index.ts'
import { capfirst, formatMessage, pickMessage, textList, verboseNameOf, type ErrorMessages } from './messages.ts'
import type { ManyToMany, Model } from './model.ts'
import { checkFieldKeys, codes } from './setup-errors.ts'
import { columnField, describe, type TableInfo } from './db/index.ts'

/** The keys of a table's columns. */
export type ColumnKey<TTable extends Table> = Extract<keyof TTable['_']['columns'], string>

/** The names a form over a table (and its model's many-to-many relations `TRelations`) may list. */
export type FieldKey<TTable extends Table, TRelations extends string = never> = ColumnKey<TTable> | TRelations

/** Declared fields by name. */
export type DeclaredFields = Record<string, Field<any>>

/** The cleaned value a clean hook of field `K` gets: a declared field's value, else the column's insert type. */
export type CleanedValue<TTable extends Table, TDeclared, K> =
  // a record of declared fields with an index signature (not yet inferred) declares no name in particular
  string extends keyof TDeclared ? ColumnValue<TTable, K>
    : K extends keyof TDeclared ? (TDeclared[K] extends Field<infer V> ? V | null | undefined : unknown)
      : ColumnValue<TTable, K>

type ColumnValue<TTable extends Table, K> = TTable extends { $inferInsert: infer I } ? (K extends keyof I ? I[K] : unknown) : unknown

/** The names of a form's fields: the ones listed, and the declared ones. */
export type FormNames<TNames extends string, TDeclared> = NoInfer<TNames> | Extract<keyof NoInfer<TDeclared>, string>

/**
 * The options of `modelForm`, Django's `ModelForm.Meta` plus hooks. `TNames` are the form's
 * fields; every option keyed by field takes only those (and `__all__` for messages).
 */
export interface ModelFormOptions<TTable extends Table = Table, TNames extends string = string, TDeclared extends DeclaredFields = DeclaredFields> {
  /** The columns in the form, in order, or `'__all__'`; this or `exclude` is required. */
  fields?: ReadonlyArray<TNames> | '__all__'
  /** Every editable column (and many-to-many field) but these. */
  exclude?: ReadonlyArray<ColumnKey<TTable> | TNames>
  labels?: Partial<Record<FormNames<TNames, TDeclared>, string>>
  helpTexts?: Partial<Record<FormNames<TNames, TDeclared>, string>>
  /** Messages per field (and per `'__all__'` for `uniqueTogether`), over the model's and Django's. */
  errorMessages?: Partial<Record<FormNames<TNames, TDeclared> | typeof NON_FIELD_ERRORS, ErrorMessages>>
  /** Fields declared on the form: each replaces the derived field of that name, or adds one that is not saved. */
  declared?: TDeclared
  /** `clean_<field>()`: gets the cleaned value and the form; returns the value to keep (or a promise of it); may throw `ValidationError`. */
  clean?: { [K in FormNames<TNames, TDeclared>]?: (value: CleanedValue<TTable, TDeclared, K>, form: any) => unknown }
  /** `clean()`: gets the cleaned data and the form after every field; may return new data (or a promise); may throw `ValidationError` (filed under `__all__`). */
  cleanForm?: (data: Record<string, unknown>, form: any) => unknown
  /** Django's `localized_fields`: fields (or `'__all__'`) whose numbers and dates are also read as the request's language writes them (`1,5`, `1 000`, `01.02.2024` in Russian; `02/01/2024` in English). */
  localizedFields?: ReadonlyArray<FormNames<TNames, TDeclared>> | '__all__'
}

/** What a form class knows of itself, worked out once at definition time. */
export interface FormMeta {
  readonly model: Model
  readonly info: TableInfo
  readonly options: ModelFormOptions<Table, string>
  readonly baseFields: Readonly<Record<string, Field>>
  /** The `clean` hooks, in form order. */
  readonly cleanHooks: ReadonlyArray<readonly [string, (value: any, form: any) => unknown]>
  /** Form fields that are columns, written by `save()`. */
  readonly saved: readonly string[]
  /** The loops over the fields and saved columns, written out once (lib/form-compiled.ts). */
  readonly compiled: CompiledForm
  /** Single-column foreign keys by field: the table and column the value must exist in. */
  readonly references: ReadonlyMap<string, { table: Table, column: string }>
  /** The same, as a list in form order. */
  readonly referenceList: ReadonlyArray<readonly [string, { table: Table, column: string }]>
  /** Unique sets whose columns are all in the form, with the message each gives and its code. */
  readonly uniqueChecks: readonly UniqueCheck[]
  /** The many-to-many fields of the form, in form order, with their relations. */
  readonly manyToMany: ReadonlyArray<readonly [string, ManyToMany]>
  /** Saved fields of a file kind, in form order: their uploads are stored by the save, their keys written. */
  readonly fileFields: readonly string[]
}

/** One unique (or unique-together) set a form checks, with the message it gives and that message's code. */
export interface UniqueCheck {
  readonly keys: readonly string[]
  readonly field: string
  readonly message: string
  readonly code: 'unique' | 'uniqueTogether'
}

/** Checks the options and derives the fields; throws, naming the fix, on a mistake. */
export function buildMeta (model: Model, options: ModelFormOptions<Table, string>): FormMeta {
  const info = describe(model.table)
  const tableName = info.name
  if (typeof options !== 'object' || options === null || (options.fields === undefined && options.exclude === undefined)) {
    throw new codes.FFR_ERR_FORM_NO_FIELDS(tableName)
  }
  if (options.fields !== undefined && options.fields !== '__all__' && !Array.isArray(options.fields)) {
    throw new codes.FFR_ERR_FORM_FIELDS_TYPE(tableName)
  }
  const declared = options.declared ?? {}
  const relations = model.manyToMany ?? {}
  const editable = [...Object.keys(info.columns).filter((key) => !info.automatic.has(key) && model.fields[key]?.editable !== false), ...Object.keys(relations)]
  const check = (list: readonly string[], option: string): void => {
    for (const key of list) {
      if (key in declared || key in relations) continue
      if (!(key in info.columns)) throw new codes.FFR_ERR_UNKNOWN_FIELD(`modelForm(${tableName})`, key, option, [...editable, ...Object.keys(declared)])
      if (option === 'fields' && !editable.includes(key)) throw new codes.FFR_ERR_FIELD_NOT_EDITABLE(tableName, key)
    }
  }
  let names: string[]
  if (options.fields === undefined || options.fields === '__all__') {
    check(options.exclude ?? [], 'exclude')
    names = editable.filter((key) => !(options.exclude ?? []).includes(key as never))
  } else {
    check(options.fields, 'fields')
    names = [...options.fields]
  }
  for (const key of Object.keys(declared)) if (!names.includes(key)) names.push(key)
  const where = `modelForm(${tableName})`
  for (const option of ['labels', 'helpTexts', 'clean'] as const) checkFieldKeys(where, option, options[option], names)
  checkFieldKeys(where, 'errorMessages', options.errorMessages, names, [NON_FIELD_ERRORS])

  const baseFields: Record<string, Field> = {}
  for (const key of names) baseFields[key] = deriveField(model, info, options, key)
  const localized = options.localizedFields
  if (localized !== undefined && localized !== '__all__') checkFieldKeys(where, 'localizedFields', Object.fromEntries(localized.map((key) => [key, true])), names)
  for (const key of localized === '__all__' ? names : localized ?? []) baseFields[key] = baseFields[key].extend({ localize: true })
  const saved = names.filter((key) => key in info.columns && !info.automatic.has(key))
  const manyToMany = names.filter((key) => key in relations).map((key) => [key, relations[key]] as const)
  const references = new Map<string, { table: Table, column: string }>()
  for (const fk of info.foreignKeys) {
    if (fk.columns.length === 1 && saved.includes(fk.columns[0])) references.set(fk.columns[0], { table: fk.foreignTable, column: fk.foreignColumns[0] })
  }
  const uniqueChecks = uniqueChecksOf(model, info, baseFields, options, saved)
  const fileFields = saved.filter((key) => baseFields[key].spec.fromFiles === true)
  for (const key of fileFields) {
    const kind = columnField(model.table, info.columns[key]).kind
    if (kind !== 'string') throw new codes.FFR_ERR_FILE_COLUMN(tableName, key, kind)
  }
  const cleanHooks = names.filter((key) => typeof options.clean?.[key] === 'function').map((key) => [key, options.clean![key]!] as const)
  return { model, info, options, baseFields, compiled: compileForm(baseFields, saved, info.columns), cleanHooks, saved, references, referenceList: names.filter((key) => references.has(key)).map((key) => [key, references.get(key)!] as const), uniqueChecks, manyToMany, fileFields }
}

/**
 * The unique checks of the table's unique sets whose keys are all among `keys` (the form's
 * saved columns, plus an inline formset's key to its parent), with Django's messages.
 */
export function uniqueChecksOf (model: Model, info: TableInfo, baseFields: Readonly<Record<string, Field>>, options: ModelFormOptions<Table, string>, keys: readonly string[]): UniqueCheck[] {
  const modelName = capfirst(model.verboseName)
  const modelLabel = (key: string): string => capfirst(model.fields[key]?.verboseName ?? verboseNameOf(key))
  return info.uniques.filter((set) => set.every((key) => keys.includes(key))).map((set) => {
    // the message is made when asked: a default one speaks the language of the request at hand
    if (set.length === 1) {
      return {
        keys: set,
        field: set[0],
        code: 'unique' as const,
        get message () {
          const template = baseFields[set[0]]?.message('unique') ?? pickMessage('unique', [model.fields[set[0]]?.errorMessages])
          return formatMessage(template, { model_name: modelName, field_label: modelLabel(set[0]) })
        }
      }
    }
    return {
      keys: set,
      field: NON_FIELD_ERRORS,
      code: 'uniqueTogether' as const,
      get message () {
        const template = pickMessage('uniqueTogether', [options.errorMessages?.[NON_FIELD_ERRORS]])
        return formatMessage(template, { model_name: modelName, field_labels: textList(set.map(modelLabel)) })
      }
    }
  })
}

function deriveField (model: Model, info: TableInfo, options: ModelFormOptions<Table, string>, key: string): Field {
  const own = options.declared?.[key]
  const relation = model.manyToMany?.[key]
  if (relation !== undefined && own === undefined) return relationField(relation, options, key)
  const column = info.columns[key]
  const described = model.fields[key] ?? {}
  const messages = { ...described.errorMessages, ...options.errorMessages?.[key], ...own?.options.errorMessages }
  const label = options.labels?.[key] ?? own?.options.label ?? capfirst(described.verboseName ?? verboseNameOf(key))
  const helpText = options.helpTexts?.[key] ?? own?.options.helpText ?? described.helpText
  const common = { label, errorMessages: messages, ...(helpText !== undefined ? { helpText } : {}) }
  if (own !== undefined) return own.extend(common)
  let field = described.formField ?? fieldOf(columnField(model.table, column))
  const reference = info.foreignKeys.find((fk) => fk.columns.length === 1 && fk.columns[0] === key)
  if (reference !== undefined) field = new Field('foreignKey', { keyField: field })
  const required = field.kind === 'boolean' ? false : column.notNull && !column.hasDefault
  return field.extend({
    ...common,
    required,
    nullable: !column.notNull,
    ...(described.validators !== undefined ? { validators: described.validators } : {}),
    ...(described.choices !== undefined ? { choices: described.choices } : {})
  })
}

/** The field of a many-to-many relation (Django's `ModelMultipleChoiceField`): each key converted by the related column's field. */
function relationField (relation: ManyToMany, options: ModelFormOptions<Table, string>, key: string): Field {
  const target = describe(relation.targetTable)
  const keyField = fieldOf(columnField(relation.targetTable, target.columns[relation.targetColumn]))
  const { verboseName, helpText, errorMessages, required = false } = relation.options
  const text = options.helpTexts?.[key] ?? helpText
  return new Field('modelMultipleChoice', {
    keyField,
    required,
    label: options.labels?.[key] ?? capfirst(verboseName ?? verboseNameOf(key)),
    errorMessages: { ...errorMessages, ...options.errorMessages?.[key] },
    ...(text !== undefined ? { helpText: text } : {})
  })
}
