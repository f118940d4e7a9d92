/**
 * The soak test's server: the example app in a process of its own (so a crash shows as its
 * exit), listening on 127.0.0.1 on a free port. It reports the port and then its resident set
 * size every 250 ms over IPC, and closes when told `stop`. Configured by the environment:
 * DATABASE_URL (PostgreSQL) or DB_FILE (SQLite), DB_TIMEOUT, LOG_LEVEL.
 */
import { buildApp } from '../example-app/app.ts'

const send = (message: unknown): void => { process.send?.(message) }

const app = await buildApp({
  dbFile: process.env.DB_FILE,
  databaseUrl: process.env.DATABASE_URL,
  dbTimeout: Number(process.env.DB_TIMEOUT ?? 1000),
  fastify: { logger: { level: process.env.LOG_LEVEL ?? 'warn' } }
})
await app.listen({ host: '127.0.0.1', port: 0 })
const address = app.server.address()
send({ port: typeof address === 'object' && address !== null ? address.port : 0 })
const sampler = setInterval(() => send({ rss: process.memoryUsage().rss }), 250)
process.on('message', (message) => {
  if (message !== 'stop') return
  clearInterval(sampler)
  app.close().then(() => process.exit(0), () => process.exit(2))
})
