/**
 * TypeBox schemas for every route: items from the table (drizzle-typebox), bodies from the
 * form's fields, and the djblets envelopes. Built once per resource at registration.
 */
import { Type, type TSchema } from '@sinclair/typebox'
import type { Table } from 'drizzle-orm'
import { createSelectSchema } from 'drizzle-typebox'
import type { Field } from './fields.ts'

const Link = Type.Object({ href: Type.String(), method: Type.String(), title: Type.Optional(Type.String()) })

/** `links` of an item or a list: name → `{href, method}`. */
export const Links = Type.Record(Type.String(), Link)

// an item's links are these three: a fixed shape serializes faster than a record
const ItemLinks = Type.Object({ self: Type.Optional(Link), update: Type.Optional(Link), delete: Type.Optional(Link) })

/** The failure envelope: `{stat: "fail", err: {code, msg, type, detail?}, fields?}`. */
export const ErrorEnvelope = Type.Object({
  stat: Type.Literal('fail'),
  err: Type.Object({ code: Type.Integer(), msg: Type.String(), type: Type.String(), detail: Type.Optional(Type.String()) }),
  fields: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String())))
})

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

/** The serialized item: every column (none required, for `only-fields`) and `links`. */
export function itemSchema (table: Table, { extraKeys = false }: { extraKeys?: boolean } = {}): TSchema {
  const select = createSelectSchema(table) as any
  const properties: Record<string, TSchema> = {}
  for (const [key, column] of Object.entries<any>(select.properties)) properties[key] = Type.Optional(Type.Unsafe(jsonSafe(column)))
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

/** `{stat: "ok", <key>: item}` */
export function itemEnvelope (key: string, item: TSchema): TSchema {
  return Type.Object({ stat: Type.Literal('ok'), [key]: item })
}

/** `{stat: "ok", <key>: [items], total_results, links}` */
export function listEnvelope (key: string, item: TSchema): TSchema {
  return Type.Object({ stat: Type.Literal('ok'), [key]: Type.Array(item), total_results: Type.Integer(), links: Links })
}
