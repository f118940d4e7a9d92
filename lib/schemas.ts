/**
 * TypeBox schemas of a resource's items, from the table (drizzle-typebox), and of its request
 * bodies, from the form's fields. Built once per resource at registration; the envelopes
 * around them are in lib/responses.ts.
 */
import { Type, type TSchema } from '@sinclair/typebox'
import type { Table } from 'drizzle-orm'
import { createSelectSchema } from 'drizzle-typebox'
import type { Field } from './fields/index.ts'
import type { Relations } from './relations.ts'
import { ItemLinks } from './responses.ts'
import { describe } from './db/index.ts'

/**
 * Rewrites a drizzle-typebox schema into one Fastify's serializer handles fast and JSON can
 * carry: dates and bigints as strings, `X | null` as a type list rather than `anyOf` (which
 * the serializer would validate value by value), JSON columns as anything.
 */
function jsonSafe (schema: any): any {
  if (schema.anyOf !== undefined) {
    // an enum column is a union of string literals, itself in a union with null when nullable
    const literals = schema.anyOf.flatMap((b: any) => b.anyOf ?? [b])
    if (literals.every((b: any) => b.type === 'null' || (b.const !== undefined && b.type === 'string'))) {
      const values = literals.filter((b: any) => b.type !== 'null').map((b: any) => b.const)
      if (values.length > 0) return { type: values.length < literals.length ? ['string', 'null'] : 'string', enum: values }
    }
    const branches = schema.anyOf.map(jsonSafe)
    const nullable = branches.some((b: any) => b.type === 'null')
    const rest = branches.filter((b: any) => b.type !== 'null')
    if (rest.length === 1 && typeof rest[0].type === 'string' && rest[0].type !== 'object' && rest[0].type !== 'array') {
      if (!nullable) return rest[0]
      // a bigint reaches the serializer's string coercion only under `nullable`; a type list would refuse it
      return schema.anyOf.some((b: any) => b.type === 'bigint') ? { ...rest[0], nullable: true } : { ...rest[0], type: [rest[0].type, 'null'] }
    }
    return {}
  }
  switch (schema.type) {
    case 'Date': return { type: 'string', format: 'date-time' }
    case 'bigint': return { type: 'string', pattern: '^-?\\d+$' }
    case 'buffer': return { type: 'string', contentEncoding: 'base64' }
    case 'integer': case 'number': return { type: schema.type }
    case 'string': return { type: 'string', ...(schema.maxLength !== undefined ? { maxLength: schema.maxLength } : {}) }
    case 'boolean': return { type: 'boolean' }
    case 'null': return { type: 'null' }
    default: return {}
  }
}

const DATE_FORMATS: Readonly<Record<string, string>> = { date: 'date', datetime: 'date-time', time: 'time' }

/**
 * A text column a date field writes (SQLite has no date type) serializes as that field's
 * format, so that OpenAPI says `format: date`; the serializer passes strings through as they are.
 */
function withFormat (schema: any, field: Field | undefined): any {
  const format = field === undefined ? undefined : DATE_FORMATS[field.kind]
  if (format === undefined || schema.format !== undefined) return schema
  const type = Array.isArray(schema.type) ? schema.type : [schema.type]
  return type.includes('string') ? { ...schema, format } : schema
}

/** The schema of one column's values in an item. */
export function columnSchema (table: Table, key: string): TSchema {
  return Type.Unsafe(jsonSafe((createSelectSchema(table) as any).properties[key]))
}

/**
 * The serialized item: every column (none required, for `only-fields`) and `links`; with
 * `relations`, each many-to-many set as a list of keys and each inline key as a list of child
 * items (each with its own sets). `fields` (the form's) give text columns that date fields write
 * their format.
 */
export function itemSchema (table: Table, { extraKeys = false, relations, expandable, fields }: { extraKeys?: boolean, relations?: Relations, expandable?: ReadonlySet<string>, fields?: Readonly<Record<string, Field>> } = {}): TSchema {
  const select = createSelectSchema(table) as any
  const properties: Record<string, TSchema> = {}
  for (const [key, column] of Object.entries<any>(select.properties)) {
    // a foreign key `?expand=` may replace by the referenced item
    properties[key] = Type.Optional(expandable?.has(key) === true ? Type.Unsafe({ description: 'The key, or the referenced item when named in `expand`' }) : Type.Unsafe(withFormat(jsonSafe(column), fields?.[key])))
  }
  for (const [name, relation] of relations?.manyToMany ?? []) properties[name] = Type.Optional(Type.Array(columnSchema(relation.targetTable, relation.targetColumn)))
  for (const [name, child] of relations?.children ?? []) {
    const pk = describe(child.table).primaryKey
    properties[name] = Type.Optional(Type.Array(itemSchema(child.table, { relations: { primaryKey: pk, manyToMany: child.manyToMany, children: [] } })))
  }
  properties.links = Type.Optional(ItemLinks)
  // a resource whose `serializeObject` adds keys of its own gets them through; the others keep the serializer's fast path
  return Type.Object(properties, { additionalProperties: extraKeys })
}

/** The request body a form accepts, for documentation; `partial` for updates, where every field is optional. */
export function bodySchema (baseFields: Readonly<Record<string, Field>>, partial: boolean): TSchema {
  const properties: Record<string, TSchema> = {}
  for (const [key, field] of Object.entries(baseFields)) {
    const schema = field.schema()
    properties[key] = partial || !field.required ? Type.Optional(schema) : schema
  }
  return Type.Object(properties)
}
