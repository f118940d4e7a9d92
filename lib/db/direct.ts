/**
 * Running Drizzle's prepared statements straight on the driver, shared by both dialects: whether
 * a statement may be (no logger, no cache), its parameters bound in order, and rows read as
 * arrays decoded by their columns as Drizzle decodes them.
 */
import { Column, entityKind, is, NoopLogger, Param, Placeholder } from 'drizzle-orm'
import { compile, literal, literalKey } from '../compile.ts'
import type { Row } from './types.ts'

/**
 * Whether Drizzle's prepared statement does nothing on each run that the adapter's own runner
 * would skip: no logger and no cache configured on the database. Only then may a dialect run its
 * SQL straight on the driver.
 */
export function runsPlain (statement: unknown): boolean {
  const { logger, cache } = statement as { logger?: unknown, cache?: { constructor?: { [entityKind]?: string } } }
  return (logger === undefined || is(logger, NoopLogger)) && (cache === undefined || cache.constructor?.[entityKind] === 'NoopCache')
}

/** The driver's arguments of a Drizzle query as JavaScript source over `v` (a run's placeholder values), with what that source refers to. */
interface ArgumentsSource {
  readonly code: string
  /** The values `c[i]` in `code` stands for: constant parameters and the encoders of placeholders. */
  readonly env: readonly unknown[]
}

/**
 * The driver's arguments of a Drizzle query, from a run's placeholder values: Drizzle's
 * `fillPlaceholders`, worked out once per statement and written out as source (each
 * placeholder read by its name, its encoder called), so a run neither finds each placeholder by
 * class nor reads a value by a key that changes (which V8 makes a slow, megamorphic access).
 */
function argumentsOf (params: readonly unknown[]): ArgumentsSource {
  const env: unknown[] = []
  const ref = (value: unknown): string => `c[${env.push(value) - 1}]`
  const items = params.map((param) => {
    const placeholder = is(param, Placeholder) ? param : is(param, Param) && is(param.value, Placeholder) ? param.value : undefined
    if (placeholder === undefined) return ref(param)
    const name = literal(placeholder.name)
    const read = `(v[${name}] !== undefined || ${name} in v ? v[${name}] : missing(${name}))`
    return placeholder === param || (param as Param).encoder === undefined ? read : `${ref((param as Param).encoder)}.mapToDriverValue(${read})`
  })
  return { code: items.join(', '), env }
}

function missing (name: string): never {
  throw new Error(`No value for placeholder "${name}" was provided`)
}

/** Compiles `body`, source over `v` and `c` (see `argumentsOf`), into a function of one run's placeholder values. */
function compiled<T> (name: string, body: string, env: readonly unknown[], extra: Record<string, unknown> = {}): T {
  return compile(name, ['v = {}'], body, { c: env, missing, ...extra })
}

/** The driver's parameters of a Drizzle query, from a run's placeholder values, as a list (see `argumentsOf`). */
export function binderOf (params: readonly unknown[]): (values?: Record<string, unknown>) => unknown[] {
  const { code, env } = argumentsOf(params)
  return compiled('bind', `return [${code}]`, env)
}

/** A function calling `method` of `target` with a query's parameters as its arguments, in order (see `argumentsOf`): no list made per run. */
export function callerOf<R> (params: readonly unknown[], target: object, method: string): (values?: Record<string, unknown>) => R {
  const { code, env } = argumentsOf(params)
  return compiled(method, `return target[${literal(method)}](${code})`, env, { target })
}

/** What reads a driver's value: a column, or an SQL expression's decoder. */
export interface Decoder {
  mapFromDriverValue (value: any): unknown
}

/**
 * Decodes a row read as an array into a row keyed by property, each value by its column (`null`
 * stays `null`), as Drizzle maps them: compiled once per statement into one object literal, so
 * every row of a statement has the same shape from the start (a row built key by key goes
 * through a map per key, and the code reading it meets many shapes). A column that reads its
 * driver's value as it is (Drizzle's default) is not called.
 */
export function rowDecoderOf (keys: readonly string[], columns: readonly Decoder[]): (raw: unknown[]) => Row {
  // `__proto__:` in a literal would set the prototype: such a row is built key by key
  if (!keys.every(literalKey)) return (raw) => decodeByKey(keys, columns, raw)
  const env: Decoder[] = []
  const props = keys.map((key, i) => {
    const column = columns[i]
    const value = `raw[${i}]`
    if (column.mapFromDriverValue === Column.prototype.mapFromDriverValue) return `${literal(key)}: ${value}`
    return `${literal(key)}: ${value} === null ? null : c[${env.push(column) - 1}].mapFromDriverValue(${value})`
  })
  return compile('decodeRow', ['raw'], `return { ${props.join(', ')} }`, { c: env })
}

function decodeByKey (keys: readonly string[], columns: readonly Decoder[], raw: unknown[]): Row {
  const row: Row = {}
  for (let i = 0; i < keys.length; i++) Object.defineProperty(row, keys[i], { value: raw[i] === null ? null : columns[i].mapFromDriverValue(raw[i]), enumerable: true, writable: true, configurable: true })
  return row
}

/** Decodes rows read as arrays (see `rowDecoderOf`). */
export function decoderOf (keys: readonly string[], columns: readonly Decoder[]): (raws: unknown[][]) => Row[] {
  const decodeRow = rowDecoderOf(keys, columns)
  return (raws) => {
    const rows: Row[] = new Array(raws.length)
    for (let r = 0; r < raws.length; r++) rows[r] = decodeRow(raws[r])
    return rows
  }
}
