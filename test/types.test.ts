// Pins the types that flow from the table; `tsc --noEmit` checks this file (npm run typecheck).
import t from 'tap'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { sql, type InferSelectModel } from 'drizzle-orm'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import Fastify, { type FastifyInstance } from 'fastify'
import formResources, {
  defineResource, FormResource, modelForm, WebAPIError,
  type ErrorDict, type FormResourcesDecorator, type FormResult, type ModelForm, type ModelFormClass
} from 'fastify-form-resources'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
type Expect<T extends true> = T

const authors = sqliteTable('authors', {
  id: integer().primaryKey({ autoIncrement: true }),
  name: text({ length: 200 }).notNull().unique(),
  title: text({ enum: ['MR', 'MRS', 'MS'] })
})
type Author = InferSelectModel<typeof authors>

const AuthorForm = modelForm(authors, { fields: ['name', 'title'] })

class AuthorResource extends FormResource<typeof authors> {
  name = 'author'
  table = authors
  formClass = AuthorForm
}
export const noted = defineResource({
  name: 'note',
  table: authors,
  formClass: AuthorForm,
  parse: { name: (value) => String(value).trim() }
})

export type _FormClass = Expect<Equal<typeof AuthorForm, ModelFormClass<typeof authors>>>
export type _Save = Expect<Equal<Awaited<ReturnType<ModelForm<typeof authors>['save']>>, Author>>
export type _Cleaned = Expect<Equal<ModelForm<typeof authors>['cleanedData']['title'], 'MR' | 'MRS' | 'MS' | null | undefined>>
export type _Errors = Expect<Equal<ModelForm<typeof authors>['errors'], ErrorDict>>
export type _GetObject = Expect<Equal<Awaited<ReturnType<AuthorResource['getObject']>>, Author | undefined>>
export type _Handle = Expect<Equal<Awaited<ReturnType<AuthorResource['handleFormRequest']>>, FormResult<typeof authors>>>
export type _Defined = Expect<Equal<typeof noted, FormResource<typeof authors>>>
// lib/ and dist/ both declare the decorator in this project, so it is pinned by its members
export type _Decorator = Expect<Equal<keyof FastifyInstance['formResources'], keyof FormResourcesDecorator>>
export type _ListUrl = Expect<Equal<FastifyInstance['formResources']['listUrl'], (name: string) => string>>

t.test('an unknown column is refused by the compiler and at startup', async (t) => {
  // @ts-expect-error fields are keyed by the table's columns
  t.throws(() => modelForm(authors, { fields: ['nickname'] }), /unknown field "nickname"/)
  // @ts-expect-error parse hooks are keyed by the table's columns
  const resource = defineResource({ name: 'x', table: authors, formClass: AuthorForm, parse: { nickname: (value: unknown) => value } })
  t.same(Object.keys(resource.parse), ['nickname'])
})

t.test('the typed API saves and answers as its types say', async (t) => {
  const sqlite = new Database(':memory:')
  t.teardown(() => sqlite.close())
  const db = drizzle(sqlite)
  db.run(sql`create table authors (id integer primary key autoincrement, name text not null unique, title text)`)
  const resource = new AuthorResource({ db })
  const form = new AuthorForm({ db, data: { name: 'Ann', title: 'MS' } })
  const row: Author = await form.save()
  t.same(row, { id: 1, name: 'Ann', title: 'MS' })
  const [status, payload] = await resource.handleFormRequest({ data: { name: 'Ann' } })
  t.ok(status instanceof WebAPIError)
  t.same(payload, { fields: { name: ['Author with this Name already exists.'] } })

  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(formResources, { db, prefix: '/api', resources: [resource] })
  t.equal(app.formResources.itemUrl('author', row), '/api/authors/1/')
})
