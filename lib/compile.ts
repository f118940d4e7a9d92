/**
 * Functions written out as source once, when a form class, a table or a statement is first
 * used, as fast-json-stringify writes a serializer and Ajv a validator. A loop over a form's
 * fields or a table's columns reads and writes objects by a key that changes from one step to
 * the next, which V8 turns into its slowest property accesses once it has seen a few keys; the
 * same work written out field by field reads each by a name known in advance. Every name in the
 * source comes from a form's or a table's definition, written as a string literal; nothing a
 * request sends ever becomes source.
 */

/** A property name as a string literal of source. */
export function literal (name: string): string {
  return JSON.stringify(name)
}

/**
 * Makes a function from source: `body` is the body of a function `name` (as profiles show it)
 * of `params`, and may refer to each key of `env` as a variable holding its value.
 */
export function compile<T> (name: string, params: readonly string[], body: string, env: Readonly<Record<string, unknown>> = {}): T {
  const names = Object.keys(env)
  // eslint-disable-next-line no-new-func -- see the module's comment: names from definitions, as literals
  const make = new Function(...names, `return function ${name} (${params.join(', ')}) {\n${body}\n}`) as (...values: unknown[]) => T
  return make(...names.map((name) => env[name]))
}

/** Whether an object literal of source may name this key: `__proto__:` would set the prototype instead. */
export function literalKey (name: string): boolean {
  return name !== '__proto__'
}
