/**
 * The plugin's JSON body parser: Fastify's secure parsing (secure-json-parse), with the reason
 * kept for the 400 (the position of a syntax error, a forbidden key) and a nesting limit, so a
 * body crafted to overflow a recursive serializer further on is refused before it is parsed.
 */
import type { FastifyRequest } from 'fastify'
import secureJson from 'secure-json-parse'
import { MAX_JSON_DEPTH } from './fields/json.ts'

/**
 * How deeply a JSON body may nest: a json field's own limit, plus the body object and a list of
 * items (a bulk request), so that every value a field accepts gets through to the field, which
 * then answers its own message.
 */
export const MAX_BODY_DEPTH = MAX_JSON_DEPTH + 2

const QUOTE = 34
const BACKSLASH = 92
const OPEN_BRACE = 123
const OPEN_BRACKET = 91
const CLOSE_BRACE = 125
const CLOSE_BRACKET = 93

/** Whether a JSON text nests arrays and objects deeper than `limit`, not counting brackets inside strings (one pass, no parsing). */
export function nestsDeeper (text: string, limit: number): boolean {
  // a text shorter than the limit cannot open that many brackets
  if (text.length <= limit) return false
  // nor can one with no more than `limit` brackets that open: counted by indexOf, which is
  // native and far quicker than the loop below, so a common body is never walked char by char
  if (opening(text, '{', limit) + opening(text, '[', limit) <= limit) return false
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
    } else if (c === QUOTE) {
      inString = true
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--
    }
  }
  return false
}

/** How many times `bracket` occurs in `text`, counting no further than `limit + 1`. */
function opening (text: string, bracket: string, limit: number): number {
  let count = 0
  for (let at = text.indexOf(bracket); at !== -1 && count <= limit; at = text.indexOf(bracket, at + 1)) count++
  return count
}

/** A 400 of the body parser: the plugin's error handler answers it `MALFORMED_BODY` with the message as `detail`. */
function malformed (message: string): Error {
  return Object.assign(new Error(message), { statusCode: 400 })
}

/**
 * Parses a JSON body for the plugin's routes (a Fastify content type parser, `parseAs: 'string'`).
 * Refuses an empty body, a body nested deeper than `MAX_BODY_DEPTH`, invalid JSON (with its
 * position) and `__proto__` / `constructor.prototype` keys, each as a 400.
 */
export function parseJson (_request: FastifyRequest, body: string, done: (error: Error | null, value?: unknown) => void): void {
  if (body.length === 0) return done(malformed('The body is empty; send a JSON object of fields.'))
  if (nestsDeeper(body, MAX_BODY_DEPTH)) return done(malformed(`Invalid JSON: nested more than ${MAX_BODY_DEPTH} levels deep.`))
  let value: unknown
  try {
    value = secureJson.parse(body, undefined, { protoAction: 'error', constructorAction: 'error' })
  } catch (error) {
    const message = (error as Error).message
    return done(malformed(message.includes('forbidden') ? `${message}: "__proto__" and "constructor.prototype" keys are refused.` : `Invalid JSON: ${message}`))
  }
  // outside the try: Fastify may run the whole request inside `done`, and its errors are no JSON's
  done(null, value)
}
