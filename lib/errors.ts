/** The key form-wide errors are filed under, as in Django. */
export const NON_FIELD_ERRORS = '__all__'

/** Field name → list of messages, the shape of `form.errors` and of a 400's `fields`. */
export type ErrorDict = Record<string, string[]>

/**
 * An error of the web API, sent as `{stat: "fail", err: {code, msg, type}}` with its HTTP status.
 *
 * Gets the djblets error code, the message, the HTTP status, the error type and optional
 * headers. Use `with()` to copy it with another message, detail or headers.
 */
export class WebAPIError {
  readonly code: number
  readonly msg: string
  readonly httpStatus: number
  readonly errorType: string
  readonly headers: Record<string, string>
  readonly detail?: string

  constructor (code: number, msg: string, httpStatus: number, errorType: string, headers: Record<string, string> = {}, detail?: string) {
    this.code = code
    this.msg = msg
    this.httpStatus = httpStatus
    this.errorType = errorType
    this.headers = headers
    if (detail !== undefined) this.detail = detail
  }

  /** Returns a copy with the given message, detail or headers changed. */
  with ({ msg, detail, headers }: { msg?: string, detail?: string, headers?: Record<string, string> }): WebAPIError {
    return new WebAPIError(this.code, msg ?? this.msg, this.httpStatus, this.errorType, { ...this.headers, ...headers }, detail ?? this.detail)
  }
}

export const DOES_NOT_EXIST = new WebAPIError(100, 'Object does not exist', 404, 'resource-does-not-exist')
export const PERMISSION_DENIED = new WebAPIError(101, "You don't have permission for this", 403, 'resource-permission-denied')
export const INVALID_ATTRIBUTE = new WebAPIError(102, 'Invalid attribute', 400, 'resource-attribute-invalid')
export const NOT_LOGGED_IN = new WebAPIError(103, 'You are not logged in', 401, 'auth-not-logged-in', { 'WWW-Authenticate': 'Basic realm="Web API"' })
export const LOGIN_FAILED = new WebAPIError(104, 'The username or password was not correct', 401, 'auth-login-failed', { 'WWW-Authenticate': 'Basic realm="Web API"' })
export const INVALID_FORM_DATA = new WebAPIError(105, 'One or more fields had errors', 400, 'request-field-error')
export const MISSING_ATTRIBUTE = new WebAPIError(106, 'Missing value for the attribute', 400, 'request-attribute-missing')
export const DUPLICATE_ITEM = new WebAPIError(111, 'An entry for this item or its unique key(s) already exists', 409, 'resource-conflict')
export const RATE_LIMIT_EXCEEDED = new WebAPIError(114, 'API rate limit has been exceeded.', 429, 'request-rate-limit-exceeded')
export const MALFORMED_BODY = new WebAPIError(200, 'The request body could not be parsed', 400, 'request-body-malformed')
export const UNSUPPORTED_MEDIA_TYPE = new WebAPIError(201, 'This content type is not accepted here', 415, 'request-media-type-unsupported')
export const REQUEST_TOO_LARGE = new WebAPIError(202, 'The request body is too large', 413, 'request-too-large')
export const PRECONDITION_FAILED = new WebAPIError(203, 'The item has changed since it was read', 412, 'resource-precondition-failed')
/** Beyond djblets' table: the method is not allowed on this URL (405, with `Allow`). */
export const METHOD_NOT_ALLOWED = new WebAPIError(204, 'This method is not allowed here', 405, 'request-method-not-allowed')
/** Beyond djblets' table: a delete refused because other rows still refer to the item (409). */
export const ITEM_IN_USE = new WebAPIError(206, 'The item is still referred to by other items', 409, 'resource-in-use')
/**
 * The database is busy or unreachable (503, with `Retry-After: 1`): a call took longer than
 * `dbTimeout`, another writer held the lock that long, or the connection failed. A write answered
 * so may or may not have been committed.
 */
export const SERVICE_UNAVAILABLE = new WebAPIError(207, 'The service is busy; try again shortly', 503, 'service-unavailable', { 'Retry-After': '1' })
/** Beyond djblets' table: an unexpected server error (500); the cause goes to the log only. */
export const SERVER_ERROR = new WebAPIError(205, 'The server could not complete the request', 500, 'server-error')

/** What a `ValidationError` can carry: a message, a list of messages or errors, or messages per field. */
export type ValidationMessages = string | ValidationError | ReadonlyArray<string | ValidationError> | Readonly<Record<string, string | ValidationError | ReadonlyArray<string | ValidationError>>>

/** Values for a message's `%(name)s` placeholders. */
export type MessageParams = Record<string, string | number>

/** A message's code (Django's `code`, our message key) when none was given. */
export const DEFAULT_CODE = 'invalid'

/**
 * Raised by fields, clean hooks and parse hooks when a value is not valid (Django's
 * `ValidationError`). Gets a message, a list of messages or errors (nested ones flattened), or
 * `{field: messages}`, and for a single message its `code` and `params`. A hook that throws a
 * plain message has it filed under its own field, `cleanForm` under `__all__`.
 */
