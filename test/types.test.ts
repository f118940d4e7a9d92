// Pins the types that flow from the table; `tsc --noEmit` checks this file (npm run typecheck).
import t from 'tap'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { sql, type InferSelectModel } from 'drizzle-orm'
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import Fastify, { type FastifyInstance } from 'fastify'
import formResources, {
  defineModel, defineResource, FormResource, inlineFormSet, modelForm, modelFormSet, WebAPIError,
  fields, type ErrorDict, type FieldNames, type FormResourcesDecorator, type FormResult, type ModelForm, type ModelFormClass
} from 'fastify-form-resources'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
type Expect<T extends true> = T
/** Pins a type inside a function body, where a type alias could not be exported: `pin<Equal<A, B>>()`. */
function pin<T extends true> (): T | undefined { return undefined }

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

export type _FormClass = Expect<Equal<typeof AuthorForm, ModelFormClass<typeof authors, 'name' | 'title'>>>
export type _FieldNames = Expect<Equal<FieldNames<typeof AuthorForm>, 'name' | 'title'>>
export type _Save = Expect<Equal<Awaited<ReturnType<ModelForm<typeof authors>['save']>>, Author>>
export type _Cleaned = Expect<Equal<ModelForm<typeof authors>['cleanedData']['title'], 'MR' | 'MRS' | 'MS' | null | undefined>>
export type _Errors = Expect<Equal<ModelForm<typeof authors>['errors'], ErrorDict>>
export type _GetObject = Expect<Equal<Awaited<ReturnType<AuthorResource['getObject']>>, Author | undefined>>
export type _Handle = Expect<Equal<Awaited<ReturnType<AuthorResource['handleFormRequest']>>, FormResult<typeof authors>>>
export type _Defined = Expect<Equal<typeof noted, FormResource<typeof authors, 'name' | 'title'>>>
export type _Parse = Expect<Equal<keyof typeof noted.parse, 'name' | 'title'>>
// lib/ and dist/ both declare the decorator in this project, so it is pinned by its members
export type _Decorator = Expect<Equal<keyof FastifyInstance['formResources'], keyof FormResourcesDecorator>>
export type _ListUrl = Expect<Equal<FastifyInstance['formResources']['listUrl'], (name: string) => string>>

t.test('an unknown column is refused by the compiler and at startup', async (t) => {
  // @ts-expect-error fields are keyed by the table's columns
  t.throws(() => modelForm(authors, { fields: ['nickname'] }), /unknown field "nickname"/)
  // @ts-expect-error parse hooks are keyed by the form's fields
  t.throws(() => defineResource({ name: 'x', table: authors, formClass: AuthorForm, parse: { titel: (value: unknown) => value } }),
    { code: 'FFR_ERR_UNKNOWN_FIELD', message: 'resource "x": unknown field "titel" in `parse`; did you mean "title"?' })
})

