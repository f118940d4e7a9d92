/**
 * The statements of a batch, shared by both dialects: lookups of many keys at once (`IN`),
 * reads scoped by one column (a parent's children), the junction rows of many-to-many
 * relations, and inserts of many rows in one statement. Each is a Drizzle query prepared once
 * per table and size; sizes are powers of two, so a handful of statements serve every batch.
 * A lookup of 5 keys runs the statement for 8 with the last key repeated, which changes nothing
 * in an `IN` list or in a junction insert that skips a pair already there.
 */
import { and, asc, count, eq, getTableColumns, inArray, sql, type Column, type SQL, type Table } from 'drizzle-orm'
import { BaseAdapter, type Prepared } from './base.ts'
import { allOf, then, type MaybePromise, type Mode } from '../maybe.ts'
import type { Adapter, Answer, Row, WriteOp } from './types.ts'

/** A junction write: the pairs of each source key, as `relate` ops carry them. */
export type RelateOp = WriteOp & { op: 'relate' }

/** One statement of a junction write: its cache key, how to build it on a database (or a transaction), its positional parameters. */
export interface JunctionStatement {
  readonly table: Table
  readonly key: string
  build (db: any): any
  readonly params: unknown[]
}

/** The largest power of two that is at most `n` (and at least 1). */
function floorPow2 (n: number): number {
  return n < 1 ? 1 : 2 ** Math.floor(Math.log2(n))
}

/**
 * The sizes a lookup of `count` tuples of `width` values runs in: one power of two at least
 * `count`, padded, unless that passes the dialect's parameter limit; then as many of the largest
 * size as needed, and one more for the rest.
 */
export function lookupSizes (count: number, width: number, maxParams: number): number[] {
  if (count === 1) return ONE
  const largest = floorPow2(Math.floor(maxParams / width))
  const sizes: number[] = []
  let left = count
  while (left > largest) {
    sizes.push(largest)
    left -= largest
  }
  if (left > 0) sizes.push(Math.min(largest, 2 ** Math.ceil(Math.log2(left))))
  return sizes
}

/** The exact sizes an insert of `count` rows of `width` values runs in: powers of two, largest first, at most `maxRows` rows each. */
export function insertSizes (count: number, width: number, maxParams: number, maxRows = 1024): number[] {
  const largest = Math.min(maxRows, floorPow2(Math.floor(maxParams / Math.max(width, 1))))
  const sizes: number[] = []
  let left = count
  while (left >= largest) {
    sizes.push(largest)
    left -= largest
  }
  for (let size = largest >> 1; size >= 1; size >>= 1) {
    if (left >= size) {
      sizes.push(size)
      left -= size
    }
  }
  return sizes
}

const ONE: number[] = [1]

/** A list of keys as text: made once per list of three or more (a check passes the same lists every time); a shorter one, often made fresh by its caller, is joined at once rather than remembered. */
const listKeys = new WeakMap<readonly string[], string>()
function listKey (list: readonly string[] | undefined): string {
  if (list === undefined) return '*'
  if (list.length === 1) return list[0]
  if (list.length === 2) return `${list[0]},${list[1]}`
  let key = listKeys.get(list)
  if (key === undefined) listKeys.set(list, key = list.join(','))
  return key
}

/** The statement key of a lookup of one key in one column (`findIn`), by column: made once, not on every lookup. */
const oneKeyLookups = new Map<string, string>()

const columnMaps = new WeakMap<Table, Record<string, Column>>()

/** A table's columns by property key (any table, a junction without a single primary key too). */
export function columnsOf (table: Table): Record<string, Column> {
  let columns = columnMaps.get(table)
  if (columns === undefined) columnMaps.set(table, columns = getTableColumns(table) as Record<string, Column>)
  return columns
}

/** Positional placeholders `0`, `1`, ...: the parameters of a run are then an array, with no object of thousands of keys to build. */
const at = (i: number): SQL => sql.placeholder(String(i)) as unknown as SQL

/** `(a, b) IN ((?, ?), ...)` (or `a IN (...)`) over `size` tuples, placeholders from `from`. */
function inTuples (columns: readonly Column[], size: number, from = 0): SQL {
  const width = columns.length
  // one key: `=`, which SQLite plans more cheaply than an `IN` list of one
  if (width === 1) return size === 1 ? eq(columns[0], at(from)) : inArray(columns[0], Array.from({ length: size }, (_, i) => at(from + i)))
  const tuples = Array.from({ length: size }, (_, i) => sql`(${sql.join(columns.map((_, j) => at(from + i * width + j)), sql`, `)})`)
  return sql`(${sql.join([...columns], sql`, `)}) in (${sql.join(tuples, sql`, `)})`
}

