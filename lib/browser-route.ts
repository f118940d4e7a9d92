/**
 * Serves the browser helper (`browser/index.ts`, built to `dist/browser/index.js`) at
 * `/_ffr/browser.js` of the context it is registered in.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { etagMatches } from './responses.ts'

/** The built module, next to this file once compiled (`dist/browser-route.js` → `dist/browser/index.js`). */
const MODULE_URL = new URL('./browser/index.js', import.meta.url)

/**
 * Registers `GET /_ffr/browser.js` (and its HEAD) on `app`, under the context's prefix.
 *
 * Gets the Fastify instance (the plugin's own context, so the path is `<prefix>/_ffr/browser.js`).
 * Reads the built module once, now, and answers it as `text/javascript` with a strong ETag
 * and `Cache-Control: public, no-cache` (the URL carries no version, so browsers revalidate
 * and get a 304 while the module is unchanged). Throws an `Error` with code
 * `FFR_ERR_BROWSER_NOT_BUILT` when the module has not been built.
 */
export function registerBrowserRoute (app: FastifyInstance): void {
  let source: Buffer
  try {
    source = readFileSync(MODULE_URL)
  } catch (error) {
    throw Object.assign(new Error(`fastify-form-resources: the browser helper is not built (${MODULE_URL.pathname} is missing); run \`npm run build\`, or register the plugin with \`browser: false\`.`, { cause: error }), { code: 'FFR_ERR_BROWSER_NOT_BUILT' })
  }
  const etag = `"${createHash('sha1').update(source).digest('base64url')}"`
  app.get('/_ffr/browser.js', { schema: { hide: true } as object }, (request, reply) => {
    reply.header('content-type', 'text/javascript; charset=utf-8').header('etag', etag).header('cache-control', 'public, no-cache')
    if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send()
    return reply.send(source)
  })
}
