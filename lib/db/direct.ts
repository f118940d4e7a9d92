/**
 * Running Drizzle's prepared statements straight on the driver, shared by both dialects: whether
 * a statement may be (no logger, no cache), its parameters bound in order, and rows read as
 * arrays decoded by their columns as Drizzle decodes them.
 */
import { entityKind, is, NoopLogger, Param, Placeholder } from 'drizzle-orm'
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

/**
 * The driver's parameters of a Drizzle query, from a run's placeholder values: Drizzle's
 * `fillPlaceholders`, worked out once per statement rather than finding each placeholder by
 * class on every run.
 */
export function binderOf (params: readonly unknown[]): (values?: Record<string, unknown>) => unknown[] {
  const binders = params.map((param): (values: Record<string, unknown>) => unknown => {
    const placeholder = is(param, Placeholder) ? param : is(param, Param) && is(param.value, Placeholder) ? param.value : undefined
    if (placeholder === undefined) return () => param
    const { name } = placeholder
    const encoder = placeholder === param ? undefined : (param as Param).encoder
    return (values) => {
      if (!(name in values)) throw new Error(`No value for placeholder "${name}" was provided`)
      return encoder === undefined ? values[name] : encoder.mapToDriverValue(values[name])
    }
  })
  const count = binders.length
  return (values = {}) => {
    const args = new Array(count)
    for (let i = 0; i < count; i++) args[i] = binders[i](values)
    return args
  }
}

/** What reads a driver's value: a column, or an SQL expression's decoder. */
export interface Decoder {
  mapFromDriverValue (value: any): unknown
}

/** Decodes rows read as arrays into rows keyed by property, each value by its column (`null` stays `null`), as Drizzle maps them. */
export function decoderOf (keys: readonly string[], columns: readonly Decoder[]): (raws: unknown[][]) => Row[] {
  const width = keys.length
  return (raws) => {
    const rows: Row[] = new Array(raws.length)
    for (let r = 0; r < raws.length; r++) {
      const raw = raws[r]
      const row: Row = {}
      for (let i = 0; i < width; i++) {
        const value = raw[i]
        row[keys[i]] = value === null ? null : columns[i].mapFromDriverValue(value)
      }
      rows[r] = row
    }
    return rows
  }
}
