import t from 'tap'
import * as api from 'fastify-form-resources'
import { NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError, WebAPIError } from 'fastify-form-resources'

// djblets' errors and the ones this package numbers from 200, plus the three beyond both tables
const TABLE: Record<string, [code: number, httpStatus: number, errorType: string, msg: string]> = {
  DOES_NOT_EXIST: [100, 404, 'resource-does-not-exist', 'Object does not exist'],
  PERMISSION_DENIED: [101, 403, 'resource-permission-denied', "You don't have permission for this"],
  INVALID_ATTRIBUTE: [102, 400, 'resource-attribute-invalid', 'Invalid attribute'],
  NOT_LOGGED_IN: [103, 401, 'auth-not-logged-in', 'You are not logged in'],
  LOGIN_FAILED: [104, 401, 'auth-login-failed', 'The username or password was not correct'],
  INVALID_FORM_DATA: [105, 400, 'request-field-error', 'One or more fields had errors'],
  MISSING_ATTRIBUTE: [106, 400, 'request-attribute-missing', 'Missing value for the attribute'],
  DUPLICATE_ITEM: [111, 409, 'resource-conflict', 'An entry for this item or its unique key(s) already exists'],
  RATE_LIMIT_EXCEEDED: [114, 429, 'request-rate-limit-exceeded', 'API rate limit has been exceeded.'],
  MALFORMED_BODY: [200, 400, 'request-body-malformed', 'The request body could not be parsed'],
  UNSUPPORTED_MEDIA_TYPE: [201, 415, 'request-media-type-unsupported', 'This content type is not accepted here'],
  REQUEST_TOO_LARGE: [202, 413, 'request-too-large', 'The request body is too large'],
  PRECONDITION_FAILED: [203, 412, 'resource-precondition-failed', 'The item has changed since it was read'],
  METHOD_NOT_ALLOWED: [204, 405, 'request-method-not-allowed', 'This method is not allowed here'],
  SERVER_ERROR: [205, 500, 'server-error', 'The server could not complete the request'],
  ITEM_IN_USE: [206, 409, 'resource-in-use', 'The item is still referred to by other items']
}

const exported = Object.entries(api).filter((entry): entry is [string, WebAPIError] => entry[1] instanceof WebAPIError)

t.test('every predefined error has the code, HTTP status, type and message of the table', async (t) => {
  for (const [name, [code, httpStatus, errorType, msg]] of Object.entries(TABLE)) {
    const error = (api as Record<string, unknown>)[name]
    t.ok(error instanceof WebAPIError, `${name} is exported as a WebAPIError`)
    t.strictSame(
      { code: (error as WebAPIError).code, httpStatus: (error as WebAPIError).httpStatus, errorType: (error as WebAPIError).errorType, msg: (error as WebAPIError).msg },
      { code, httpStatus, errorType, msg },
      name
    )
  }
})

t.test('every exported WebAPIError is in the table under its own name, and no code is used twice', async (t) => {
  t.strictSame(exported.map(([name]) => name).sort(), Object.keys(TABLE).sort())
  for (const [name, error] of exported) t.equal(error.code, TABLE[name][0], `${name} has code ${TABLE[name][0]}`)
  const codes = exported.map(([, error]) => error.code)
  t.equal(new Set(codes).size, codes.length)
})

t.test('the errors of the README\'s tables are all exported', async (t) => {
  const design = ['DOES_NOT_EXIST', 'PERMISSION_DENIED', 'INVALID_ATTRIBUTE', 'NOT_LOGGED_IN', 'LOGIN_FAILED', 'INVALID_FORM_DATA',
    'MISSING_ATTRIBUTE', 'DUPLICATE_ITEM', 'RATE_LIMIT_EXCEEDED', 'MALFORMED_BODY', 'UNSUPPORTED_MEDIA_TYPE', 'REQUEST_TOO_LARGE',
    'PRECONDITION_FAILED']
  t.strictSame(design.filter((name) => !((api as Record<string, unknown>)[name] instanceof WebAPIError)), [])
})

t.test('the authentication errors carry a WWW-Authenticate header and the others none', async (t) => {
  for (const [name, error] of exported) {
    const expected = name === 'NOT_LOGGED_IN' || name === 'LOGIN_FAILED' ? { 'WWW-Authenticate': 'Basic realm="Web API"' } : {}
    t.strictSame(error.headers, expected, name)
    t.equal(error.detail, undefined, `${name} has no detail`)
  }
})

t.test('WebAPIError.with copies the error with another message, detail and added headers', async (t) => {
  const copy = api.NOT_LOGGED_IN.with({ msg: 'Log in first', detail: 'session expired', headers: { 'X-Reason': 'expired' } })
  t.ok(copy instanceof WebAPIError)
  t.not(copy, api.NOT_LOGGED_IN)
  t.strictSame(
    { code: copy.code, httpStatus: copy.httpStatus, errorType: copy.errorType, msg: copy.msg, detail: copy.detail, headers: copy.headers },
    { code: 103, httpStatus: 401, errorType: 'auth-not-logged-in', msg: 'Log in first', detail: 'session expired', headers: { 'WWW-Authenticate': 'Basic realm="Web API"', 'X-Reason': 'expired' } }
  )
  t.equal(api.NOT_LOGGED_IN.msg, 'You are not logged in', 'the original keeps its message')
  t.strictSame(api.NOT_LOGGED_IN.headers, { 'WWW-Authenticate': 'Basic realm="Web API"' }, 'the original keeps its headers')
  t.equal(api.NOT_LOGGED_IN.detail, undefined, 'the original has no detail')
})

