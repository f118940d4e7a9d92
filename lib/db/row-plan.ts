/**
 * When a write's stored row is known without reading it back: RETURNING costs a database more
 * than the write's own work (SQLite) or a row description and values to parse (PostgreSQL).
 * A dialect names the column kinds it stores and Drizzle reads back unchanged, with the values
 * that keep them so; a table whose columns are all of those kinds gets a plan.
 */
import type { Column } from 'drizzle-orm'
import type { Row, TableInfo } from './types.ts'

/** Per column kind (Drizzle's `columnType`), whether a value is stored and read back as it is. */
export type PlainKinds = Readonly<Record<string, (value: unknown, column: Column) => boolean>>

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
  leftOut (params: Record<string, unknown>): string[] | undefined
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
  const plain = (check: (value: unknown, column: Column) => boolean, value: unknown, column: Column): boolean => value === null || check(value, column)
  return {
    acceptsInsert (params) {
      for (const { key, column, check, generated, nullable } of columns) {
        const value = params[key]
        if (value === undefined ? !(generated || nullable) : generated || !plain(check!, value, column)) return false
      }
      return true
    },
    acceptsUpdate (params, key, current) {
      for (const { key: name, column, check, primary } of columns) {
        const value = params[name] !== undefined ? params[name] : primary ? key : current?.[name]
        if (value === undefined || !plain(check!, value, column)) return false
      }
      return true
    },
    leftOut (params) {
      const out: string[] = []
      for (const { key, column, check, primary } of columns) {
        const value = params[key]
        if (value === undefined) {
          if (!primary) out.push(key)
        } else if (!plain(check!, value, column)) return undefined
      }
      return out
    },
    row (params, key, insert, current) {
      const row: Row = {}
      for (const c of columns) {
        const value = params[c.key]
        row[c.key] = value !== undefined ? value : (insert ? c.generated : c.primary) ? key : insert ? null : current![c.key]
      }
      return row
    }
  }
}
