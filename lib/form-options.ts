/**
 * Turns `modelForm` options into the form's fields, once, when the form is defined: which
 * columns are in, and each field's label, help text, messages and limits.
 */
import type { Table } from 'drizzle-orm'
import { NON_FIELD_ERRORS } from './errors.ts'
import { fields as fieldKinds, type Field } from './fields.ts'
import { capfirst, formatMessage, pickMessage, textList, verboseNameOf, type ErrorMessages } from './messages.ts'
import type { Model } from './model.ts'
import { describe, fieldFor, type TableInfo } from './db/index.ts'

/** The options of `modelForm`, Django's `ModelForm.Meta` plus hooks. */
export interface ModelFormOptions<TTable extends Table = Table> {
  /** The columns in the form, in order, or `'__all__'`; this or `exclude` is required. */
  fields?: ReadonlyArray<ColumnKey<TTable>> | '__all__'
  /** Every editable column but these. */
  exclude?: ReadonlyArray<ColumnKey<TTable>>
  labels?: Partial<Record<string, string>>
  helpTexts?: Partial<Record<string, string>>
  /** Messages per field (and per `'__all__'` for `uniqueTogether`), over the model's and Django's. */
  errorMessages?: Partial<Record<string, ErrorMessages>>
  /** Fields declared on the form: each replaces the derived field of that name, or adds one that is not saved. */
  declared?: Record<string, Field>
  /** `clean_<field>()`: gets the cleaned value and the form; returns the value to keep; may throw `ValidationError`. */
  clean?: Partial<Record<string, (value: any, form: any) => unknown>>
  /** `clean()`: gets the cleaned data and the form after every field; may return new data; may throw `ValidationError` (filed under `__all__`). */
  cleanForm?: (data: Record<string, unknown>, form: any) => unknown
}

/** The keys of a table's columns. */
export type ColumnKey<TTable extends Table> = Extract<keyof TTable['_']['columns'], string>

/** What a form class knows of itself, worked out once at definition time. */
export interface FormMeta {
  readonly model: Model
  readonly info: TableInfo
  readonly options: ModelFormOptions
  readonly baseFields: Readonly<Record<string, Field>>
  /** Form fields that are columns, written by `save()`. */
  readonly saved: readonly string[]
  /** Single-column foreign keys by field: the table and column the value must exist in. */
  readonly references: ReadonlyMap<string, { table: Table, column: string }>
  /** Unique sets whose columns are all in the form, with the message each gives. */
  readonly uniqueChecks: ReadonlyArray<{ keys: readonly string[], field: string, message: string }>
}

/** Checks the options and derives the fields; throws, naming the fix, on a mistake. */
export function buildMeta (model: Model, options: ModelFormOptions): FormMeta {
  const info = describe(model.table)
  const tableName = info.name
  if (typeof options !== 'object' || options === null || (options.fields === undefined && options.exclude === undefined)) {
    throw new Error(`modelForm(${tableName}): name the form's columns with \`fields: [...]\`, \`fields: '__all__'\` or \`exclude: [...]\`.`)
  }
  if (options.fields !== undefined && options.fields !== '__all__' && !Array.isArray(options.fields)) {
    throw new Error(`modelForm(${tableName}): \`fields\` must be a list of column keys or '__all__'.`)
  }
  const declared = options.declared ?? {}
  const editable = Object.keys(info.columns).filter((key) => !info.automatic.has(key) && model.fields[key]?.editable !== false)
  const check = (list: readonly string[], option: string): void => {
    for (const key of list) {
      if (key in declared) continue
      if (!(key in info.columns)) throw new Error(`modelForm(${tableName}): unknown field "${key}" in \`${option}\`; the columns are: ${Object.keys(info.columns).join(', ')}.`)
      if (option === 'fields' && !editable.includes(key)) throw new Error(`modelForm(${tableName}): "${key}" cannot be in \`fields\`: the database fills it in or it is described \`editable: false\`.`)
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

  const baseFields: Record<string, Field> = {}
  for (const key of names) baseFields[key] = deriveField(model, info, options, key)
  const saved = names.filter((key) => key in info.columns && !info.automatic.has(key))
  const references = new Map<string, { table: Table, column: string }>()
  for (const fk of info.foreignKeys) {
    if (fk.columns.length === 1 && saved.includes(fk.columns[0])) references.set(fk.columns[0], { table: fk.foreignTable, column: fk.foreignColumns[0] })
  }
  const modelName = capfirst(model.verboseName)
  const modelLabel = (key: string): string => capfirst(model.fields[key]?.verboseName ?? verboseNameOf(key))
  const uniqueChecks = info.uniques.filter((keys) => keys.every((key) => saved.includes(key))).map((keys) => {
    if (keys.length === 1) {
      const template = pickMessage('unique', [baseFields[keys[0]].options.errorMessages], 'unique')
      return { keys, field: keys[0], message: formatMessage(template, { model_name: modelName, field_label: modelLabel(keys[0]) }) }
    }
    const template = pickMessage('uniqueTogether', [options.errorMessages?.[NON_FIELD_ERRORS]], 'unique')
    return { keys, field: NON_FIELD_ERRORS, message: formatMessage(template, { model_name: modelName, field_labels: textList(keys.map(modelLabel)) }) }
  })
  return { model, info, options, baseFields, saved, references, uniqueChecks }
}

function deriveField (model: Model, info: TableInfo, options: ModelFormOptions, key: string): Field {
  const own = options.declared?.[key]
  const column = info.columns[key]
  const described = model.fields[key] ?? {}
  const messages = { ...described.errorMessages, ...options.errorMessages?.[key], ...own?.options.errorMessages }
  const label = options.labels?.[key] ?? own?.options.label ?? capfirst(described.verboseName ?? verboseNameOf(key))
  const helpText = options.helpTexts?.[key] ?? own?.options.helpText ?? described.helpText
  const common = { label, errorMessages: messages, ...(helpText !== undefined ? { helpText } : {}) }
  if (own !== undefined) return own.extend(common)
  let field = described.formField ?? fieldFor(model.table, column)
  const reference = info.foreignKeys.find((fk) => fk.columns.length === 1 && fk.columns[0] === key)
  if (reference !== undefined) field = fieldKinds.foreignKey({ keyField: field })
  const required = field.kind === 'boolean' ? false : column.notNull && !column.hasDefault
  return field.extend({
    ...common,
    required,
    nullable: !column.notNull,
    ...(described.validators !== undefined ? { validators: described.validators } : {}),
    ...(described.choices !== undefined ? { choices: described.choices } : {})
  })
}
