/**
 * The shape of a table's writes: which columns an insert or update sets, the statement key of
 * that set, and its parameters, with the columns' `$defaultFn` / `$onUpdateFn` values filled in.
 * Worked out per write from the values, it is a loop over their keys; here it is written out
 * once per table (lib/compile.ts), each column read by its name, and each set of columns (a bit
 * per column) gets its key and list once.
 */
import { is, SQL, type Column, type Table } from 'drizzle-orm'
import { compile, literal } from '../compile.ts'
import type { Row, TableInfo } from './types.ts'

/** A write's statement key, its columns in order, and its parameters by column key. */
export interface WriteShape {
  readonly key: string
  readonly keys: readonly string[]
  readonly params: Record<string, unknown>
}

/** What every write of a table shares, made on its first write. */
interface TableWrites {
  /** Per op, the columns whose `$defaultFn` (insert) or `$onUpdateFn` (update) a write calls. */
  readonly makers: Record<'insert' | 'update', ReadonlyArray<readonly [string, () => unknown]>>
  /**
   * The shape of a write `name` (`insert`, `update`, `update+<version>`) of these values, each
   * column read by its name; `undefined` for values with keys that are not columns, or that
   * hold `undefined` (or a table too wide for a mask), which `shapeByKey` takes key by key.
   */
  readonly compiled: (values: Row, name: string) => WriteShape | undefined
  /** Per write name, the last shape `shapeByKey` made, with its key. */
  readonly last: Record<string, { keys: readonly string[], key: string }>
}

const tableWrites = new WeakMap<Table, TableWrites>()

/**
 * The shape of a write `name` of `values` to `table` (the insert's or update's own values; an
 * update's key is the caller's to add, as `__key`).
 */
export function writeShape (table: Table, info: TableInfo, op: 'insert' | 'update', name: string, values: Row): WriteShape {
  let writes = tableWrites.get(table)
  if (writes === undefined) tableWrites.set(table, writes = tableWritesOf(info))
  const filled = filledDefaults(writes.makers[op], values)
  return writes.compiled(filled, name) ?? shapeByKey(filled, writes.last, name)
}

function tableWritesOf (info: TableInfo): TableWrites {
  const keys = Object.keys(info.columns)
  const shapes = new Map<string, Map<number, { key: string, keys: readonly string[] }>>()
  const shapeOf = (name: string, mask: number): { key: string, keys: readonly string[] } => {
    let byMask = shapes.get(name)
    if (byMask === undefined) shapes.set(name, byMask = new Map())
    let shape = byMask.get(mask)
    if (shape === undefined) {
      const set = keys.filter((_, i) => (mask & (2 ** i)) !== 0)
      byMask.set(mask, shape = { key: `${name}:${set.join(',')}`, keys: set })
    }
    return shape
  }
  return {
    makers: defaultMakersOf(info.columns),
    compiled: keys.length > 30 ? () => undefined : compiledShape(keys, shapeOf),
    last: {}
  }
}

/** The compiled shape of a table of these columns (at most 30: a bit each). */
function compiledShape (keys: readonly string[], shapeOf: (name: string, mask: number) => { key: string, keys: readonly string[] }): TableWrites['compiled'] {
  const steps = keys.map((key, i) => `if ((v = values[${literal(key)}]) !== undefined) { params[${literal(key)}] = v; mask |= ${2 ** i}; n++ }`)
  // a key that is not a column, or one holding `undefined`: shapeByKey takes the values key by key
  return compile('writeShape', ['values', 'name'], `const params = {}
let v
let mask = 0
let n = 0
${steps.join('\n')}
if (n !== Object.keys(values).length) return undefined
const { key, keys } = shapeOf(name, mask)
return { key, keys, params }`, { shapeOf })
}

/** A write's shape from the keys of its values, in their order. */
function shapeByKey (values: Row, last: Record<string, { keys: readonly string[], key: string }>, name: string): WriteShape {
  const keys: string[] = []
  const params: Record<string, unknown> = {}
  for (const key in values) {
    const value = values[key]
    if (value === undefined || !Object.hasOwn(values, key)) continue
    keys.push(key)
    params[key] = value
  }
  // the last one made for the table and op, when the keys are the same, so it is joined once
  const previous = last[name]
  if (previous !== undefined && previous.keys.length === keys.length && previous.keys.every((key, i) => key === keys[i])) return { key: previous.key, keys, params }
  const key = `${name}:${keys.join(',')}`
  last[name] = { keys, key }
  return { key, keys, params }
}

/** The values with the columns' `$defaultFn` / `$onUpdateFn` results added for keys they lack (a copy when any is): Drizzle would call them once, when the statement is prepared. */
function filledDefaults (makers: ReadonlyArray<readonly [string, () => unknown]>, values: Row): Row {
  let filled: Row | undefined
  for (const [key, make] of makers) {
    if (values[key] !== undefined) continue
    const value = make()
    if (!is(value, SQL)) (filled ??= { ...values })[key] = value
  }
  return filled ?? values
}

/** The columns whose `$defaultFn` (insert) or `$onUpdateFn` (update) a write calls: found once, not on every write. */
function defaultMakersOf (columns: Readonly<Record<string, Column>>): Record<'insert' | 'update', Array<[string, () => unknown]>> {
  const makers: Record<'insert' | 'update', Array<[string, () => unknown]>> = { insert: [], update: [] }
  for (const [key, column] of Object.entries(columns)) {
    const onInsert = column.defaultFn ?? (column.default === undefined ? column.onUpdateFn : undefined)
    if (onInsert !== undefined) makers.insert.push([key, onInsert])
    if (column.onUpdateFn !== undefined) makers.update.push([key, column.onUpdateFn])
  }
  return makers
}
