/**
 * Serves the files of a local-disk storage at its URL prefix (`/uploads/<key>`), as Django's
 * `static()` helper serves `MEDIA_ROOT` in development: what an app on one machine needs. In
 * front of many instances, files belong in an S3-compatible store, served by it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { etagMatches } from './responses.ts'
import type { LocalStorage } from './storage.ts'

// an upload is any file a client sent: never let a browser run one as a page of this site
const ACTIVE = /^(?:text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml)\b/i
const SAFETY = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox",
  // keys carry a random part and are never reused: a file's URL always names the same bytes
  'cache-control': 'public, max-age=31536000, immutable'
}

/**
 * Registers `GET <urlPrefix>*` (and its HEAD) on `app`, answering the stored file with its
 * media type (from its extension), length, ETag and Last-Modified, `nosniff`, a sandboxing
 * Content-Security-Policy, and as an attachment when its type could run as a page; a key that
 * names no file (or no key flydrive accepts) goes to the app's 404 handler.
 */
export function registerFileRoute (app: FastifyInstance, storage: LocalStorage): void {
  app.get(`${storage.urlPrefix}*`, { schema: { hide: true } as object }, async function serveFile (request: FastifyRequest, reply: FastifyReply) {
    const key = (request.params as { '*': string })['*']
    let meta: Awaited<ReturnType<LocalStorage['disk']['getMetaData']>>
    try {
      if (key === '' || key.endsWith('/')) throw new Error('no file')
      meta = await storage.disk.getMetaData(key)
    } catch {
      return reply.callNotFound()
    }
    const type = meta.contentType ?? 'application/octet-stream'
    reply.headers(SAFETY).header('content-type', type).header('etag', meta.etag).header('last-modified', meta.lastModified.toUTCString())
    if (ACTIVE.test(type)) reply.header('content-disposition', 'attachment')
    if (etagMatches(request.headers['if-none-match'], meta.etag)) return reply.code(304).send()
    reply.header('content-length', meta.contentLength)
    return reply.send(await storage.disk.getStream(key))
  })
}
