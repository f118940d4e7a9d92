import type { FastifyRequest } from 'fastify'
import type { InferSelectModel, Table } from 'drizzle-orm'
import type { ColumnKey, ModelFormClass } from './form.ts'
import { FormResource, type HttpMethod, type ParseHook, type StepContext } from './resource.ts'

/** Everything a `FormResource` subclass would set, as one object; `parse` keys come from the table. */
export interface ResourceDefinition<TTable extends Table> {
  name: string
  pluralName?: string
  uriName?: string
  table: TTable
  formClass: ModelFormClass<TTable>
  addFormClass?: ModelFormClass<TTable>
  allowedMethods?: readonly HttpMethod[]
  parse?: Partial<Record<ColumnKey<TTable>, ParseHook>>
  maxResultsDefault?: number
  maxResultsCap?: number
  db?: unknown
  versionColumn?: ColumnKey<TTable>
  hasAccessPermissions?: (request: FastifyRequest, instance: InferSelectModel<TTable>) => boolean | Promise<boolean>
  hasListAccessPermissions?: (request: FastifyRequest) => boolean | Promise<boolean>
  hasModifyPermissions?: (request: FastifyRequest, instance?: InferSelectModel<TTable>) => boolean | Promise<boolean>
  hasDeletePermissions?: (request: FastifyRequest, instance: InferSelectModel<TTable>) => boolean | Promise<boolean>
  serializeObject?: (row: InferSelectModel<TTable>, ctx: StepContext) => Record<string, unknown>
}

/**
 * Builds a `FormResource` from an object instead of a subclass. Gets the definition; returns
 * the resource; throws when `name`, `table` or `formClass` is missing.
 */
export function defineResource<TTable extends Table> (definition: ResourceDefinition<TTable>): FormResource<TTable> {
  for (const key of ['name', 'table', 'formClass'] as const) {
    if (definition[key] === undefined) throw new Error(`defineResource: \`${key}\` is required.`)
  }
  const { db, ...rest } = definition
  const resource = new FormResource<TTable>({ db })
  Object.assign(resource, rest)
  return resource
}