t.test('WebAPIError.with with nothing given keeps message, detail and headers', async (t) => {
  const withDetail = api.MALFORMED_BODY.with({ detail: 'Unexpected token } at position 9' })
  const again = withDetail.with({})
  t.strictSame(
    { code: again.code, msg: again.msg, detail: again.detail, headers: again.headers },
    { code: 200, msg: 'The request body could not be parsed', detail: 'Unexpected token } at position 9', headers: {} }
  )
})

t.test('NON_FIELD_ERRORS is Django\'s __all__', async (t) => {
  t.equal(NON_FIELD_ERRORS, '__all__')
})

t.test('ValidationError with a string', async (t) => {
  const error = new ValidationError('Too short.')
  t.ok(error instanceof Error)
  t.equal(error.name, 'ValidationError')
  t.equal(error.message, 'Too short.')
  t.strictSame(error.messages, ['Too short.'])
  t.equal(error.errorDict, undefined)
  t.strictSame(error.toErrorDict(), { __all__: ['Too short.'] })
  t.strictSame(error.toErrorDict('name'), { name: ['Too short.'] })
})

t.test('ValidationError with a list keeps every message in order and copies the list', async (t) => {
  const list = ['First.', 'Second.']
  const error = new ValidationError(list)
  list.push('Third.')
  t.equal(error.message, 'First. Second.')
  t.strictSame(error.messages, ['First.', 'Second.'])
  t.equal(error.errorDict, undefined)
  t.strictSame(error.toErrorDict('title'), { title: ['First.', 'Second.'] })
  t.strictSame(error.toErrorDict(), { __all__: ['First.', 'Second.'] })
})

t.test('ValidationError with an empty list has no messages', async (t) => {
  const error = new ValidationError([])
  t.equal(error.message, '')
  t.strictSame(error.messages, [])
  t.strictSame(error.toErrorDict('name'), { name: [] })
})

t.test('ValidationError with a dict files strings and lists under their fields', async (t) => {
  const source = { name: 'Taken.', __all__: ['Both wrong.', 'Try again.'] }
  const error = new ValidationError(source)
  source.__all__.push('Changed later.')
  t.strictSame(error.messageDict, { name: ['Taken.'], __all__: ['Both wrong.', 'Try again.'] })
  t.strictSame(Object.keys(error.errorDict!), ['name', '__all__'])
  t.ok(error.errorDict!.__all__.every((e) => e instanceof ValidationError), 'errorDict holds one ValidationError per message, as Django\'s')
  t.strictSame(error.errorDict!.__all__.map((e) => e.message), ['Both wrong.', 'Try again.'])
  t.strictSame(error.messages, ['Taken.', 'Both wrong.', 'Try again.'])
  t.equal(error.message, 'Taken. Both wrong. Try again.')
  t.strictSame(error.toErrorDict('ignored'), { name: ['Taken.'], __all__: ['Both wrong.', 'Try again.'] }, 'a dict keeps its own fields whatever field is asked for')
  t.strictSame(error.toErrorDict(), { name: ['Taken.'], __all__: ['Both wrong.', 'Try again.'] })
})

t.test('ValidationError with an empty dict', async (t) => {
  const error = new ValidationError({})
  t.strictSame(error.errorDict, {})
  t.strictSame(error.messageDict, {})
  t.strictSame(error.messages, [])
  t.strictSame(error.toErrorDict('name'), {})
})

t.test('ValidationError nests and flattens as Django\'s', async (t) => {
  const error = new ValidationError(['a', new ValidationError('b'), new ValidationError(['c', 'd'])])
  t.strictSame(error.messages, ['a', 'b', 'c', 'd'])
  t.equal(error.errorList!.length, 4)
  const nested = new ValidationError(['a', new ValidationError({ name: 'N.', __all__: ['W.'] })])
  t.strictSame(nested.messages, ['a', 'N.', 'W.'], 'a per-field error in a list gives its messages')
  t.equal(nested.errorDict, undefined)
  const dict = new ValidationError({ name: [new ValidationError('x', { code: 'maxLength', params: { limit_value: 3 } }), 'y'] })
  t.strictSame(dict.messageDict, { name: ['x', 'y'] })
  t.strictSame(dict.toCodeDict(), { name: ['maxLength', 'invalid'] }, 'codes align with messages; a message given none is `invalid`')
  t.strictSame(dict.errorDict!.name[0].params, { limit_value: 3 })
  const copy = new ValidationError(dict)
  t.strictSame(copy.messageDict, { name: ['x', 'y'] }, 'a ValidationError of a ValidationError keeps its fields')
  t.throws(() => new ValidationError('flat').messageDict, TypeError, 'messageDict only for errors per field, as Django\'s')
})

t.test('ValidationError keeps the code and params of a single message', async (t) => {
  const error = new ValidationError('Ensure this value has at most 3 characters (it has 5).', { code: 'maxLength', params: { limit_value: 3, show_value: 5 } })
  t.equal(error.code, 'maxLength')
  t.strictSame(error.params, { limit_value: 3, show_value: 5 })
  t.strictSame(error.toCodeDict('name'), { name: ['maxLength'] })
  t.equal(new ValidationError('plain').code, undefined)
})

t.test('ObjectDoesNotExist is an Error with its name and message', async (t) => {
  const error = new ObjectDoesNotExist('This author no longer exists.')
  t.ok(error instanceof Error)
  t.equal(error.name, 'ObjectDoesNotExist')
  t.equal(error.message, 'This author no longer exists.')
})
