/**
 * What an item carries besides its row: the sets of its many-to-many fields (sorted keys) and,
 * for a resource with inline formsets, its children. A save remembers what it wrote, so the
 * answer needs no read; whatever a page of rows lacks is read in one query per relation.
 */
import type { Table } from 'drizzle-orm'
import { compareKeys, sortKeys } from './form-stages.ts'
import { allOf, then, type MaybePromise } from './maybe.ts'
import type { ManyToMany } from './model.ts'
import type { Adapter, Row } from './db/index.ts'

const remembered = new WeakMap<Row, Record<string, unknown>>()

/** Remembers what a save wrote for a row (sets, children), for the answer; returns the row. */
export function rememberSets (row: Row, sets: Record<string, unknown> | undefined): Row {
  if (sets === undefined) return row
  const before = remembered.get(row)
  remembered.set(row, before === undefined ? sets : Object.assign({}, before, sets))
  return row
}

/** What a save remembered for a row, by key. */
export function rememberedOf (row: Row): Record<string, unknown> | undefined {
  return remembered.get(row)
}

/** An inline relation of a resource, as its items nest it: the children's table, their key to the parent and their own many-to-many relations. */
export interface ChildRelation {
  readonly table: Table
  readonly fk: string
  /** `[fk]`, made once: the column list the children are read by. */
  readonly fkList: readonly string[]
  readonly manyToMany: ReadonlyArray<readonly [string, ManyToMany]>
  /** The children's columns that hold file keys (served as URLs). */
  readonly fileColumns: readonly string[]
}

/** What the items of a table carry besides their columns. */
export interface Relations {
  readonly primaryKey: string
  readonly manyToMany: ReadonlyArray<readonly [string, ManyToMany]>
  readonly children: ReadonlyArray<readonly [string, ChildRelation]>
}

/**
 * Adds to rows what their items carry besides their columns, in place (the rows are the
 * request's own: read, or just written; an ETag is taken before): a set or a list of children
 * the save remembered is used as it is, the others are read, one query per relation for all
 * the rows (children in primary key order, each with its own sets, one more query per relation
 * of theirs). Answers the rows, at once when nothing had to be read on SQLite.
 */
export function withRelations (adapter: Adapter, relations: Relations, rows: readonly Row[]): MaybePromise<Row[]> {
  const out = rows as Row[]
  for (const row of out) {
    const known = remembered.get(row)
    if (known !== undefined) for (const key in known) row[key] = known[key]
  }
  let reads: Array<MaybePromise<void>> | undefined
  for (const [name, relation] of relations.manyToMany) {
    const lacking = lackingOf(out, name)
    if (lacking !== undefined) {
      (reads ??= []).push(then(readSets(adapter, relation, lacking.map((row) => row[relations.primaryKey])), (sets) => {
        for (const row of lacking) row[name] = sets.get(String(row[relations.primaryKey])) ?? []
      }))
    }
  }
  for (const [name, child] of relations.children) {
    const lacking = lackingOf(out, name) ?? []
    // the children a save remembered, whose own sets may still be lacking
    const remembered: Row[] = []
    if (child.manyToMany.length > 0) for (const row of out) if (Object.hasOwn(row, name)) remembered.push(...row[name] as Row[])
    if (lacking.length === 0 && remembered.length === 0) continue
    const read = lacking.length === 0 ? [] : adapter.findIn(child.table, child.fkList, lacking.map((row) => [row[relations.primaryKey]]))
    ;(reads ??= []).push(then(read, (found) => {
      const pk = adapter.describe(child.table).primaryKey
      if (found.length > 1) found.sort((a, b) => compareKeys(a[pk], b[pk]))
      if (lacking.length === 1) {
        // one item's children (a read or an update of one row): its own list, nothing to group
        lacking[0][name] = found
      } else {
        for (const row of lacking) row[name] = []
        const byParent = new Map(lacking.map((row) => [String(row[relations.primaryKey]), row[name] as Row[]]))
        for (const row of found) byParent.get(String(row[child.fk]))?.push(row)
      }
      // the children's own sets: one query per relation of theirs for every child, read or remembered
      const all = remembered.length === 0 ? found : [...remembered, ...found]
      if (child.manyToMany.length === 0 || all.length === 0) return
      return then(withRelations(adapter, { primaryKey: pk, manyToMany: child.manyToMany, children: [] }, all), () => undefined)
    }))
  }
  // one read (an author's books): waited for as it is, without Promise.all's two promises around it
  return reads === undefined ? out : then(reads.length === 1 ? reads[0] : allOf(reads), () => out)
}

/** The rows that lack `name`, or `undefined` when none does (the common case of one row a save remembered: nothing made). */
function lackingOf (rows: readonly Row[], name: string): Row[] | undefined {
  let lacking: Row[] | undefined
  for (const row of rows) if (!Object.hasOwn(row, name)) (lacking ??= []).push(row)
  return lacking
}

/** The sets of a relation for these source keys, one query: sorted target keys by the source key's text. */
export function readSets (adapter: Adapter, relation: ManyToMany, keys: readonly unknown[]): MaybePromise<Map<string, unknown[]>> {
  return then(adapter.findIn(relation.through, [relation.source], keys.map((key) => [key]), { read: [relation.source, relation.target] }), (pairs) => {
    const sets = new Map<string, unknown[]>()
    for (const pair of pairs) {
      const key = String(pair[relation.source])
      const list = sets.get(key)
      if (list === undefined) sets.set(key, [pair[relation.target]])
      else list.push(pair[relation.target])
    }
    for (const [key, list] of sets) sets.set(key, sortKeys(list))
    return sets
  })
}
