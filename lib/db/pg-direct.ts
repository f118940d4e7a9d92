/**
 * Drizzle's node-postgres prepared statements run straight on node-postgres (lib/db/direct.ts
 * for what both dialects share): reads decoded by the table's columns, writes without
 * RETURNING answering their `rowCount`, each runnable on a client the adapter checked out.
 */
import { entityKind, is, SQL, type Column, type Table } from 'drizzle-orm'
import type { Prepared } from './base.ts'
import { columnsOf } from './batch.ts'
import { binderOf, decoderOf, runsPlain, type Decoder } from './direct.ts'
import type { PgClient } from './pg-pool.ts'
import type { Row } from './types.ts'

/** A prepared statement of the PostgreSQL adapter: Drizzle's, and, for node-postgres, a runner on a given client. */
export interface PgPrepared extends Prepared {
  /** Runs the statement on `client` (a client checked out of the pool) and returns its rows decoded; throws at once for parameters it cannot bind. */
  on?: (client: PgClient, params: Record<string, unknown>) => Promise<Row[]>
}

/** What `direct` reads of Drizzle's node-postgres prepared query. */
interface NodePgPrepared {
  client?: PgClient
  queryConfig?: { rowMode?: string, text?: string }
  params?: readonly unknown[]
  fields?: ReadonlyArray<{ path: readonly string[], field: unknown }>
  customResultMapper?: unknown
}

/**
 * How a selected field's values are read: a column of `table` under its own key, or an SQL
 * expression with its decoder (`count()`); `undefined` for anything else. Paths of one key only,
 * so Drizzle's nulling of joined tables (`joinsNotNullableMap`) never applies.
 */
function decoderOfField (keys: ReadonlyMap<unknown, string>, path: readonly string[], field: unknown): Decoder | undefined {
  if (path.length !== 1) return undefined
  if (keys.has(field)) return keys.get(field) === path[0] ? field as Column : undefined
  if (is(field, SQL)) return (field as unknown as { decoder: Decoder }).decoder
  return undefined
}

/**
 * A prepared write without RETURNING (see lib/db/row-plan.ts) run straight on node-postgres:
 * Drizzle's own query config, answering an empty list of rows that carries the `rowCount`.
 */
function directWrite (statement: Prepared): PgPrepared {
  const prepared = statement as NodePgPrepared & { rawQueryConfig?: unknown }
  const { client, rawQueryConfig: config, params } = prepared
  if ((statement.constructor as { [entityKind]?: string })[entityKind] !== 'NodePgPreparedQuery' || typeof client?.query !== 'function' ||
    config === undefined || params === undefined || !runsPlain(statement)) return statement
  const bind = binderOf(params)
  // node-postgres's promise and one `then` that reads it: no async function around them, which would add a promise and a turn
  const on = (target: PgClient, values: Record<string, unknown>): Promise<Row[]> =>
    target.query(config, bind(values)).then((result) => Object.assign([], { rowCount: (result as unknown as { rowCount: number | null }).rowCount }))
  return { execute: async (values = {}) => await on(client as unknown as PgClient, values), on }
}

/**
 * A prepared Drizzle query that runs straight on node-postgres: the same named statement, SQL,
 * parameters and type parsers (Drizzle's own query config, passed as it is), without Drizzle's
 * work on every run (filling placeholders by class, its tracing spans, mapping rows through its
 * fields). Rows are read as arrays and decoded by the table's columns (or an expression's
 * decoder), as Drizzle decodes them. `execute()` runs it on the database's client, `on()` on a
 * given one. The statement itself for any other driver (PGlite), a result that is not columns of
 * `table` (a join), or a database with a Drizzle logger or cache.
 */
export function direct (table: Table, statement: Prepared): PgPrepared {
  const prepared = statement as NodePgPrepared
  const { client, queryConfig: config, params, fields: selected } = prepared
  if (selected === undefined) return directWrite(statement)
  if ((statement.constructor as { [entityKind]?: string })[entityKind] !== 'NodePgPreparedQuery' || typeof client?.query !== 'function' ||
    config?.rowMode !== 'array' || params === undefined || selected === undefined || prepared.customResultMapper !== undefined ||
    !runsPlain(statement)) return statement
  const keys = new Map(Object.entries(columnsOf(table)).map(([key, column]) => [column as unknown, key]))
  const decoders = selected.map(({ path, field }) => decoderOfField(keys, path, field))
  if (decoders.some((decoder) => decoder === undefined)) return statement
  const bind = binderOf(params)
  const decode = decoderOf(selected.map(({ path }) => path[0]), decoders as Decoder[])
  const on = (target: PgClient, values: Record<string, unknown>): Promise<Row[]> => target.query(config, bind(values)).then((result) => decode(result.rows as unknown[][]))
  return { execute: async (values = {}) => await on(client, values), on }
}

/**
 * Drizzle's prepared statement with another SQL text of the same parameters and the same
 * returned columns (an insert of many rows through `unnest`, see lib/db/pg-unnest.ts), run
 * straight on node-postgres as `direct` runs any other: the named query config keeps Drizzle's
 * type parsers. `params` are the new text's placeholders, in order.
 */
export function directWithText (table: Table, statement: Prepared, text: string, params: readonly unknown[]): PgPrepared {
  const prepared = statement as NodePgPrepared & { rawQueryConfig?: object, queryString?: string, query?: object }
  const copy = Object.assign(Object.create(Object.getPrototypeOf(statement)), statement) as typeof prepared
  copy.queryString = text
  copy.params = params
  if (prepared.query !== undefined) copy.query = { sql: text, params }
  if (prepared.queryConfig !== undefined) copy.queryConfig = { ...prepared.queryConfig, text }
  if (prepared.rawQueryConfig !== undefined) copy.rawQueryConfig = { ...prepared.rawQueryConfig, text }
  return direct(table, copy as Prepared)
}
