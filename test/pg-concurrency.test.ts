// Race-safe uniqueness on PostgreSQL: concurrent creates and renames of one unique value give
// exactly one winner and field errors (400) for the rest, never a 500.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { DATABASE_URL, pgDatabase } from './helpers/pg.ts'
import { AuthorResource, buildPgApp, SIGNED_IN, tables } from './helpers/pg-tables.ts'

const DUPLICATE = {
  stat: 'fail',
  err: { code: 105, msg: 'One or more fields had errors', type: 'request-field-error' },
  fields: { name: ['Author with this Name already exists.'] },
  codes: { name: ['unique'] }
}

/** Sends one create of `name` per app in `apps`, round robin, all at once; returns the answers. */
async function createAll (apps: FastifyInstance[], n: number, name: string): Promise<Array<{ statusCode: number, body: unknown }>> {
  const answers = await Promise.all(Array.from({ length: n }, async (_, i) =>
    await apps[i % apps.length].inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { name } })))
  return answers.map((res) => ({ statusCode: res.statusCode, body: res.json() }))
}

/** Authors whose saves wait until `n` requests have passed every check: all of them then race to the database. */
function gatedAuthors (n: number): AuthorResource {
  let arrived = 0
  let open!: () => void
  const gate = new Promise<void>((resolve) => { open = resolve })
  return new (class extends AuthorResource {
    async saveForm (...args: Parameters<AuthorResource['saveForm']>): ReturnType<AuthorResource['saveForm']> {
      if (++arrived === n) open()
      await gate
      return await super.saveForm(...args)
    }
  })()
}

t.test('40 concurrent creates of one name, all past the checks before any saves, give 1 row and 39 field errors', async (t) => {
  const { db, query } = await pgDatabase(t, tables)
  const app = await buildPgApp(t, db, [gatedAuthors(40)])
  const answers = await createAll([app], 40, 'Ann')
  const created = answers.filter((a) => a.statusCode === 201)
  const refused = answers.filter((a) => a.statusCode === 400)
  t.equal(created.length, 1)
  t.equal(refused.length, 39)
  t.strictSame(refused.map((a) => a.body), Array(39).fill(DUPLICATE))
  t.strictSame(await query('SELECT name FROM authors'), [{ name: 'Ann' }])
})

t.test('20 concurrent renames to one name, all past the checks before any saves, give 1 rename and 19 field errors', async (t) => {
  const { db, query } = await pgDatabase(t, tables)
  const app = await buildPgApp(t, db, [gatedAuthors(20)])
  for (let i = 1; i <= 20; i++) await query(`INSERT INTO authors (name) VALUES ('author ${i}')`)
  const answers = await Promise.all(Array.from({ length: 20 }, async (_, i) =>
    await app.inject({ method: 'PATCH', url: `/api/authors/${i + 1}/`, headers: SIGNED_IN, payload: { name: 'Ann' } })))
  t.strictSame(answers.map((res) => res.statusCode).sort(), [200, ...Array(19).fill(400)])
  t.strictSame(answers.filter((res) => res.statusCode === 400).map((res) => res.json()), Array(19).fill(DUPLICATE))
  t.strictSame(await query("SELECT count(*)::int AS n FROM authors WHERE name = 'Ann'"), [{ n: 1 }])
  t.strictSame(await query('SELECT count(*)::int AS n FROM authors'), [{ n: 20 }])
})

// Two app instances with pools of their own are two machines' worth of Fastify over one server.
// PGlite is one database inside this process, so this test needs DATABASE_URL (CI sets it).
t.test('two app instances with separate pools racing on one unique name through one PostgreSQL server', {
  skip: DATABASE_URL === undefined ? 'needs DATABASE_URL: two separate pools need a real PostgreSQL server, PGlite has one connection' : false
}, async (t) => {
  const { db, connect, query } = await pgDatabase(t, tables)
  const apps = [await buildPgApp(t, db), await buildPgApp(t, connect())]
  for (const round of ['Ann', 'Bob']) {
    const answers = await createAll(apps, 40, round)
    t.equal(answers.filter((a) => a.statusCode === 201).length, 1, `one ${round} created`)
    t.strictSame(answers.filter((a) => a.statusCode !== 201).map((a) => a.body), Array(39).fill(DUPLICATE), `39 ${round} refused`)
  }
  t.strictSame(await query('SELECT name FROM authors ORDER BY name'), [{ name: 'Ann' }, { name: 'Bob' }])
})