export class ValidationError extends Error {
  /** Every message as one error each, when the error is not per field (Django's `error_list`). */
  declare readonly errorList?: readonly ValidationError[]
  /** The errors per field, when given per field (Django's `error_dict`). */
  declare readonly errorDict?: Readonly<Record<string, readonly ValidationError[]>>
  /** The message key of a single message (`required`, `maxLength`, ...). */
  declare readonly code?: string
  declare readonly params?: MessageParams

  constructor (messages: ValidationMessages, { code, params }: { code?: string, params?: MessageParams } = {}) {
    let list: ValidationError[] | undefined
    let dict: Record<string, ValidationError[]> | undefined
    if (typeof messages === 'string') {
      list = undefined
    } else if (messages instanceof ValidationError) {
      dict = messages.errorDict === undefined ? undefined : { ...messages.errorDict as Record<string, ValidationError[]> }
      list = messages.errorList === undefined ? undefined : [...messages.errorList]
    } else if (Array.isArray(messages)) {
      list = []
      for (const item of messages as ReadonlyArray<string | ValidationError>) {
        const error = item instanceof ValidationError ? item : new ValidationError(item)
        // a nested error's messages join the list, per field ones too, as Django's
        if (error.errorDict !== undefined) for (const errors of Object.values(error.errorDict)) list.push(...errors)
        else list.push(...error.errorList!)
      }
    } else {
      dict = {}
      for (const [field, value] of Object.entries(messages as Record<string, string | ValidationError | ReadonlyArray<string | ValidationError>>)) {
        const error = value instanceof ValidationError ? value : new ValidationError(value as string | ReadonlyArray<string | ValidationError>)
        dict[field] = error.errorDict !== undefined ? Object.values(error.errorDict).flat() : [...error.errorList!]
      }
    }
    const text = typeof messages === 'string' ? messages : undefined
    super(text ?? (dict !== undefined ? Object.values(dict).flat() : list!).map((e) => e.message).join(' '))
    this.name = 'ValidationError'
    if (dict !== undefined) {
      this.errorDict = dict
    } else {
      this.errorList = list ?? [this]
      if (text !== undefined) {
        if (code !== undefined) this.code = code
        if (params !== undefined) this.params = params
      }
    }
  }

  /** Every message, in order; per field ones flattened (Django's `messages`). */
  get messages (): string[] {
    return this.errors().map((e) => e.message)
  }

  /** The messages per field; throws when the error is not per field (Django's `message_dict`). */
  get messageDict (): ErrorDict {
    if (this.errorDict === undefined) throw new TypeError('This ValidationError has no messages per field; read `messages`.')
    return this.toErrorDict()
  }

  /** Returns the errors as `{field: messages}`, filing the messages of a list under `field`. */
  toErrorDict (field: string = NON_FIELD_ERRORS): ErrorDict {
    return this.mapDict(field, (e) => e.message)
  }

  /** Returns the message codes as `{field: codes}`, aligned with `toErrorDict(field)`; `invalid` for a message given no code. */
  toCodeDict (field: string = NON_FIELD_ERRORS): ErrorDict {
    return this.mapDict(field, (e) => e.code ?? DEFAULT_CODE)
  }

  private errors (): readonly ValidationError[] {
    return this.errorDict !== undefined ? Object.values(this.errorDict).flat() : this.errorList!
  }

  private mapDict (field: string, map: (error: ValidationError) => string): ErrorDict {
    const out: ErrorDict = {}
    if (this.errorDict === undefined) {
      out[field] = this.errorList!.map(map)
      return out
    }
    for (const key in this.errorDict) out[key] = this.errorDict[key].map(map)
    return out
  }
}

/** Thrown by `save()` when the row being updated was deleted meanwhile (Django's `DoesNotExist`); `key` is that row's key, when known. */
export class ObjectDoesNotExist extends Error {
  readonly key?: unknown
  /** The table of that row, when known (a Drizzle table). */
  readonly table?: unknown
  constructor (message: string, key?: unknown, table?: unknown) {
    super(message)
    this.name = 'ObjectDoesNotExist'
    if (key !== undefined) this.key = key
    if (table !== undefined) this.table = table
  }
}

/** Thrown by a write whose precondition (`If-Match`) no longer holds; carries the row as it is now. */
export class PreconditionFailedError extends Error {
  readonly current: Record<string, unknown>
  constructor (current: Record<string, unknown>) {
    super('The item has changed since it was read.')
    this.name = 'PreconditionFailedError'
    this.current = current
  }
}

/** Adds `more` to `errors` in place, appending to the lists of fields already there. */
export function mergeErrors (errors: ErrorDict, more: ErrorDict): ErrorDict {
  for (const field in more) (errors[field] ??= []).push(...more[field])
  return errors
}

/**
 * The `codes` of a 400 beside its `fields`: for every key of `fields`, in order, the message key
 * of each message, taken from `known` (a form's `errorCodes`, a `ValidationError`'s
 * `toCodeDict()`) where it has one at that place, else `invalid`.
 */
export function alignCodes (fields: Readonly<ErrorDict>, known?: Readonly<ErrorDict>): ErrorDict {
  const codes: ErrorDict = {}
  for (const key in fields) {
    const given = known?.[key]
    codes[key] = fields[key].map((_, i) => given?.[i] ?? DEFAULT_CODE)
  }
  return codes
}
