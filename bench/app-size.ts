/**
 * `npx tsx bench/app-size.ts`: what the app around a resource costs its requests. The hooked
 * phase's sticky-note create, sent with inject() one at a time (12,000 to warm up, then 10,000
 * measured), in four apps, each alone in a new process pinned to core 0 on an SQLite file in
 * /dev/shm seeded with 1,000 authors (bench/inject.ts `oneAtATime`):
 *
 * - `example`: the example app (`buildApp()`), as `npm run bench` runs it: four resources, the
 *   OpenAPI document and its UI, the pages;
 * - `resources`: the plugin with the example app's four resources, its plugin options and its
 *   sign-in, nothing else (no OpenAPI document, no pages);
 * - `alone`: the same with the sticky-notes resource only;
 * - `hand-written`: bench/baseline-server.ts.
 *
 * Prints each app's median main thread CPU µs per request over BENCH_ROUNDS (8) rounds (the
 * order rotating from round to round) and the median of the paired differences. The question it
 * answers: how much of the plugin's extra cost per request is the pipeline's, how much the
 * other resources', and how much the rest of the app's. A tool for changing lib/, not the
 * benchmark; on a shared machine a run moves by a tenth, so read the paired medians of many
 * rounds only.
 */
import { fileURLToPath } from 'node:url'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import formResources, { localStorage } from 'fastify-form-resources'
import { buildApp } from '../example-app/app.ts'
import { openDatabase } from '../example-app/db/index.ts'
import { AuthorResource } from '../example-app/resources/authors.ts'
import { BookResource, tagResource } from '../example-app/resources/books.ts'
import { stickyNoteResource } from '../example-app/resources/sticky-notes.ts'
import { buildBaseline } from './baseline-server.ts'
import { median, oneAtATime, pinnedRunner } from './inject.ts'

const KINDS = ['example', 'resources', 'alone', 'hand-written'] as const
type Kind = typeof KINDS[number]
const token = 't'

if (process.argv[2] === 'run') console.log(await measure(process.argv[3] as Kind))
else drive()

/** The plugin with the example app's four resources (`all`) or its sticky-notes resource only: the example app's plugin options and sign-in, nothing else. */
async function pluginOnly (dbFile: string, all: boolean): Promise<FastifyInstance> {
  const app = Fastify()
  const { db, schema, close } = await openDatabase({ dbFile })
  app.addHook('onClose', close)
  const bearer = `Bearer ${token}`
  const demo = Object.freeze({ name: 'demo' })
  app.decorateRequest('user', { getter (this: FastifyRequest) { return this.headers.authorization === bearer ? demo : undefined } })
  await app.register(formResources, { db, prefix: '/api', storage: localStorage({ root: './uploads' }), authenticate: 'Bearer realm="example"', resources: all ? [new AuthorResource(schema), new BookResource(schema), tagResource(schema), stickyNoteResource(schema)] : [stickyNoteResource(schema)] })
  return app
}

/** One app's main thread CPU µs per hooked create. */
function measure (kind: Kind): Promise<number> {
  const build = (dbFile: string): Promise<FastifyInstance> => kind === 'example' ? buildApp({ dbFile, token }) : kind === 'hand-written' ? buildBaseline({ dbFile, token }) : pluginOnly(dbFile, kind === 'resources')
  return oneAtATime(build, 'hooked', token)
}

function drive (): void {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 8)
  const run = pinnedRunner(fileURLToPath(import.meta.url))
  const results: Record<Kind, number[]> = { example: [], resources: [], alone: [], 'hand-written': [] }
  for (let round = 0; round < rounds; round++) {
    // the order rotates, so that a drift of the machine falls on each app alike
    for (let i = 0; i < KINDS.length; i++) {
      const kind = KINDS[(round + i) % KINDS.length]
      results[kind].push(run(kind))
    }
  }
  const paired = (a: Kind, b: Kind): string => median(results[a].map((x, i) => x - results[b][i])).toFixed(1)
  for (const kind of KINDS) console.log(`${kind}: ${median(results[kind]).toFixed(1)} µs per hooked create (rounds: ${results[kind].map((x) => x.toFixed(0)).join(' ')})`)
  console.log(`paired medians: example - resources ${paired('example', 'resources')} µs, resources - alone ${paired('resources', 'alone')} µs, alone - hand-written ${paired('alone', 'hand-written')} µs, example - hand-written ${paired('example', 'hand-written')} µs`)
}
