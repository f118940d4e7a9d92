import { getTableColumns, getTableName, is, Table, type Column } from 'drizzle-orm'
import type { Field } from './fields/index.ts'
import type { ErrorMessages } from './messages.ts'
import { verboseNameOf } from './messages.ts'
import { checkFieldKeys, codes } from './setup-errors.ts'
import { describeJunction, type Row } from './db/index.ts'

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

/**
 * A many-to-many relation through a junction table (Django's `ManyToManyField(through=...)`):
 * `source` is the junction's column that refers to this table's primary key, `target` the one
 * that refers to the related table (its `.references()` names that table).
 */
export interface ManyToManyOptions {
  through: Table
  source: Column
  target: Column
  /** Values for the junction's other NOT NULL columns without defaults (Django's `through_defaults`). */
  throughDefaults?: Row
  verboseName?: string
  helpText?: string
  errorMessages?: ErrorMessages
  /** Whether the form needs at least one key (Django's `blank=False`); default `false`: an empty set is allowed. */
  required?: boolean
}

/** A many-to-many relation as forms and resources use it, by property keys. */
export interface ManyToMany {
  readonly name: string
  readonly through: Table
  /** The junction's key (property name) that refers to this table. */
  readonly source: string
  /** The junction's key that refers to the related table. */
  readonly target: string
  /** The related table and its column the target refers to. */
  readonly targetTable: Table
  readonly targetColumn: string
  readonly defaults?: Row
  readonly options: ManyToManyOptions
}

/** Options of `defineModel` (Django's `Meta` plus per-field options and many-to-many relations). */
export interface ModelOptions<TTable extends Table, TRelations extends string = string> {
  /** Singular name, lower case as Django's (`author`); defaults to the table name made singular. */
  verboseName?: string
  verboseNamePlural?: string
  fields?: { [K in keyof TTable['_']['columns']]?: ModelFieldOptions }
  /** Many-to-many relations by field name, each through a junction table. */
  manyToMany?: Record<TRelations, ManyToManyOptions>
}

/** A Drizzle table with the options Drizzle has no place for; `TRelations` are its many-to-many field names. */
export interface Model<TTable extends Table = Table, TRelations extends string = string> {
  readonly table: TTable
  readonly verboseName: string
  readonly verboseNamePlural: string
  readonly fields: Readonly<Partial<Record<string, ModelFieldOptions>>>
  readonly manyToMany: Readonly<Record<string, ManyToMany>>
  /** Type-only: the many-to-many field names. */
  readonly __relations?: TRelations
}

/**
 * Describes a Drizzle table as a Django model: verbose names, help texts, messages and
 * `editable: false` per column, and many-to-many relations through junction tables. Gets the
 * table and the options; returns a `Model` that `modelForm`, formsets and resources take wherever
 * they take a table. Throws at once on an unknown column key and on a relation the junction
 * cannot carry (see `FFR_ERR_M2M_*`).
 */
export function defineModel<TTable extends Table, const TRelations extends string = never> (table: TTable, options: ModelOptions<TTable, TRelations> = {}): Model<TTable, TRelations> {
  if (!is(table, Table)) throw new codes.FFR_ERR_NOT_A_TABLE()
  const columns = getTableColumns(table)
  const tableName = getTableName(table)
  checkFieldKeys(`defineModel(${tableName})`, 'fields', options.fields, Object.keys(columns))
  const verboseName = options.verboseName ?? singular(verboseNameOf(tableName))
  const manyToMany: Record<string, ManyToMany> = {}
  for (const [name, relation] of Object.entries<ManyToManyOptions>(options.manyToMany ?? {} as Record<string, ManyToManyOptions>)) {
    if (name in columns) throw new codes.FFR_ERR_M2M_NAME_TAKEN(tableName, name)
    manyToMany[name] = relationOf(table, name, relation)
  }
  return {
    table,
    verboseName,
    verboseNamePlural: options.verboseNamePlural ?? `${verboseName}s`,
    fields: options.fields ?? {},
    manyToMany
  }
}

/** Checks a many-to-many relation against its junction table and resolves it to property keys. */
function relationOf (table: Table, name: string, relation: ManyToManyOptions): ManyToMany {
  const where = `defineModel(${getTableName(table)}).manyToMany.${name}`
  if (relation === null || typeof relation !== 'object' || !is(relation.through, Table)) throw new codes.FFR_ERR_M2M_THROUGH(where)
  const junction = describeJunction(relation.through)
  const keyOf = (column: Column | undefined, role: string): string => {
    const key = Object.keys(junction.columns).find((k) => junction.columns[k] === column)
    if (key === undefined) throw new codes.FFR_ERR_M2M_COLUMN(where, role, junction.name)
    return key
  }
  const source = keyOf(relation.source, 'source')
  const target = keyOf(relation.target, 'target')
  const reference = junction.foreignKeys.find((fk) => fk.columns.length === 1 && fk.columns[0] === target)
  if (reference === undefined) throw new codes.FFR_ERR_M2M_TARGET_REFERENCE(where, target)
  if (!junction.uniques.some((keys) => keys.length === 2 && keys.includes(source) && keys.includes(target))) {
    throw new codes.FFR_ERR_M2M_THROUGH_UNIQUE(where, junction.name, source, target)
  }
  const defaults = relation.throughDefaults
  checkFieldKeys(where, 'throughDefaults', defaults, Object.keys(junction.columns).filter((k) => k !== source && k !== target))
  const missing = junction.required.filter((key) => key !== source && key !== target && (defaults === undefined || !Object.hasOwn(defaults, key)))
  if (missing.length > 0) throw new codes.FFR_ERR_M2M_THROUGH_COLUMNS(where, junction.name, missing)
  return { name, through: relation.through, source, target, targetTable: reference.foreignTable, targetColumn: reference.foreignColumns[0], ...(defaults !== undefined ? { defaults } : {}), options: relation }
}

/** Returns the model for a table or model (a plain table gets the default names). */
export function toModel<TTable extends Table> (tableOrModel: TTable | Model<TTable, any>): Model<TTable, any> {
  return is(tableOrModel, Table) ? defineModel(tableOrModel as TTable) : tableOrModel as Model<TTable>
}

function singular (name: string): string {
  if (name.endsWith('ies')) return `${name.slice(0, -3)}y`
  if (/(ss|us)$/.test(name)) return name
  // "statuses", "boxes", "matches", but not "houses", "courses" or "sizes"
  if (/(ss|[^aeiou]us|x|zz|ch|sh)es$/.test(name)) return name.slice(0, -2)
  return name.endsWith('s') ? name.slice(0, -1) : name
}
