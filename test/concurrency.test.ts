import { join } from 'node:path'
import t from 'tap'
import { INVALID_FORM_DATA } from 'fastify-form-resources'
import { AuthorResource, buildTestApp, failure, SIGNED_IN, type TestApp } from './helpers/app.ts'

const DUPLICATE = failure(INVALID_FORM_DATA, { fields: { name: ['Author with this Name already exists.'] }, codes: { name: ['unique'] } })

async function createConcurrently ({ app }: TestApp, count: number, payload: (i: number) => Record<string, unknown>) {
  return await Promise.all(Array.from({ length: count }, async (_, i) => {
    return await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: payload(i) })
  }))
}

const databases = [
  { label: 'in memory', open: () => ({}) },
  { label: 'in an on-disk file in WAL mode', open: (dir: string) => ({ file: join(dir, 'concurrency.db'), wal: true }) }
]

for (const { label, open } of databases) {
  t.test(`40 concurrent creates of the same name, ${label}: one row and 39 field errors`, async (t) => {
    const dir = t.testdir()
    const test = await buildTestApp(t, open(dir))
    if (label !== 'in memory') t.equal(test.sqlite.pragma('journal_mode', { simple: true }), 'wal')

    const responses = await createConcurrently(test, 40, () => ({ name: 'Ann Leckie', title: 'MS' }))
    const created = responses.filter((res) => res.statusCode === 201)
    const refused = responses.filter((res) => res.statusCode === 400)
    t.equal(created.length, 1)
    t.equal(refused.length, 39)
    for (const res of refused) t.same(res.json(), DUPLICATE)
    t.same(created[0].json().author.name, 'Ann Leckie')
    t.same(test.rows('authors'), [{ id: created[0].json().author.id, name: 'Ann Leckie', title: 'MS', birth_date: null, secret: null }])
  })

  t.test(`40 concurrent creates of the same name all past the uniqueness query before any insert, ${label}: the database's refusal gives the same field error`, async (t) => {
    // the parse hook holds every request until all 40 have arrived, so all of them find the name free
    let arrived = 0
    let release!: () => void
    const barrier = new Promise<void>((resolve) => { release = resolve })
    class Held extends AuthorResource {
      parse = {
        name: async (value: unknown) => {
          if (++arrived === 40) release()
          await barrier
          return value
        }
      }
    }
    const dir = t.testdir()
    const test = await buildTestApp(t, { ...open(dir), resources: [new Held()] })
    const responses = await createConcurrently(test, 40, () => ({ name: 'Ann Leckie' }))
    t.equal(arrived, 40)
    t.equal(responses.filter((res) => res.statusCode === 201).length, 1)
    const refused = responses.filter((res) => res.statusCode === 400)
    t.equal(refused.length, 39)
    for (const res of refused) t.same(res.json(), DUPLICATE)
    t.equal(test.rows('authors').length, 1)
  })

  t.test(`40 concurrent creates of distinct names, ${label}: 40 rows`, async (t) => {
    const dir = t.testdir()
    const test = await buildTestApp(t, open(dir))
    const responses = await createConcurrently(test, 40, (i) => ({ name: `Author ${i}` }))
    t.same(responses.map((res) => res.statusCode), Array(40).fill(201))
    const names = (test.rows('authors') as Array<{ name: string }>).map((row) => row.name).sort()
    t.same(names, Array.from({ length: 40 }, (_, i) => `Author ${i}`).sort())
  })

  t.test(`20 concurrent renames of different rows to the same name, ${label}: one wins`, async (t) => {
    const dir = t.testdir()
    const test = await buildTestApp(t, open(dir))
    test.sqlite.exec(`INSERT INTO authors (name) VALUES ${Array.from({ length: 20 }, (_, i) => `('Author ${i}')`).join(', ')}`)
    const responses = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      return await test.app.inject({ method: 'PATCH', url: `/api/authors/${i + 1}/`, headers: SIGNED_IN, payload: { name: 'Taken' } })
    }))
    t.equal(responses.filter((res) => res.statusCode === 200).length, 1)
    const refused = responses.filter((res) => res.statusCode === 400)
    t.equal(refused.length, 19)
    for (const res of refused) t.same(res.json(), DUPLICATE)
    const rows = test.rows('authors') as Array<{ name: string }>
    t.equal(rows.length, 20)
    t.equal(rows.filter((row) => row.name === 'Taken').length, 1)
  })
}
