// The edges of relations and formsets on SQLite: parse hooks on bulk items, a concurrent writer
// meeting a parent and its inline children, the parent deleted meanwhile, and batches past
// SQLite's parameter limit.
import t from 'tap'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { integer, primaryKey, sqliteTable } from 'drizzle-orm/sqlite-core'
import Fastify, { type FastifyRequest } from 'fastify'
import formResources, { FormResource, inlineFormSet, modelForm, ValidationError } from 'fastify-form-resources'
import { createAdapter } from '../lib/db/index.ts'
import { insertSizes, lookupSizes } from '../lib/db/batch.ts'
import { authors, bookModel, countingDb } from './helpers/relations.ts'
import { signInFromHeader } from './helpers/app.ts'

const H = { 'x-user': 'ann' }

async function build (t: Parameters<typeof countingDb>[0], cleanFormSet?: (sqlite: ReturnType<typeof countingDb>['sqlite']) => void) {
  const counting = countingDb(t)
  const Books = inlineFormSet(authors, bookModel, { fk: 'authorId', fields: ['title', 'isbn', 'tags'], canDelete: true, ...(cleanFormSet !== undefined ? { cleanFormSet: () => cleanFormSet(counting.sqlite) } : {}) })
  class AuthorResource extends FormResource<typeof authors> {
    name = 'author'
    table = authors
    formClass = modelForm(authors, { fields: ['name'] })
    bulk = true
    inlines = { books: Books }
    parse = { name: (value: unknown) => { if (value === 'refused') throw new ValidationError('Not that name.'); return typeof value === 'string' ? value.replace(/_/g, ' ') : value } }
    hasModifyPermissions (request: FastifyRequest): boolean { return request.user != null }
    hasDeletePermissions (request: FastifyRequest): boolean { return request.user != null }
  }
  const app = Fastify()
  t.teardown(() => app.close())
  signInFromHeader(app)
  await app.register(formResources, { db: counting.db, prefix: '/api', resources: [new AuthorResource()] })
  counting.sqlite.exec("insert into authors (name) values ('Ann')")
  return { app, ...counting }
}

t.test('bulk items go through the resource\'s parse hooks, their refusals filed on the item', async (t) => {
  const { app, rows } = await build(t)
  const refused = await app.inject({ method: 'POST', url: '/api/authors/', headers: H, payload: [{ name: 'Ann_Leckie' }, { name: 'refused' }] })
  t.equal(refused.statusCode, 400)
  t.strictSame(refused.json().fields, { 'authors-1-name': ['Not that name.'] })
  const ok = await app.inject({ method: 'POST', url: '/api/authors/', headers: H, payload: [{ name: 'Ann_Leckie' }, { name: 'Iain_Banks' }] })
  t.strictSame(ok.json().authors.map((a: { name: string }) => a.name), ['Ann Leckie', 'Iain Banks'])
  const patched = await app.inject({ method: 'PATCH', url: '/api/authors/', headers: H, payload: [{ id: 1, name: 'Ann_Two' }] })
  t.strictSame(patched.json().authors.map((a: { name: string }) => a.name), ['Ann Two'])
  t.strictSame(rows('select name from authors order by id'), [{ name: 'Ann Two' }, { name: 'Ann Leckie' }, { name: 'Iain Banks' }])
})