/** Encodes `tuples` into `params` from `from`, each value by its column, padding `size` with the last tuple. */
function fill (params: unknown[], columns: readonly Column[], tuples: ReadonlyArray<readonly unknown[]>, start: number, size: number, from = 0): void {
  const width = columns.length
  const last = Math.min(start + size, tuples.length) - 1
  for (let i = 0; i < size; i++) {
    const tuple = tuples[Math.min(start + i, last)]
    for (let j = 0; j < width; j++) params[from + i * width + j] = columns[j].mapToDriverValue(tuple[j])
  }
}

/**
 * Batched reads and writes on top of each dialect's statement runner: lookups by many keys,
 * reads scoped by a column, junction rows and multi-row inserts, all prepared once per size.
 */
export abstract class BatchAdapter<TMode extends Mode> extends BaseAdapter<TMode> implements Adapter<TMode> {
  /** The most parameters one statement may bind (SQLite 32,766; PostgreSQL 65,535). */
  protected abstract readonly maxParams: number

  findIn (table: Table, columns: readonly string[], tuples: ReadonlyArray<readonly unknown[]>, { read, scope }: { read?: readonly string[], scope?: readonly [string, unknown] } = {}): Answer<TMode, Row[]> {
    const all = columnsOf(table)
    if (tuples.length === 1 && columns.length === 1 && read === undefined && scope === undefined) {
      // the rows of one key (one parent's children): the statement's key known without building it, nor its builder made
      let cacheKey = oneKeyLookups.get(columns[0])
      if (cacheKey === undefined) oneKeyLookups.set(columns[0], cacheKey = `in:${columns[0]}:1:*:`)
      const column = all[columns[0]]
      const statement = this.cached(table, cacheKey) ?? this.prepared(table, cacheKey, (name) => this.db.select().from(table).where(inTuples([column], 1)).prepare(name))
      return this.run(statement, [column.mapToDriverValue(tuples[0][0])] as never)
    }
    const keys = columns.length === 1 ? [all[columns[0]]] : columns.map((key) => all[key])
    const build = (size: number) => (name: string): Prepared => {
      const fields = read === undefined ? undefined : Object.fromEntries(read.map((key) => [key, all[key]]))
      const where = inTuples(keys, size)
      const query = fields === undefined ? this.db.select().from(table) : this.db.select(fields).from(table)
      return query.where(scope === undefined ? where : and(where, eq(all[scope[0]], at(size * keys.length)))).prepare(name)
    }
    const sizes = tuples.length === 0 ? [] : lookupSizes(tuples.length, keys.length, this.maxParams - 1)
    const runs: Array<Answer<TMode, Row[]>> = []
    let start = 0
    for (const size of sizes) {
      const cacheKey = `in:${listKey(columns)}:${size}:${listKey(read)}:${scope?.[0] ?? ''}`
      const statement = this.prepared(table, cacheKey, build(size))
      const params: unknown[] = new Array(size * keys.length + (scope === undefined ? 0 : 1))
      fill(params, keys, tuples, start, size)
      if (scope !== undefined) params[size * keys.length] = all[scope[0]].mapToDriverValue(scope[1])
      runs.push(this.run(statement, params as never))
      start += size
    }
    return this.allRows(runs)
  }

  /** A page of the rows whose `column` is `value`, in primary key order (a parent's children). */
  listBy (table: Table, column: string, value: unknown, offset: number, limit: number): Answer<TMode, Row[]> {
    const info = this.describe(table)
    const statement = this.prepared(table, `list-by:${column}`, (name) => this.db.select().from(table)
      .where(eq(info.columns[column], sql.placeholder('value'))).orderBy(asc(info.columns[info.primaryKey]))
      .limit(sql.placeholder('limit')).offset(sql.placeholder('offset')).prepare(name))
    return this.run(statement, { value: info.columns[column].mapToDriverValue(value), offset, limit })
  }

  /** How many rows have `value` in `column`. */
  countBy (table: Table, column: string, value: unknown): Answer<TMode, number> {
    const info = this.describe(table)
    const statement = this.prepared(table, `count-by:${column}`, (name) => this.db.select({ n: count() }).from(table).where(eq(info.columns[column], sql.placeholder('value'))).prepare(name))
    return this.rowsThen(this.run(statement, { value: info.columns[column].mapToDriverValue(value) }), (rows) => Number(rows[0].n))
  }

  /** The rows of several runs as one list, in the dialect's mode. */
  private allRows (runs: Array<Answer<TMode, Row[]>>): Answer<TMode, Row[]> {
    if (runs.length === 1) return runs[0]
    if (runs.length === 0) return (this.mode === 'async' ? Promise.resolve([]) : []) as Answer<TMode, Row[]>
    return then(allOf(runs) as MaybePromise<Row[][]>, (lists) => lists.flat()) as Answer<TMode, Row[]>
  }