t.test('options keyed by field take only the form\'s fields, at compile time and at definition', async (t) => {
  // @ts-expect-error a clean hook of a column that is not in the form
  t.throws(() => modelForm(authors, { fields: ['name'], clean: { title: (value: unknown) => value } }), { code: 'FFR_ERR_UNKNOWN_FIELD', message: 'modelForm(authors): unknown field "title" in `clean`; the fields are: name.' })
  // @ts-expect-error a typo in labels
  t.throws(() => modelForm(authors, { fields: ['name', 'title'], labels: { titel: 'Title' } }), { code: 'FFR_ERR_UNKNOWN_FIELD', message: 'modelForm(authors): unknown field "titel" in `labels`; did you mean "title"?' })
  // @ts-expect-error a typo in helpTexts
  t.throws(() => modelForm(authors, { fields: ['name'], helpTexts: { nmae: 'x' } }), { code: 'FFR_ERR_UNKNOWN_FIELD' })
  // @ts-expect-error a typo in errorMessages
  t.throws(() => modelForm(authors, { fields: ['name'], errorMessages: { nam: { required: 'x' } } }), { code: 'FFR_ERR_UNKNOWN_FIELD' })
  t.doesNotThrow(() => modelForm(authors, { fields: ['name'], errorMessages: { __all__: { uniqueTogether: 'x' } } }), '__all__ is a key of errorMessages')
  const Declared = modelForm(authors, {
    fields: ['name'],
    declared: { slug: fields.slug(), count: fields.integer({ required: false }) },
    clean: {
      name: (value) => {
        pin<Equal<typeof value, string>>()
        return value.trim()
      },
      slug: (value) => {
        pin<Equal<typeof value, string | null | undefined>>()
        return value
      },
      count: (value) => {
        pin<Equal<typeof value, number | null | undefined>>()
        return value
      }
    }
  })
  const declaredNames: Expect<Equal<FieldNames<typeof Declared>, 'name' | 'slug' | 'count'>> = true
  t.ok(declaredNames)
  modelForm(authors, {
    fields: '__all__',
    clean: {
      title: (value) => {
        pin<Equal<typeof value, 'MR' | 'MRS' | 'MS' | null | undefined>>()
        return value
      }
    }
  })
  t.strictSame(Object.keys(Declared.baseFields), ['name', 'slug', 'count'])
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
  t.same(payload, { fields: { name: ['Author with this Name already exists.'] }, codes: { name: ['unique'] } })

  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(formResources, { db, prefix: '/api', resources: [resource] })
  t.equal(app.formResources.itemUrl('author', row), '/api/authors/1/')
})

const tagsTable = sqliteTable('tags', { id: integer().primaryKey(), name: text().notNull() })
const authorTags = sqliteTable('author_tags', { authorId: integer().notNull().references(() => authors.id), tagId: integer().notNull().references(() => tagsTable.id) }, (t) => [primaryKey({ columns: [t.authorId, t.tagId] })])
const taggedAuthors = defineModel(authors, { manyToMany: { tags: { through: authorTags, source: authorTags.authorId, target: authorTags.tagId } } })
const TaggedForm = modelForm(taggedAuthors, { fields: ['name', 'tags'] })
const TaggedSet = modelFormSet(TaggedForm, { canDelete: true })
const ByTable = modelFormSet(taggedAuthors, { fields: ['name', 'tags'] })
const books = sqliteTable('books', { id: integer().primaryKey(), authorId: integer().notNull().references(() => authors.id), title: text().notNull() })
const Inline = inlineFormSet(authors, books, { fk: 'authorId', fields: ['title'] })

export type _Relations = Expect<Equal<FieldNames<typeof TaggedForm>, 'name' | 'tags'>>
export type _FormSetSave = Expect<Equal<Awaited<ReturnType<InstanceType<typeof TaggedSet>['save']>>, Array<Author | null>>>
export type _FormSetForms = Expect<Equal<InstanceType<typeof ByTable>['forms'], Array<ModelForm<typeof authors, 'name' | 'tags'>>>>
export type _FormSetErrors = Expect<Equal<InstanceType<typeof Inline>['errors'], ErrorDict[]>>
export type _Changed = Expect<Equal<InstanceType<typeof Inline>['changedObjects'], Array<[InferSelectModel<typeof books>, string[]]>>>

t.test('many-to-many names are form fields, and only the model\'s', async (t) => {
  // @ts-expect-error a relation the model does not declare
  t.throws(() => modelForm(taggedAuthors, { fields: ['name', 'tagz'] }), { code: 'FFR_ERR_UNKNOWN_FIELD', message: /did you mean "tags"\?/ })
  // @ts-expect-error fk is a column of the child
  t.throws(() => inlineFormSet(authors, books, { fk: 'author', fields: ['title'] }), { code: 'FFR_ERR_INLINE_FK' })
  t.strictSame(Object.keys(TaggedSet.meta.FormClass.baseFields), ['name', 'tags'])
  t.strictSame(Object.keys(ByTable.meta.FormClass.baseFields), ['name', 'tags'])
  t.equal(Inline.meta.inline?.fk, 'authorId')
})
