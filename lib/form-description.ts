/**
 * A form's fields described for rendering an HTML form on the server (Django's `BoundField`
 * and widget attributes): label, help text, required, length and value limits, choices and the
 * input to render. Reads the fields only; renders nothing, so any template engine can use it.
 */
import type { Field } from './fields/index.ts'
import { capfirst, verboseNameOf } from './messages.ts'

/** The HTML input a field is rendered as. */
export type Widget = 'text' | 'email' | 'url' | 'number' | 'checkbox' | 'select' | 'select-multiple' | 'date' | 'datetime-local' | 'time' | 'textarea' | 'file'

/** One field as a server-rendered form needs it. */
export interface FieldDescription {
  /** The input's name (the form's field name). */
  name: string
  /** The field's label: its own, else its name in words (`birthDate` → `Birth date`), as Django's `pretty_name`. */
  label: string
  helpText?: string
  /** Whether an empty value is refused: render `required`. */
  required: boolean
  /** The field kind (`string`, `choice`, `date`, `image`, ...). */
  kind: string
  widget: Widget
  maxLength?: number
  minLength?: number
  /** The value range of number kinds, for `min` and `max`. */
  minValue?: number
  maxValue?: number
  /** `step` of a number input: `1` for whole numbers, `any` otherwise. */
  step?: '1' | 'any'
  /** A choice field's choices as `{ value, label }`, in order (a foreign key's or many-to-many's come from their table: none here). */
  choices?: Array<{ value: string, label: string }>
  /** A file input's `accept`: the allowed extensions as `.png,.jpg`. */
  accept?: string
  /** An optional file field: render the `<name>-clear` checkbox beside the file input. */
  clearable?: boolean
}

const WIDGETS: Record<string, Widget> = {
  email: 'email',
  url: 'url',
  integer: 'number',
  number: 'number',
  decimal: 'number',
  boolean: 'checkbox',
  choice: 'select',
  foreignKey: 'select',
  modelMultipleChoice: 'select-multiple',
  date: 'date',
  datetime: 'datetime-local',
  time: 'time',
  json: 'textarea',
  file: 'file',
  image: 'file'
}

const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'gif', 'webp']

/** A number limit as a plain number, when it is one a browser's `min`/`max` can carry. */
function limit (value: number | bigint | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  return Number.isSafeInteger(n) || (typeof value === 'number' && Number.isFinite(n)) ? n : undefined
}

/** Describes one field named `name` for rendering. */
export function describeField (name: string, field: Field): FieldDescription {
  const { options } = field
  const widget: Widget = WIDGETS[field.kind] ?? (options.maxLength === undefined && field.kind === 'string' ? 'textarea' : 'text')
  const description: FieldDescription = { name, label: field.label ?? capfirst(verboseNameOf(name)), required: field.required, kind: field.kind, widget }
  if (field.helpText !== undefined) description.helpText = field.helpText
  if (options.maxLength !== undefined && widget !== 'file') description.maxLength = options.maxLength
  if (options.minLength !== undefined) description.minLength = options.minLength
  if (widget === 'number') {
    const min = limit(options.minValue)
    const max = limit(options.maxValue)
    if (min !== undefined) description.minValue = min
    if (max !== undefined) description.maxValue = max
    description.step = field.kind === 'integer' ? '1' : 'any'
  }
  if (options.choices !== undefined) {
    description.choices = options.choices.map((choice) => Array.isArray(choice) ? { value: String(choice[0]), label: choice[1] } : { value: String(choice), label: String(choice) })
  }
  if (widget === 'file') {
    const extensions = options.extensions === undefined && field.kind === 'image' ? IMAGE_EXTENSIONS : options.extensions
    if (extensions !== undefined && extensions !== null) description.accept = extensions.map((extension) => `.${extension}`).join(',')
    description.clearable = !field.required
  }
  return description
}

/**
 * Describes a form's fields for rendering, in form order.
 *
 * Gets a form class (what `modelForm` returns, or a formset's `meta.FormClass`) or its
 * `baseFields`; returns one `FieldDescription` per field. Throws nothing.
 */
export function describeForm (form: { readonly baseFields: Readonly<Record<string, Field>> } | Readonly<Record<string, Field>>): FieldDescription[] {
  const baseFields = (typeof form === 'function' || 'baseFields' in form ? (form as { baseFields: Record<string, Field> }).baseFields : form) as Readonly<Record<string, Field>>
  return Object.entries(baseFields).map(([name, field]) => describeField(name, field))
}