  /**
   * The statements of a junction write, each with its parameters, for `run` to execute in the
   * write's transaction: when the sets replace the current ones, one delete of every pair of
   * those sources that is not in them; then one insert of every pair (a pair already there is
   * skipped), with the junction's `defaults` in every row.
   */
  protected relateStatements (op: RelateOp, sets: ReadonlyArray<readonly [unknown, readonly unknown[]]>): JunctionStatement[] {
    const columns = columnsOf(op.table)
    const source = columns[op.source]
    const target = columns[op.target]
    const pairs: Array<readonly [unknown, unknown]> = []
    for (const [from, keys] of sets) for (const key of keys) pairs.push([from, key])
    const out: JunctionStatement[] = []
    if (op.replace && sets.length > 0) {
      const sourceSizes = lookupSizes(sets.length, 1, this.maxParams)
      const pairSizes = pairs.length === 0 ? [0] : lookupSizes(pairs.length, 2, this.maxParams - sourceSizes[0])
      if (sourceSizes.length > 1 || pairSizes.length > 1) {
        // past a parameter limit: one delete per source, each keeping that source's own pairs
        for (const [from, keys] of sets) out.push(this.deleteOne(op, from, keys))
      } else {
        const [s, p] = [sourceSizes[0], pairSizes[0]]
        const params: unknown[] = new Array(s + p * 2)
        fill(params, [source], sets.map(([from]) => [from]), 0, s)
        if (p > 0) fill(params, [source, target], pairs, 0, p, s)
        out.push({
          key: `relate-delete:${op.source}:${s}:${p}`,
          table: op.table,
          params,
          build: (db) => db.delete(op.table).where(p === 0 ? inTuples([source], s) : and(inTuples([source], s), sql`not ${inTuples([source, target], p, s)}`))
        })
      }
    }
    if (pairs.length === 0) return out
    const defaults = Object.keys(op.defaults ?? {})
    const width = 2 + defaults.length
    let start = 0
    for (const size of lookupSizes(pairs.length, width, this.maxParams)) {
      const params: unknown[] = new Array(size * width)
      const last = Math.min(start + size, pairs.length) - 1
      for (let i = 0; i < size; i++) {
        const [from, key] = pairs[Math.min(start + i, last)]
        params[i * width] = from
        params[i * width + 1] = key
        for (let d = 0; d < defaults.length; d++) params[i * width + 2 + d] = op.defaults![defaults[d]]
      }
      out.push({
        key: `relate-insert:${op.source}:${defaults.join(',')}:${size}`,
        table: op.table,
        params,
        build: (db) => db.insert(op.table).values(Array.from({ length: size }, (_, i) => {
          const row: Record<string, SQL> = { [op.source]: encoded(source, i * width), [op.target]: encoded(target, i * width + 1) }
          defaults.forEach((d, j) => { row[d] = encoded(columns[d], i * width + 2 + j) })
          return row
        })).onConflictDoNothing()
      })
      start += size
    }
    return out
  }

  /** The delete of one source's pairs that are not `keys` (past a parameter limit); all of them when `keys` alone passes it. */
  private deleteOne (op: RelateOp, from: unknown, keys: readonly unknown[]): JunctionStatement {
    const columns = columnsOf(op.table)
    const [source, target] = [columns[op.source], columns[op.target]]
    // a set too large to name in one statement: every pair of the source goes, and the set is inserted again
    const size = keys.length === 0 || keys.length >= this.maxParams ? 0 : Math.min(2 ** Math.ceil(Math.log2(keys.length)), this.maxParams - 1)
    const params: unknown[] = [source.mapToDriverValue(from)]
    fill(params, [target], keys.map((key) => [key]), 0, size, 1)
    return {
      key: `relate-delete-one:${op.source}:${size}`,
      table: op.table,
      params,
      build: (db) => db.delete(op.table).where(size === 0 ? eq(source, at(0)) : and(eq(source, at(0)), sql`not ${inTuples([target], size, 1)}`))
    }
  }

  /** The insert of `size` rows of exactly `keys`, returning them, with positional placeholders (row `i`, key `j` at `i * keys.length + j`). */
  protected insertManyQuery (db: any, table: Table, keys: readonly string[], size: number): any {
    const columns = this.describe(table).columns
    const width = keys.length
    return db.insert(table).values(Array.from({ length: size }, (_, i) => {
      const row: Record<string, SQL> = {}
      keys.forEach((key, j) => { row[key] = encoded(columns[key], i * width + j) })
      return row
    })).returning()
  }
}

/** A positional placeholder encoded by its column, except `null`, which stays SQL NULL. */
function encoded (column: Column, i: number): SQL {
  return sql`${sql.param(at(i), { mapToDriverValue: (value: unknown) => value === null ? null : column.mapToDriverValue(value) })}`
}
