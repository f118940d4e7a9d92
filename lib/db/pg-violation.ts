/**
 * PostgreSQL's constraint violations (SQLSTATE 23505, 23503, 23502, 23514 and class 22), read
 * out of a node-postgres or PGlite error as the kind and the columns the form layer reports.
 */
import type { Table } from 'drizzle-orm'
import { describe } from './describe.ts'
import type { Violation } from './types.ts'

/** SQLSTATE → violation kind. Class 22 (a value out of the column's range or form) is reported as `check`. */
const CONSTRAINT_KINDS: Record<string, Violation['kind']> = {
  23505: 'unique',
  23503: 'foreignKey',
  23502: 'notNull',
  23514: 'check'
}

// PostgreSQL cuts identifiers to 63 bytes: a long Drizzle name is reported cut
const NAMEDATALEN = 63
function cut (name: string): string {
  while (Buffer.byteLength(name) > NAMEDATALEN) name = name.slice(0, -1)
  return name
}

const constraintNames = new WeakMap<Table, Map<string, readonly string[]>>()

/**
 * Reads a violation out of a node-postgres or PGlite error (inside Drizzle's `DrizzleQueryError`):
 * the columns by constraint name, else by the "Key (a, b)=(...)" detail, else by the error's column.
 */
export function pgViolation (error: unknown, table: Table): Violation | undefined {
  let cause = error as { code?: unknown, cause?: unknown, constraint?: string, detail?: string, column?: string } | undefined
  while (cause !== undefined && cause !== null && typeof cause.code !== 'string' && cause.cause !== undefined) cause = cause.cause as typeof cause
  const code = cause?.code
  if (typeof code !== 'string' || code.length !== 5) return undefined
  const kind = CONSTRAINT_KINDS[code] ?? (code.startsWith('22') ? 'check' : undefined)
  if (kind === undefined || cause === undefined) return undefined
  const named = cause.constraint !== undefined ? constraintsOf(table).get(cause.constraint) : undefined
  if (named !== undefined) return { kind, columns: named }
  const listed = /^Key \((.+?)\)=\(/.exec(cause.detail ?? '')?.[1].split(', ') ?? (cause.column !== undefined ? [cause.column] : [])
  const byName = new Map(Object.entries(describe(table).columns).map(([key, column]) => [column.name, key]))
  const columns = listed.map((name) => byName.get(name.replace(/^"|"$/g, '').replace(/""/g, '"')))
  return columns.length > 0 && columns.every((key) => key !== undefined) ? { kind, columns: columns as string[] } : { kind }
}

/** The table's constraint names as PostgreSQL reports them: cut to 63 bytes. */
function constraintsOf (table: Table): Map<string, readonly string[]> {
  let names = constraintNames.get(table)
  if (names === undefined) {
    names = new Map([...describe(table).constraints].map(([name, keys]) => [cut(name), keys]))
    constraintNames.set(table, names)
  }
  return names
}
