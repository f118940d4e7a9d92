/**
 * The JSON kind (Django's `JSONField`): any JSON value; a string from an HTML form is parsed.
 * JSON's `null` is no value, as Django's finds `None` empty, so a required field refuses it.
 * A value nested deeper than `MAX_JSON_DEPTH` is refused (`maxDepth`): drivers serialize JSON
 * recursively and would fail with a stack overflow; so is one holding a lone UTF-16 surrogate in
 * a string or key (`invalid`), which PostgreSQL would refuse and SQLite keep differently.
 */
import { Type } from '@sinclair/typebox'
import type { Field } from './field.ts'
import { emptyValue, type KindSpec } from './kind.ts'

/** How deeply a json field's value may nest arrays and objects (`[]` is one level, `[[1]]` two). */
export const MAX_JSON_DEPTH = 64

function toJson (field: Field, raw: unknown): unknown {
  if (typeof raw !== 'string') return raw
  try {
    return JSON.parse(raw)
  } catch {
    throw field.error('invalid')
  }
}

const wellFormed = (text: string): boolean => (text as string & { isWellFormed (): boolean }).isWellFormed()

/** Walks the value without recursion: throws `maxDepth` past the limit, `invalid` for a lone surrogate. */
function checkJson (field: Field, value: unknown): void {
  const pending: Array<[unknown, number]> = [[value, 0]]
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!
    if (typeof item === 'string') {
      if (!wellFormed(item)) throw field.error('invalid')
      continue
    }
    if (typeof item !== 'object' || item === null) continue
    if (depth === MAX_JSON_DEPTH) throw field.error('maxDepth', { limit_value: MAX_JSON_DEPTH })
    if (Array.isArray(item)) {
      for (const each of item) pending.push([each, depth + 1])
      continue
    }
    for (const key in item) {
      if (!Object.hasOwn(item, key)) continue
      if (!wellFormed(key)) throw field.error('invalid')
      pending.push([(item as Record<string, unknown>)[key], depth + 1])
    }
  }
}

export const json: KindSpec = {
  clean (field, raw) {
    if (raw === undefined || raw === null || raw === '') return emptyValue(field)
    const value = toJson(field, raw)
    if (value === null) return emptyValue(field)
    checkJson(field, value)
    return value
  },
  schema: () => Type.Unknown(),
  messages: { invalid: 'Enter a valid JSON.', maxDepth: 'Ensure this value has at most %(limit_value)s levels of nesting.' }
}
