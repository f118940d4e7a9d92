/**
 * The shape of a table's writes: which columns an insert or update sets, the statement key of
 * that set, and its parameters. Worked out per write from the values, it is a loop over their
 * keys; here it is written out once per table (lib/compile.ts), each column read by its name,
 * and each set of columns (a bit per column) gets its key and list once.
 */
import type { Column } from 'drizzle-orm'
import { compile, literal } from '../compile.ts'
import type { Row, TableInfo } from './types.ts'

/** What every write of a table shares (lib/db/base.ts, `shapeOf`). */
export interface TableWrites {
  /** Per op, the columns whose `$defaultFn` (insert) or `$onUpdateFn` (update) a write calls. */
  readonly makers: Record<'insert' | 'update', ReadonlyArray<readonly [string, () => unknown]>>
  /**
   * The parameters of a write of these values: each column's value that is not `undefined`,
   * the set of them left in `cell.mask`; `undefined` for values with keys that are not columns
   * (or a table too wide for a mask), which `shapeOf` takes key by key.
   */
  readonly params: (values: Row, cell: { mask: number }) => Record<string, unknown> | undefined
  /** The statement key and columns of a write `name` (`insert`, `update`, `update+<version>`) of the set `mask`. */
  shapeOf (name: string, mask: number): { readonly key: string, readonly keys: readonly string[] }
  /** Per write name, the last shape `shapeOf` made key by key, with its key. */
  readonly last: Record<string, { keys: readonly string[], key: string }>
}

/** Makes what a table's writes share. */
export function tableWritesOf (info: TableInfo): TableWrites {
  const keys = Object.keys(info.columns)
  const shapes = new Map<string, Map<number, { key: string, keys: readonly string[] }>>()
  return {
    makers: defaultMakersOf(info.columns),
    params: keys.length > 30 ? () => undefined : compiledParams(keys),
    shapeOf (name, mask) {
      let byMask = shapes.get(name)
      if (byMask === undefined) shapes.set(name, byMask = new Map())
      let shape = byMask.get(mask)
      if (shape === undefined) {
        const set = keys.filter((_, i) => (mask & (2 ** i)) !== 0)
        byMask.set(mask, shape = { key: `${name}:${set.join(',')}`, keys: set })
      }
      return shape
    },
    last: {}
  }
}

/** The compiled `params` of a table of these columns (at most 30: a bit each). */
function compiledParams (keys: readonly string[]): TableWrites['params'] {
  const steps = keys.map((key, i) => `if ((v = values[${literal(key)}]) !== undefined) { params[${literal(key)}] = v; mask |= ${2 ** i}; n++ }`)
  // a key that is not a column, or one holding `undefined`: the loop decides
  return compile('writeParams', ['values', 'cell'], `const params = {}
let v
let mask = 0
let n = 0
${steps.join('\n')}
if (n !== Object.keys(values).length) return undefined
cell.mask = mask
return params`)
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
