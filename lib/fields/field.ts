/**
 * A form field (Django's `forms.Field`): a kind (see kinds.ts) with options. Converts one raw
 * value from a request, checks it and returns the cleaned value, or throws `ValidationError`
 * with Django's message.
 */
import { Type, type TSchema } from '@sinclair/typebox'
import { ValidationError, type MessageParams } from '../errors.ts'
import { delocalize } from '../i18n/formats.ts'
import { formatMessage, pickMessage, type ErrorMessages } from '../messages.ts'
import type { UploadTo } from '../storage-keys.ts'
import type { KindSpec } from './kind.ts'
import { KINDS, type FieldKind } from './kinds.ts'

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
  /** foreignKey, modelMultipleChoice: the field that converts a key (the referenced column's kind). */
  keyField?: Field
  /** array: the field that cleans each item; `maxLength` and `minLength` then count items. */
  itemField?: Field
  /** file, image: accept a file of 0 bytes (Django's `allow_empty_file`); default `false`. */
  allowEmptyFile?: boolean
  /** file, image: the allowed extensions, lower case without the dot (Django's `FileExtensionValidator`); an image's default is `png, jpg, jpeg, gif, webp`, `null` allows any. */
  extensions?: readonly string[] | null
  /** file, image: the largest file in bytes (ours: `maxSize`, answered 400 with the field's message). */
  maxSize?: number
  /** file, image: the folder a stored file's key starts with (`'avatars/'`), or a function of the client's file name giving one (Django's `upload_to`); default `''`. */
  uploadTo?: UploadTo
  /** file, image: delete the file a save replaces or clears, once the row is committed; default `false` (kept, as Django keeps it). */
  deleteReplaced?: boolean
  /** Read numbers and dates as the request's language writes them too (Django's `localize`; a form's `localizedFields`). */
  localize?: boolean
}

/** Every option, unset, in one order: the start of each field's options (see the constructor). An option added to `FieldOptions` and not here fails the type check. */
function allOptions (): FieldOptions {
  const options = {
    required: undefined,
    nullable: undefined,
    label: undefined,
    helpText: undefined,
    initial: undefined,
    errorMessages: undefined,
    validators: undefined,
    maxLength: undefined,
    minLength: undefined,
    maxValue: undefined,
    minValue: undefined,
    maxDigits: undefined,
    decimalPlaces: undefined,
    choices: undefined,
    strip: undefined,
    mode: undefined,
    keyField: undefined,
    itemField: undefined,
    allowEmptyFile: undefined,
    extensions: undefined,
    maxSize: undefined,
    uploadTo: undefined,
    deleteReplaced: undefined,
    localize: undefined
  } satisfies Record<keyof FieldOptions, undefined>
  return options
}

/**
 * A form field of one kind. `TValue` is the type of its cleaned value (before `null` for an
 * empty optional value), which a clean hook of the field gets.
 */
export class Field<TValue = unknown> {
  readonly kind: FieldKind
  readonly options: Readonly<FieldOptions>
  readonly required: boolean
  readonly choiceValues: ReadonlySet<string> | undefined
  /** The kind's behaviour, looked up once. */
  readonly spec: KindSpec
  /** Type-only: the cleaned value's type. */
  declare readonly __value?: TValue

  constructor (kind: FieldKind, options: FieldOptions = {}) {
    const spec = KINDS[kind]
    if (spec === undefined) throw new TypeError(`Unknown field kind "${String(kind)}"; use one of: ${Object.keys(KINDS).join(', ')}.`)
    this.kind = kind
    this.spec = spec
    // every field's options of one shape, so the kinds' reads of them stay fast whichever field they clean
    this.options = Object.assign(allOptions(), options)
    this.required = options.required ?? true
    this.choiceValues = options.choices === undefined ? undefined : new Set(options.choices.map((c) => String(Array.isArray(c) ? c[0] : c)))
  }

  get label (): string | undefined { return this.options.label }
  get helpText (): string | undefined { return this.options.helpText }

  /** Returns a copy with options changed (used to give a derived field its label and messages). */
  extend (options: FieldOptions): Field<TValue> {
    return new Field<TValue>(this.kind, { ...this.options, ...options })
  }

  /** Returns the initial value, calling it when it is a function. */
  initialValue (): unknown {
    const initial = this.options.initial
    return typeof initial === 'function' ? initial() : initial
  }

  /** The message template for `key` after precedence: this field's messages, then the kind's, then the shared defaults. */
  message (key: string, params?: MessageParams): string {
    return pickMessage(key, [this.options.errorMessages], this.spec.messages, params)
  }

  /** Builds the `ValidationError` for `key` with this field's messages and the parameters; its `code` is `key`. */
  error (key: string, params?: MessageParams): ValidationError {
    return new ValidationError(formatMessage(this.message(key, params), params), { code: key, ...(params !== undefined ? { params } : {}) })
  }

  /**
   * Converts and checks a raw value: Django's `to_python`, `validate` and validators.
   * Returns the cleaned value (`null` for an empty optional value on a nullable field,
   * `undefined` when it is to be left out); throws `ValidationError`.
   */
  clean (raw: unknown): TValue | null | undefined {
    const value = this.spec.clean(this, this.options.localize === true ? delocalize(this.kind, raw) : raw)
    const validators = this.options.validators
    if (validators !== undefined && value !== undefined && value !== null) for (const validator of validators) validator(value)
    return value as TValue | null | undefined
  }

  /** The JSON schema of the value, with the field's label and help text, for route schemas and OpenAPI. */
  schema (): TSchema {
    const { label, helpText, nullable } = this.options
    const meta: Record<string, unknown> = {}
    if (label !== undefined) meta.title = label
    if (helpText !== undefined) meta.description = helpText
    const base = this.spec.schema(this)
    if (nullable !== true) return { ...base, ...meta } as TSchema
    // the label and help text on the union only, so that OpenAPI 3.0 tools can fold it into `nullable: true`
    const member = Array.isArray(base.enum) ? { ...base, enum: [...base.enum, null] } : base
    return Type.Union([member as TSchema, Type.Null()], meta)
  }
}
