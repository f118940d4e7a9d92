import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import formResources from 'fastify-form-resources'
import { AuthorResource } from './resources/authors.ts'
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
  /** The bearer token that signs a request in as the demo user. */
  token?: string
  fastify?: FastifyServerOptions
}

const migrationsFolder = fileURLToPath(new URL('./drizzle/sqlite', import.meta.url))

/** Builds the example app (never listens): opens the database, applies migrations, registers the resources. */
export async function buildApp ({ dbFile = ':memory:', token = 'demo', fastify = {} }: BuildAppOptions = {}): Promise<FastifyInstance> {
  const sqlite = new Database(dbFile)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  const db = drizzle(sqlite)
  migrate(db, { migrationsFolder })

  const app = Fastify(fastify)
  app.addHook('onClose', async () => { sqlite.close() })
  // a stand-in for real authentication: `Authorization: Bearer <token>` signs in
  app.decorateRequest('user', undefined)
  app.addHook('onRequest', async (request) => {
    if (request.headers.authorization === `Bearer ${token}`) request.user = { name: 'demo' }
  })
  await app.register(formResources, { db, prefix: '/api', resources: [new AuthorResource(), stickyNoteResource()] })
  app.get('/', async () => ({ resources: [...app.formResources.resources.keys()].map((name) => app.formResources.listUrl(name)) }))
  return app
}
