import { Type, type TSchema } from '@sinclair/typebox'
import { ValidationError } from './errors.ts'
import { formatMessage, pickMessage, type ErrorMessages, type MessageParams } from './messages.ts'
import * as convert from './convert.ts'

/** A choice: a stored value, or `[value, label]` as Django's `choices`. */
export type Choice = string | number | readonly [string | number, string]

/** Options every field takes; the kinds add their own limits. */
export interface FieldOptions {
  /** Whether an empty value is refused (`This field is required.`); derived fields: NOT NULL without default. */
  required?: boolean
  /** Whether an empty value becomes `null` (a nullable column) rather than being left out. */
  nullable?: boolean
  label?: string
  helpText?: string
  /** The value a new form starts from; a function is called each time a form is made. */
  initial?: unknown
  errorMessages?: ErrorMessages
  /** Extra checks run on the converted value; each may throw `ValidationError`. */
  validators?: ReadonlyArray<(value: any) => void>
  maxLength?: number
  minLength?: number
  maxValue?: number | bigint
  minValue?: number | bigint
  maxDigits?: number
  decimalPlaces?: number
  choices?: readonly Choice[]
  /** Strip surrounding white space from strings (Django's `strip`, on by default). */
  strip?: boolean
  /** What the converted value is stored as: a `Date`, an ISO string, a bigint. */
  mode?: 'date' | 'string' | 'bigint' | 'number'
  /** foreignKey: the field that converts the key (the referenced column's kind). */
  keyField?: Field
  /**
   * array: the field that cleans each item (Django's `SimpleArrayField(base_field)`); an item's
   * error reads `Item 2 in the array did not validate: Enter a whole number.` `maxLength` and
   * `minLength` then count items. A string is split at commas, as an HTML form sends it.
   */
  itemField?: Field
}

export type FieldKind =
  | 'string' | 'email' | 'url' | 'slug' | 'choice' | 'integer' | 'number' | 'decimal' | 'boolean'
  | 'date' | 'datetime' | 'time' | 'uuid' | 'json' | 'foreignKey' | 'array'

const EMPTY = (value: unknown): boolean =>
  value === undefined || value === null || value === '' ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && Object.keys(value).length === 0)

/**
 * A form field (Django's `forms.Field`): converts one raw value from a request, checks it
 * and returns the cleaned value, or throws `ValidationError` with Django's message.
 */
export class Field {
  readonly kind: FieldKind
  readonly options: Readonly<FieldOptions>
  readonly required: boolean
  readonly choiceValues?: ReadonlySet<string>

  constructor (kind: FieldKind, options: FieldOptions = {}) {
    this.kind = kind
    this.options = options
    this.required = options.required ?? true
    if (options.choices !== undefined) {
      this.choiceValues = new Set(options.choices.map((c) => String(Array.isArray(c) ? c[0] : c)))
    }
  }

  get label (): string | undefined { return this.options.label }
  get helpText (): string | undefined { return this.options.helpText }

  /** Returns a copy with options changed (used to give a derived field its label and messages). */
  extend (options: FieldOptions): Field {
    return new Field(this.kind, { ...this.options, ...options })
  }

  /** Returns the initial value, calling it when it is a function. */
  initialValue (): unknown {
    const initial = this.options.initial
    return typeof initial === 'function' ? initial() : initial
  }

  /** Builds the `ValidationError` for `key` with this field's messages and the parameters. */
  error (key: string, params?: MessageParams): ValidationError {
    const template = pickMessage(key, [this.options.errorMessages], this.kind, params)
    return new ValidationError(formatMessage(template, params))
  }

