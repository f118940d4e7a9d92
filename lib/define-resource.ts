import type { FastifyRequest } from 'fastify'
import type { InferSelectModel, SQL, Table } from 'drizzle-orm'
import type { ModelFormClass } from './form.ts'
import type { SuccessUrl } from './html.ts'
import type { FileStorage } from './storage.ts'
import type { ModelFormSetClass } from './formset.ts'
import { FormResource, type HttpMethod, type ParseHook, type StepContext } from './resource.ts'
import { checkFieldKeys, codes } from './setup-errors.ts'

/** Everything a `FormResource` subclass would set, as one object; `parse` keys are the form's field names. */
export interface ResourceDefinition<TTable extends Table, TNames extends string> {
  name: string
  pluralName?: string
  uriName?: string
  table: TTable
  formClass: ModelFormClass<TTable, TNames>
  addFormClass?: ModelFormClass<TTable, TNames>
  allowedMethods?: readonly HttpMethod[]
  parse?: Partial<Record<NoInfer<TNames>, ParseHook>>
  maxResultsDefault?: number
  maxResultsCap?: number
  db?: unknown
  storage?: FileStorage
  successUrl?: SuccessUrl<InferSelectModel<TTable>>
  versionColumn?: Extract<keyof TTable['_']['columns'], string>
  bulk?: boolean
  formSetClass?: ModelFormSetClass<TTable, any>
  inlines?: Record<string, ModelFormSetClass<any, any, TTable>>
  filterFields?: ReadonlyArray<Extract<keyof TTable['_']['columns'], string>>
  orderingFields?: ReadonlyArray<Extract<keyof TTable['_']['columns'], string>>
  searchFields?: ReadonlyArray<Extract<keyof TTable['_']['columns'], string>>
  getQueryset?: (args: { request: FastifyRequest }) => SQL | undefined | Promise<SQL | undefined>
  hasAccessPermissions?: (request: FastifyRequest, instance: InferSelectModel<TTable>) => boolean | Promise<boolean>
  hasListAccessPermissions?: (request: FastifyRequest) => boolean | Promise<boolean>
  hasModifyPermissions?: (request: FastifyRequest, instance?: InferSelectModel<TTable>) => boolean | Promise<boolean>
  hasDeletePermissions?: (request: FastifyRequest, instance: InferSelectModel<TTable>) => boolean | Promise<boolean>
  serializeObject?: (row: InferSelectModel<TTable>, ctx: StepContext) => Record<string, unknown> | Promise<Record<string, unknown>>
}

/**
 * Builds a `FormResource` from an object instead of a subclass. Gets the definition; returns
 * the resource; throws `FFR_ERR_DEFINE_RESOURCE` when `name`, `table` or `formClass` is
 * missing and `FFR_ERR_UNKNOWN_FIELD` for a parse hook that names no field of the form.
 */
export function defineResource<TTable extends Table, TNames extends string> (definition: ResourceDefinition<TTable, TNames>): FormResource<TTable, TNames> {
  for (const key of ['name', 'table', 'formClass'] as const) {
    if (definition[key] === undefined) throw new codes.FFR_ERR_DEFINE_RESOURCE(key)
  }
  const names = [...Object.keys(definition.formClass.baseFields), ...Object.keys(definition.addFormClass?.baseFields ?? {})]
  checkFieldKeys(`resource "${definition.name}"`, 'parse', definition.parse, [...new Set(names)])
  const { db, storage, ...rest } = definition
  const resource = new FormResource<TTable, TNames>({ db, storage })
  Object.assign(resource, rest)
  return resource
}
