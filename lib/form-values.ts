/**
 * Values of an HTML form body (`application/x-www-form-urlencoded` or `multipart/form-data`):
 * a field sent once is its string, a field sent again is a `FormList` of its values in the
 * order sent. A JSON array is a plain array, so a field kind can tell a repeated form field
 * from a list the client meant (a boolean takes a repeated field's last value; see
 * lib/fields/boolean.ts). Imports nothing: the field kinds and the browser side may use it.
 */

/** The values of a form field sent more than once, in the order sent; an `Array` in every other way. */
export class FormList<T = unknown> extends Array<T> {
  /** Makes a list of these values (`Array.of` would make one of the one value given a number). */
  static fromValues<T> (values: readonly T[]): FormList<T> {
    const list = new FormList<T>()
    for (const value of values) list.push(value)
    return list
  }
}

/** Whether `value` is a repeated form field (not a JSON array). */
export function isFormList (value: unknown): value is FormList {
  return value instanceof FormList
}

/**
 * Turns the arrays of a parsed form body (repeated fields) into `FormList`s, in place, and
 * returns the body. Gets an object of strings and arrays of strings, as `querystring.parse`
 * makes it.
 */
export function markRepeated<T extends Record<string, unknown>> (body: T): T {
  for (const key in body) {
    const value = body[key]
    if (Array.isArray(value)) (body as Record<string, unknown>)[key] = FormList.fromValues(value)
  }
  return body
}
