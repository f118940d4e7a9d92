import { buildApp } from './app.ts'

const app = await buildApp({
  dbFile: process.env.DB_FILE ?? 'example-app.db',
  databaseUrl: process.env.DATABASE_URL,
  token: process.env.DEMO_TOKEN ?? 'demo',
  dbTimeout: process.env.DB_TIMEOUT === undefined ? undefined : Number(process.env.DB_TIMEOUT),
  etagSecret: process.env.ETAG_SECRET,
  fastify: { logger: { level: process.env.LOG_LEVEL ?? 'info' } }
})
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 3000) })
