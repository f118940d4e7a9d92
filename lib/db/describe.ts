import { getTableColumns, getTableName, type Column, type Table } from 'drizzle-orm'
import { codes } from '../setup-errors.ts'
import { pgDialect } from './pg-dialect.ts'
import { sqliteDialect } from './sqlite-dialect.ts'
import type { ColumnField, ForeignKeyInfo, TableInfo } from './types.ts'

/** The parts of a dialect's table config that `describe` reads. */
export interface TableConfig {
  readonly foreignKeys: ReadonlyArray<{ getName (): string, reference (): { columns: Column[], foreignColumns: Column[], foreignTable: Table } }>
  readonly uniqueConstraints: ReadonlyArray<{ getName (): string | undefined, columns: Column[] }>
  readonly primaryKeys: ReadonlyArray<{ getName (): string, columns: Column[] }>
  readonly indexes: ReadonlyArray<{ config: { name: string, unique: boolean, columns: unknown[] } }>
}

/** What a dialect tells about its tables, without a database connection. */
export interface Dialect {
  /** Whether the table is of this dialect (`sqliteTable`, `pgTable`). */
  owns (table: Table): boolean
  tableConfig (table: Table): TableConfig
  /** Column kind (Drizzle's `columnType`) → the form field it maps to, as data. */
  readonly kinds: Record<string, (column: any) => ColumnField>
  /** Whether the database assigns the column by itself (besides generated and identity columns). */
  isAutoIncrement (column: Column, primaryKeys: readonly Column[]): boolean
}

/** The dialects, by the tables they own. */
const DIALECTS: readonly Dialect[] = [sqliteDialect, pgDialect]
const infos = new WeakMap<Table, TableInfo>()

function dialectOf (table: Table): Dialect {
  const dialect = DIALECTS.find((d) => d.owns(table))
  if (dialect === undefined) throw new codes.FFR_ERR_TABLE_DIALECT(getTableName(table))
  return dialect
}

/** Returns the form field a column maps to, as data; throws, naming the fix, for a kind with no mapping. */
export function columnField (table: Table, column: Column): ColumnField {
  const make = dialectOf(table).kinds[column.columnType]
  if (make === undefined) throw new codes.FFR_ERR_COLUMN_NO_FIELD(column.name, column.columnType)
  return make(column)
}

/** What a junction table of a many-to-many relation tells: its unique column sets (primary key included), foreign keys, and the columns an insert must give. */
export interface JunctionInfo {
  readonly name: string
  readonly columns: Readonly<Record<string, Column>>
  readonly uniques: ReadonlyArray<readonly string[]>
  readonly foreignKeys: readonly ForeignKeyInfo[]
  /** NOT NULL columns with no default (SQL or `$defaultFn`), by key. */
  readonly required: readonly string[]
}

/** Describes a junction table (any primary key, composite ones too), without caching. */
export function describeJunction (table: Table): JunctionInfo {
  const config = dialectOf(table).tableConfig(table)
  const columns = getTableColumns(table) as Record<string, Column>
  const keyOf = new Map<unknown, string>()
  for (const [key, column] of Object.entries(columns)) keyOf.set(column, key).set(column.name, key)
  // PostgreSQL's extra config hands copies of the columns: found by name
  const keys = (list: readonly Column[]): string[] => list.map((c) => keyOf.get(c) ?? keyOf.get(c.name) ?? c.name)
  const uniques: string[][] = [...config.primaryKeys.map((pk) => keys(pk.columns)), ...config.uniqueConstraints.map((u) => keys(u.columns))]
  for (const [key, column] of Object.entries(columns)) if (column.primary || column.isUnique) uniques.push([key])
  for (const index of config.indexes) if (index.config.unique && index.config.columns.every((c) => keyOf.has(c) || keyOf.has((c as Column).name))) uniques.push(keys(index.config.columns as Column[]))
  const foreignKeys = config.foreignKeys.map((fk) => {
    const ref = fk.reference()
    const foreignKeyOf = new Map(Object.entries(getTableColumns(ref.foreignTable)).map(([key, column]) => [column as Column, key]))
    return { name: fk.getName(), columns: keys(ref.columns), foreignTable: ref.foreignTable, foreignColumns: ref.foreignColumns.map((c) => foreignKeyOf.get(c) ?? c.name) }
  })
  const required = Object.entries(columns).filter(([, c]) => c.notNull && !c.hasDefault && c.defaultFn === undefined && c.generated === undefined && c.generatedIdentity === undefined).map(([key]) => key)
  return { name: getTableName(table), columns, uniques, foreignKeys, required }
}

/** Describes a table once: primary key, columns the database fills in, unique sets, foreign keys. */
export function describe (table: Table): TableInfo {
  let info = infos.get(table)
  if (info === undefined) infos.set(table, info = describeTable(table))
  return info
}

function describeTable (table: Table): TableInfo {
  const dialect = dialectOf(table)
  const columns = getTableColumns(table) as Record<string, Column>
  const keyOf = new Map<unknown, string>()
  for (const [key, column] of Object.entries(columns)) {
    keyOf.set(column, key)
    keyOf.set(column.name, key)
  }
  const keys = (list: readonly unknown[]): string[] => list.map((c) => keyOf.get(c) ?? keyOf.get((c as Column).name) ?? String((c as Column).name))
  const config = dialect.tableConfig(table)
  const pkColumns = config.primaryKeys.length > 0 ? config.primaryKeys[0].columns : Object.values(columns).filter((c) => c.primary)
  if (pkColumns.length !== 1) {
    throw new codes.FFR_ERR_TABLE_PRIMARY_KEY(getTableName(table))
  }
  const name = getTableName(table)
  const primaryKey = keys(pkColumns)[0]
  const automatic = new Set<string>()
  const uniques: string[][] = []
  const constraints = new Map<string, string[]>([[`${name}_pkey`, [primaryKey]]])
  const addUnique = (set: string[], constraint: string | undefined): void => {
    if (!uniques.some((u) => u.length === set.length && u.every((k) => set.includes(k)))) uniques.push(set)
    if (constraint !== undefined) constraints.set(constraint, set)
  }
  for (const [key, column] of Object.entries(columns)) {
    if (column.generated !== undefined || column.generatedIdentity !== undefined || dialect.isAutoIncrement(column, pkColumns)) automatic.add(key)
    if (column.isUnique) addUnique([key], column.uniqueName)
  }
  for (const unique of config.uniqueConstraints) addUnique(keys(unique.columns), unique.getName())
  for (const index of config.indexes) {
    // only unique indexes over plain columns are constraints a form can check
    if (index.config.unique && index.config.columns.every((c) => keyOf.has(c))) addUnique(keys(index.config.columns), index.config.name)
  }
  const foreignKeys: ForeignKeyInfo[] = config.foreignKeys.map((fk) => {
    const ref = fk.reference()
    const foreignKeyOf = new Map(Object.entries(getTableColumns(ref.foreignTable)).map(([key, column]) => [column as Column, key]))
    const info = { name: fk.getName(), columns: keys(ref.columns), foreignTable: ref.foreignTable, foreignColumns: ref.foreignColumns.map((c) => foreignKeyOf.get(c) ?? c.name) }
    constraints.set(info.name, info.columns)
    return info
  })
  return { table, name, columns, primaryKey, automatic, uniques, constraints, foreignKeys }
}