  /**
   * Converts and checks a raw value: Django's `to_python`, `validate` and validators.
   * Returns the cleaned value (`null` for an empty optional value on a nullable field,
   * `undefined` when it is to be left out); throws `ValidationError`.
   */
  clean (raw: unknown): unknown {
    if ((EMPTY(raw) || this.isBlank(raw)) && this.kind !== 'boolean' && !(this.kind === 'json' && raw !== undefined && raw !== null && raw !== '')) {
      if (this.required) throw this.error('required')
      return this.options.nullable === true ? null : (this.kind === 'string' && typeof raw === 'string' ? '' : undefined)
    }
    let value = convert.toPython(this, raw)
    // JSON's null is no value, as Django's JSONField finds None empty
    if (value === null && this.kind === 'json' && this.required) throw this.error('required')
    if (this.kind === 'boolean') {
      if (value === null) {
        if (this.required) throw this.error('required')
        return this.options.nullable === true ? null : false
      }
      if (this.required && value === false) throw this.error('required')
    }
    convert.checkLimits(this, value)
    // a decimal is checked as written, then stored in its mode: number or bigint
    if (this.kind === 'decimal' && this.options.mode !== undefined) value = this.options.mode === 'bigint' ? BigInt(String(value).replace(/\.0*$/, '')) : Number(value)
    const validators = this.options.validators
    if (validators !== undefined) for (const validator of validators) validator(value)
    return value
  }

  // white space only is empty for the kinds Django strips (CharField and its subclasses)
  private isBlank (raw: unknown): boolean {
    return typeof raw === 'string' && this.options.strip !== false && STRIPPED.has(this.kind) && raw.trim() === ''
  }

  /** The TypeBox schema of the value, for route schemas and OpenAPI. */
  schema (): TSchema {
    const { label, helpText, maxLength, minLength, choices, nullable } = this.options
    const meta: Record<string, unknown> = {}
    if (label !== undefined) meta.title = label
    if (helpText !== undefined) meta.description = helpText
    let schema: TSchema
    switch (this.kind) {
      case 'integer':
        schema = this.options.mode === 'bigint' ? Type.String({ ...meta, pattern: '^-?\\d+$' }) : Type.Integer({ ...meta, ...numberRange(this.options) })
        break
      case 'number': schema = Type.Number({ ...meta, ...numberRange(this.options) }); break
      case 'decimal': schema = Type.String({ ...meta, pattern: '^-?\\d*\\.?\\d+$' }); break
      case 'boolean': schema = Type.Boolean(meta); break
      case 'json': schema = Type.Unknown(meta); break
      case 'foreignKey': schema = this.options.keyField !== undefined ? { ...this.options.keyField.schema(), ...meta } : Type.Unknown(meta); break
      case 'array': schema = Type.Array(this.options.itemField?.schema() ?? Type.Unknown(), { ...meta, ...(maxLength !== undefined ? { maxItems: maxLength } : {}) }); break
      default: {
        const format = STRING_FORMATS[this.kind]
        schema = Type.String({
          ...meta,
          ...(format !== undefined ? { format } : {}),
          ...(maxLength !== undefined ? { maxLength } : {}),
          ...(minLength !== undefined ? { minLength } : {}),
          ...(choices !== undefined ? { enum: [...this.choiceValues!] } : {})
        })
      }
    }
    return nullable === true ? Type.Union([schema, Type.Null()], meta) : schema
  }
}

const STRIPPED = new Set<FieldKind>(['string', 'email', 'url', 'slug', 'uuid'])

const STRING_FORMATS: Partial<Record<FieldKind, string>> = {
  date: 'date', datetime: 'date-time', time: 'time', uuid: 'uuid', email: 'email', url: 'uri'
}

function numberRange (options: FieldOptions): Record<string, number> {
  const range: Record<string, number> = {}
  if (options.minValue !== undefined) range.minimum = Number(options.minValue)
  if (options.maxValue !== undefined) range.maximum = Number(options.maxValue)
  return range
}

const kind = (k: FieldKind) => (options: FieldOptions = {}): Field => new Field(k, options)

/**
 * Field constructors for `declared` fields (Django's `forms.CharField`, `forms.IntegerField`, ...).
 * Each gets the options of its kind and returns a `Field`.
 */
export const fields = {
  string: kind('string'),
  email: kind('email'),
  url: kind('url'),
  slug: kind('slug'),
  choice: kind('choice'),
  integer: kind('integer'),
  number: kind('number'),
  decimal: kind('decimal'),
  boolean: (options: FieldOptions = {}): Field => new Field('boolean', { required: false, ...options }),
  date: kind('date'),
  datetime: kind('datetime'),
  time: kind('time'),
  uuid: kind('uuid'),
  json: kind('json'),
  foreignKey: kind('foreignKey'),
  array: kind('array')
}
