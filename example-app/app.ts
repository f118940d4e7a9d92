import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import formResources, { localStorage, type FileStorage } from 'fastify-form-resources'
import { openDatabase } from './db/index.ts'
import { cookieToken, registerPages } from './pages/index.ts'
import { AuthorResource } from './resources/authors.ts'
import { BookResource, tagResource } from './resources/books.ts'
import { stickyNoteResource } from './resources/sticky-notes.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the demo sign-in below; resources allow writes only when it is set. */
    user?: { name: string }
  }
}

export interface BuildAppOptions {
  /** SQLite file; `:memory:` (the default) for tests. */
  dbFile?: string
  /** A PostgreSQL URL (`postgres://...`): the same app on PostgreSQL instead of SQLite. */
  databaseUrl?: string
  /** The bearer token that signs a request in as the demo user. */
  token?: string
  /** The plugin's bound of each database call, in ms (its default, 5000, when unset); the PostgreSQL pool's timeouts follow it. */
  dbTimeout?: number
  /** The key of keyed ETags, the same on every instance (the plugin's `etagSecret`). */
  etagSecret?: string
  /** Where uploaded avatars go: the folder `./uploads` by default, served by the plugin at `/uploads/`; or any storage (`s3Storage({...})` for several instances). */
  storage?: FileStorage
  fastify?: FastifyServerOptions
}

/** Builds the example app (never listens): opens the database (SQLite, or PostgreSQL at `databaseUrl`), applies migrations, registers the resources; uploads go to `storage`. */
export async function buildApp ({ dbFile = ':memory:', databaseUrl, token = 'demo', dbTimeout, etagSecret, storage = localStorage({ root: './uploads' }), fastify = {} }: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(fastify)
  const { db, schema, close } = await openDatabase({ dbFile, databaseUrl, log: app.log, dbTimeout })
  app.addHook('onClose', close)
  // a stand-in for real authentication: `Authorization: Bearer <token>`, or the page's sign-in cookie, signs in;
  // read when a permission asks for it, rather than by an `onRequest` hook every request would run
  const bearer = `Bearer ${token}`
  const demo = Object.freeze({ name: 'demo' })
  app.decorateRequest('user', {
    getter (this: FastifyRequest) {
      return this.headers.authorization === bearer || cookieToken(this.headers.cookie) === token ? demo : undefined
    }
  })
  try {
    // the demo signs in with a bearer token: its 401 says so, and a browser shows no Basic-auth password dialog
    await app.register(formResources, { db, prefix: '/api', storage, authenticate: 'Bearer realm="example"', resources: [new AuthorResource(schema), new BookResource(schema), tagResource(schema), stickyNoteResource(schema)], dbTimeout, etagSecret })
  } catch (error) {
    // the app never starts: its database is closed here, not by `close()`
    await close()
    throw error
  }
  // registered after the plugin on purpose: it still documents every route of the plugin
  await app.register(swagger, { openapi: { info: { title: 'fastify-form-resources example', version: '0.1.0', description: `Authors, books, tags and sticky notes. Reads are open; writes need \`Authorization: Bearer ${token}\`.` }, components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } }, security: [{}, { bearer: [] }] } })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  const index = { tags: ['index'], summary: 'The resources and their list URLs', operationId: 'listResources', response: { 200: { description: 'The list URL of each resource.', type: 'object', properties: { resources: { type: 'array', items: { type: 'string' } } } } } }
  app.get('/api/', { schema: index }, async () => ({ resources: [...app.formResources.resources.keys()].map((name) => app.formResources.listUrl(name)) }))
  await registerPages(app, { token })
  return app
}
