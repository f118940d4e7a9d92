import { getTableColumns, getTableName, is, Table } from 'drizzle-orm'
import type { Field } from './fields/index.ts'
import type { ErrorMessages } from './messages.ts'
import { verboseNameOf } from './messages.ts'
import { checkFieldKeys, codes } from './setup-errors.ts'

/** Model-level options for one column (Django's model field options). */
export interface ModelFieldOptions {
  /** The label (Django's `verbose_name`); defaults to the key spelled out: `birthDate` → `Birth date`. */
  verboseName?: string
  helpText?: string
  errorMessages?: ErrorMessages
  /** `false` keeps the column out of every form; it is never written from a request. */
  editable?: boolean
  /** Extra checks on the cleaned value; each may throw `ValidationError`. */
  validators?: ReadonlyArray<(value: any) => void>
  /** The form field to use instead of the one derived from the column (a `date` stored as text, say). */
  formField?: Field
  /** Choices for a column Drizzle has none for: values or `[value, label]` pairs. */
  choices?: ReadonlyArray<string | number | readonly [string | number, string]>
}

/** Options of `defineModel` (Django's `Meta` plus per-field options). */
export interface ModelOptions<TTable extends Table> {
  /** Singular name, lower case as Django's (`author`); defaults to the table name made singular. */
  verboseName?: string
  verboseNamePlural?: string
  fields?: { [K in keyof TTable['_']['columns']]?: ModelFieldOptions }
}

/** A Drizzle table with the options Drizzle has no place for. */
export interface Model<TTable extends Table = Table> {
  readonly table: TTable
  readonly verboseName: string
  readonly verboseNamePlural: string
  readonly fields: Readonly<Partial<Record<string, ModelFieldOptions>>>
}

/**
 * Describes a Drizzle table as a Django model: verbose names, help texts, messages and
 * `editable: false` per column. Gets the table and the options; returns a `Model` that
 * `modelForm` and resources take wherever they take a table. Throws on an unknown column key.
 */
export function defineModel<TTable extends Table> (table: TTable, options: ModelOptions<TTable> = {}): Model<TTable> {
  if (!is(table, Table)) throw new codes.FFR_ERR_NOT_A_TABLE()
  const columns = getTableColumns(table)
  checkFieldKeys(`defineModel(${getTableName(table)})`, 'fields', options.fields, Object.keys(columns))
  const verboseName = options.verboseName ?? singular(verboseNameOf(getTableName(table)))
  return {
    table,
    verboseName,
    verboseNamePlural: options.verboseNamePlural ?? `${verboseName}s`,
    fields: options.fields ?? {}
  }
}

/** Returns the model for a table or model (a plain table gets the default names). */
export function toModel<TTable extends Table> (tableOrModel: TTable | Model<TTable>): Model<TTable> {
  return is(tableOrModel, Table) ? defineModel(tableOrModel as TTable) : tableOrModel as Model<TTable>
}

function singular (name: string): string {
  if (name.endsWith('ies')) return `${name.slice(0, -3)}y`
  if (/(ss|us)$/.test(name)) return name
  // "statuses", "boxes", "matches", but not "houses", "courses" or "sizes"
  if (/(ss|[^aeiou]us|x|zz|ch|sh)es$/.test(name)) return name.slice(0, -2)
  return name.endsWith('s') ? name.slice(0, -1) : name
}
