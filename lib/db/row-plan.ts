/**
 * When a write's stored row is known without reading it back: RETURNING costs a database more
 * than the write's own work (SQLite) or a row description and values to parse (PostgreSQL).
 * A dialect names the column kinds it stores and Drizzle reads back unchanged, with the values
 * that keep them so; a table whose columns are all of those kinds gets a plan.
 */
import type { Column } from 'drizzle-orm'
import { compile, literal, literalKey } from '../compile.ts'
import type { Row, TableInfo } from './types.ts'

/** Per column kind (Drizzle's `columnType`), whether a value is stored and read back as it is. */
export type PlainKinds = Readonly<Record<string, (value: unknown, column: Column) => boolean>>

/** The columns an update leaves out, and the parameter names of their values as read (`__was_<key>`, see `updateIfUnchangedQuery`). */
export interface LeftOut extends ReadonlyArray<string> {
  readonly was: readonly string[]
}

/** How a write's stored row is known from its values. */
export interface RowPlan {
  /** Whether an insert stores these values unchanged, and every column it leaves out is the generated key or nullable without default. */
  acceptsInsert (params: Record<string, unknown>): boolean
  /**
   * Whether an update of the row with primary key `key` stores these values unchanged and every
   * column it leaves out is known: from `current`, the row read under the write's lock.
   */
  acceptsUpdate (params: Record<string, unknown>, key: unknown, current?: Row): boolean
  /**
   * The columns an update of these values leaves out, when every value it writes is stored
   * unchanged: RETURNING just those gives the whole row. `undefined` when a value is not plain.
   */
  leftOut (params: Record<string, unknown>): LeftOut | undefined
  /** The row as RETURNING would give it, in the table's column order: the values, `key` in the generated (insert) or primary key (update), the rest from `current` or null. */
  row (params: Record<string, unknown>, key: unknown, insert: boolean, current?: Row): Row
}

const plans = new WeakMap<PlainKinds, WeakMap<TableInfo, RowPlan | null>>()

/**
 * The row plan of a table, or `null` when a write must read its row back: a generated column,
 * or a column whose kind is not plain (timestamps, JSON, bigints, numerics, custom types).
 */
export function rowPlanOf (info: TableInfo, kinds: PlainKinds): RowPlan | null {
  let byTable = plans.get(kinds)
  if (byTable === undefined) plans.set(kinds, byTable = new WeakMap())
  let plan = byTable.get(info)
  if (plan === undefined) byTable.set(info, plan = makePlan(info, kinds))
  return plan
}

function makePlan (info: TableInfo, kinds: PlainKinds): RowPlan | null {
  const columns = Object.entries(info.columns).map(([key, column]) => ({
    key,
    column,
    check: kinds[column.columnType] as ((value: unknown, column: Column) => boolean) | undefined,
    primary: key === info.primaryKey,
    // the key the database assigns when an insert leaves it out (SQLite's rowid, a serial)
    generated: key === info.primaryKey && info.automatic.has(key),
    nullable: !column.notNull && !column.hasDefault,
    computed: column.generated !== undefined
  }))
  if (!columns.every((c) => c.check !== undefined && !c.computed)) return null
  return compiledPlan(columns as ReadonlyArray<PlanColumn & { check: (value: unknown, column: Column) => boolean }>)
}

interface PlanColumn {
  readonly key: string
  readonly column: Column
  readonly primary: boolean
  readonly generated: boolean
  readonly nullable: boolean
}

/**
 * A row plan compiled once per table: each column read from the values by its name, in the
 * table's order, checked by its kind (a read by a key that changes from one call to the next is
 * one V8 makes slow, and a plan's methods run on every write). `leftOut` answers one list per
 * set of columns left out, the same list each time.
 */
