/** Every field kind by name: the one place a kind's name finds its behaviour. */
import { array } from './array.ts'
import { boolean } from './boolean.ts'
import { date, datetime, time } from './dates.ts'
import { file, image } from './files.ts'
import { json } from './json.ts'
import { decimal, integer, number } from './numbers.ts'
import { foreignKey, modelMultipleChoice } from './relations.ts'
import { choice, email, slug, string, url, uuid } from './text.ts'
import type { KindSpec } from './kind.ts'

export const KINDS = {
  string, email, url, slug, choice, uuid, integer, number, decimal, boolean, date, datetime, time, json, foreignKey, modelMultipleChoice, array, file, image
} satisfies Record<string, KindSpec>

/** The name of a field kind. */
export type FieldKind = keyof typeof KINDS