t.test('a concurrent writer meets a parent and its children: the child\'s or the parent\'s field error, nothing written', async (t) => {
  let taken = ''
  const { app, rows } = await build(t, (sqlite) => { if (taken !== '') sqlite.exec(taken) })
  taken = "insert into books (authorId, title, isbn) values (1, 'meanwhile', '2')"
  const child = await app.inject({ method: 'POST', url: '/api/authors/', headers: H, payload: { name: 'Cy', books: [{ title: 'One', isbn: '1' }, { title: 'Two', isbn: '2', tags: [1] }] } })
  t.equal(child.statusCode, 400)
  t.strictSame(child.json().fields, { 'books-1-isbn': ['Book with this ISBN already exists.'] })
  t.strictSame(rows('select name from authors'), [{ name: 'Ann' }])
  t.strictSame(rows('select title from books'), [{ title: 'meanwhile' }])

  taken = "insert into authors (name) values ('Dee')"
  const parent = await app.inject({ method: 'POST', url: '/api/authors/', headers: H, payload: { name: 'Dee', books: [{ title: 'Three' }] } })
  t.equal(parent.statusCode, 400)
  t.strictSame(parent.json().fields, { name: ['Author with this Name already exists.'] })
  t.strictSame(rows('select title from books'), [{ title: 'meanwhile' }])

  taken = 'delete from tags where id = 9'
  const tag = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: H, payload: { books: [{ title: 'Four', tags: [9] }] } })
  t.equal(tag.statusCode, 400)
  t.strictSame(tag.json().fields, { 'books-0-tags': ['Select a valid choice. 9 is not one of the available choices.'] })

  taken = 'delete from authors where id = 1'
  const gone = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: H, payload: { name: 'Ann 2', books: [{ title: 'Five' }] } })
  t.equal(gone.statusCode, 404, 'the parent deleted meanwhile')
  t.strictSame(rows('select title from books'), [])
})

t.test('past SQLite\'s parameter limit: lookups and junction writes are split, and still one transaction', async (t) => {
  t.strictSame(lookupSizes(1, 1, 100), [1])
  t.strictSame(lookupSizes(5, 1, 100), [8])
  t.strictSame(lookupSizes(100, 1, 100), [64, 64])
  t.strictSame(lookupSizes(70, 2, 100), [32, 32, 8])
  t.strictSame(insertSizes(1000, 3, 65_535), [512, 256, 128, 64, 32, 8])
  t.strictSame(insertSizes(2500, 3, 65_535), [1024, 1024, 256, 128, 64, 4])
  t.strictSame(insertSizes(10, 5, 20), [4, 4, 2])
  const { sqlite, statements, reset } = countingDb(t)
  const pairs = sqliteTable('pairs', { a: integer().notNull(), b: integer().notNull() }, (p) => [primaryKey({ columns: [p.a, p.b] })])
  sqlite.exec('create table pairs (a integer not null, b integer not null, primary key (a, b))')
  const adapter = createAdapter(drizzle(sqlite))
  const keys = Array.from({ length: 20_000 }, (_, i) => i)
  await adapter.write([{ op: 'relate', table: pairs, source: 'a', target: 'b', sets: [[1, keys], [2, [5]]], replace: true }])
  t.equal((sqlite.prepare('select count(*) as n from pairs').get() as { n: number }).n, 20_001)
  reset()
  await adapter.write([{ op: 'relate', table: pairs, source: 'a', target: 'b', sets: [[1, keys.slice(0, 10)], [2, []]], replace: true }])
  t.strictSame(sqlite.prepare('select a, count(*) as n from pairs group by a').all(), [{ a: 1, n: 10 }])
  t.equal(statements.filter((s) => s.startsWith('delete')).length, 1, 'one delete when the pairs fit')
  reset()
  await adapter.write([{ op: 'relate', table: pairs, source: 'a', target: 'b', sets: [[1, keys], [3, keys.slice(0, 3)]], replace: true }])
  t.equal(statements.filter((s) => s.startsWith('delete')).length, 2, 'past the limit, one delete per source')
  t.equal((sqlite.prepare('select count(*) as n from pairs').get() as { n: number }).n, 20_003)
  const found = await adapter.findIn(pairs, ['b'], keys.concat(keys.map((k) => k + 20_000)).map((k) => [k]), { read: ['b'], scope: ['a', 1] })
  t.equal(found.length, 20_000, 'a lookup of 40,000 keys in two statements')
  t.strictSame(await adapter.findIn(pairs, ['b'], []), [], 'no keys, no statement')
})