function compiledPlan (columns: ReadonlyArray<PlanColumn & { check: (value: unknown, column: Column) => boolean }>): RowPlan {
  // in the source, `c[i]` is the column and `k[i]` its kind's check
  const name = (i: number): string => literal(columns[i].key)
  const plain = (i: number, value: string): string => `(${value} === null || k[${i}](${value}, c[${i}]))`
  const insert = columns.map((c, i) => `v = params[${name(i)}]; if (v === undefined ? ${!(c.generated || c.nullable)} : ${c.generated} || !${plain(i, 'v')}) return false`)
  const update = columns.map((c, i) => `v = params[${name(i)}]; if (v === undefined) v = ${c.primary ? 'key' : `current === undefined ? undefined : current[${name(i)}]`}; if (v === undefined || !${plain(i, 'v')}) return false`)
  // a bit per column left out (the key is never one)
  const masked = columns.length <= 30
  const out = columns.map((c, i) => c.primary
    ? `v = params[${name(i)}]; if (v !== undefined && !${plain(i, 'v')}) return undefined`
    : `v = params[${name(i)}]; if (v === undefined) ${masked ? `mask |= ${2 ** i}` : `list.push(${name(i)})`}; else if (!${plain(i, 'v')}) return undefined`)
  const lists = new Map<number, LeftOut>()
  const listOf = (mask: number): LeftOut => {
    let list = lists.get(mask)
    if (list === undefined) {
      const keys = columns.filter((c, i) => !c.primary && (mask & (2 ** i)) !== 0).map((c) => c.key)
      lists.set(mask, list = leftOutList(keys))
    }
    return list
  }
  const env = { c: columns.map((c) => c.column), k: columns.map((c) => c.check), listOf, fresh: leftOutList }
  const methods: Omit<RowPlan, 'row'> = {
    acceptsInsert: compile('acceptsInsert', ['params'], `let v\n${insert.join('\n')}\nreturn true`, env),
    acceptsUpdate: compile('acceptsUpdate', ['params', 'key', 'current'], `let v\n${update.join('\n')}\nreturn true`, env),
    leftOut: compile('leftOut', ['params'], `let v\n${masked ? 'let mask = 0' : 'const list = []'}\n${out.join('\n')}\nreturn ${masked ? 'listOf(mask)' : 'fresh(list)'}`, env)
  }
  return { ...methods, row: rowBuilderOf(columns) }
}

/** A list of columns left out, with the names their values as read take in an update that checks them (`__was_<key>`). */
function leftOutList (keys: string[]): LeftOut {
  return Object.assign(keys, { was: keys.map((key) => `__was_${key}`) })
}

/**
 * `RowPlan.row`, compiled once per table into one object literal in the table's column order
 * (as rows read by the adapter are built, lib/db/direct.ts), so a written row has the same shape
 * as a read one.
 */
function rowBuilderOf (columns: ReadonlyArray<{ key: string, primary: boolean, generated: boolean }>): RowPlan['row'] {
  const loop: RowPlan['row'] = (params, key, insert, current) => {
    const row: Row = {}
    for (const c of columns) {
      const value = params[c.key]
      Object.defineProperty(row, c.key, { value: value !== undefined ? value : (insert ? c.generated : c.primary) ? key : insert ? null : current![c.key], enumerable: true, writable: true, configurable: true })
    }
    return row
  }
  // `__proto__:` in a literal would set the prototype
  if (!columns.every((c) => literalKey(c.key))) return loop
  const props = columns.map(({ key, primary, generated }, i) => {
    const name = literal(key)
    const absent = generated && primary ? 'key' : generated ? `(insert ? key : current[${name}])` : primary ? '(insert ? null : key)' : `(insert ? null : current[${name}])`
    return `${name}: (v${i} = params[${name}]) !== undefined ? v${i} : ${absent}`
  })
  const vars = columns.map((_, i) => `v${i}`).join(', ')
  return compile('row', ['params', 'key', 'insert', 'current'], `let ${vars}\nreturn { ${props.join(', ')} }`)
}
