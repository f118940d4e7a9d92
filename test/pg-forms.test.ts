// Model forms over pgTables: save, update, and unique / unique-together / foreign-key / not-null
// checks, before saving and as PostgreSQL's own errors at save time (a concurrent writer).
import t from 'tap'
import { fields, modelForm, ObjectDoesNotExist, ValidationError } from 'fastify-form-resources'
import { pgDatabase } from './helpers/pg.ts'
import { AuthorForm, authors, BookForm, books, contributions, tables } from './helpers/pg-tables.ts'

t.test('a pgTable form creates a row, then updates only its own columns', async (t) => {
  const { db, query } = await pgDatabase(t, tables)
  const created = await new AuthorForm({ db, data: { name: 'Ann', title: 'MRS', birthDate: '1970-01-02', secret: 'mass-assigned' } }).save()
  t.strictSame(created, { id: 1, name: 'Ann', title: 'MRS', birthDate: '1970-01-02', secret: null })
  await query("UPDATE authors SET secret = 'kept'")
  const [instance] = await query('SELECT id, name, title, birth_date AS "birthDate", secret FROM authors')
  const updated = await new AuthorForm({ db, instance: instance as never, data: { name: 'Anne', title: 'MS', birthDate: '1970-01-02' } }).save()
  t.strictSame(updated, { id: 1, name: 'Anne', title: 'MS', birthDate: '1970-01-02', secret: 'kept' })
  t.strictSame(await query('SELECT id, name, title::text, birth_date::text, secret FROM authors'), [
    { id: 1, name: 'Anne', title: 'MS', birth_date: '1970-01-02', secret: 'kept' }
  ])
})

t.test('a unique column gives the same field error before saving and from PostgreSQL at save time', async (t) => {
  const { db, query } = await pgDatabase(t, tables)
  await new AuthorForm({ db, data: { name: 'Ann' } }).save()
  const duplicate = new AuthorForm({ db, data: { name: 'Ann' } })
  t.equal(await duplicate.isValid(), false)
  t.strictSame(duplicate.errors, { name: ['Author with this Name already exists.'] })

  const late = new AuthorForm({ db, data: { name: 'Bob' } })
  t.equal(await late.isValid(), true)
  await query("INSERT INTO authors (name) VALUES ('Bob')")
  const error = await late.save().catch((e: unknown) => e)
  t.ok(error instanceof ValidationError)
  t.strictSame((error as ValidationError).toErrorDict(), { name: ['Author with this Name already exists.'] })
  t.strictSame(late.errors, { name: ['Author with this Name already exists.'] })
  t.strictSame(await query('SELECT name FROM authors ORDER BY id'), [{ name: 'Ann' }, { name: 'Bob' }])
})

t.test('an update keeps its own unique value and may not take another row\'s', async (t) => {
  const { db, query } = await pgDatabase(t, tables)
  const ann = await new AuthorForm({ db, data: { name: 'Ann' } }).save()
  await new AuthorForm({ db, data: { name: 'Bob' } }).save()
  t.strictSame(await new AuthorForm({ db, instance: ann, data: { name: 'Ann', title: 'MR' } }).save(), { ...ann, title: 'MR' })
  const taken = new AuthorForm({ db, instance: ann, data: { name: 'Bob' } })
  t.equal(await taken.isValid(), false)
  t.strictSame(taken.errors, { name: ['Author with this Name already exists.'] })
  t.strictSame(await query('SELECT name, title::text FROM authors ORDER BY id'), [{ name: 'Ann', title: 'MR' }, { name: 'Bob', title: null }])
})

t.test('unique together gives the __all__ error before saving and from PostgreSQL at save time', async (t) => {
  const { db, query } = await pgDatabase(t, tables)
  await query("INSERT INTO authors (name) VALUES ('Ann')")
  await new BookForm({ db, data: { title: 'Emma', authorId: 1 } }).save()
  const duplicate = new BookForm({ db, data: { title: 'Emma', authorId: '1' } })
  t.equal(await duplicate.isValid(), false)
  t.strictSame(duplicate.errors, { __all__: ['Book with this Title and Author id already exists.'] })

  const late = new BookForm({ db, data: { title: 'Persuasion', authorId: 1 } })
  t.equal(await late.isValid(), true)
  await query("INSERT INTO books (title, author_id) VALUES ('Persuasion', 1)")
  await t.rejects(late.save(), ValidationError)
  t.strictSame(late.errors, { __all__: ['Book with this Title and Author id already exists.'] })
  t.strictSame(await query('SELECT count(*)::int AS n FROM books'), [{ n: 2 }])
})

t.test('a foreign key to a missing row is a field error before saving and from PostgreSQL at save time', async (t) => {
  const { db, query } = await pgDatabase(t, tables)
  const missing = new BookForm({ db, data: { title: 'Emma', authorId: 7 } })
  t.equal(await missing.isValid(), false)
  t.strictSame(missing.errors, { authorId: ['Select a valid choice. That choice is not one of the available choices.'] })

  await query("INSERT INTO authors (name) VALUES ('Ann')")
  const late = new BookForm({ db, data: { title: 'Emma', authorId: 1 } })
  t.equal(await late.isValid(), true)
  await query('DELETE FROM authors')
  await t.rejects(late.save(), ValidationError)
  t.strictSame(late.errors, { authorId: ['Select a valid choice. That choice is not one of the available choices.'] })
  t.strictSame(await query('SELECT * FROM books'), [])
})

t.test('a NOT NULL column a form leaves empty is a required error from PostgreSQL at save time', async (t) => {
  const { db, query } = await pgDatabase(t, tables)
  const LooseForm = modelForm(authors, { fields: ['name', 'title'], declared: { name: fields.string({ required: false }) } })
  const form = new LooseForm({ db, data: { title: 'MR' } })
  t.equal(await form.isValid(), true)
  await t.rejects(form.save(), ValidationError)
  t.strictSame(form.errors, { name: ['This field is required.'] })
  t.strictSame(await query('SELECT * FROM authors'), [])
})

t.test('constraint names longer than 63 bytes are matched as PostgreSQL cuts them', async (t) => {
  const { db, query } = await pgDatabase(t, tables)
  const rows = await query("SELECT conname FROM pg_constraint WHERE conrelid = 'registered_contributor_publications'::regclass AND contype IN ('u', 'f') ORDER BY conname")
  t.strictSame(rows, [
    { conname: 'registered_contributor_publications_contributor_identifier_auth' },
    { conname: 'registered_contributor_publications_slug_of_the_publication_uni' }
  ])
  const ContributionForm = modelForm(contributions, { fields: ['contributorIdentifier', 'slugOfThePublication'] })
  await query("INSERT INTO authors (name) VALUES ('Ann')")
  const late = new ContributionForm({ db, data: { contributorIdentifier: 1, slugOfThePublication: 'emma' } })
  t.equal(await late.isValid(), true)
  await query("INSERT INTO registered_contributor_publications (slug_of_the_publication) VALUES ('emma')")
  await t.rejects(late.save(), ValidationError)
  t.strictSame(late.errors, { slugOfThePublication: ['Registered contributor publication with this Slug of the publication already exists.'] })

  const gone = new ContributionForm({ db, data: { contributorIdentifier: 1, slugOfThePublication: 'persuasion' } })
  t.equal(await gone.isValid(), true)
  await query('DELETE FROM authors')
  await t.rejects(gone.save(), ValidationError)
  t.strictSame(gone.errors, { contributorIdentifier: ['Select a valid choice. That choice is not one of the available choices.'] })
})

t.test('a unique index Drizzle does not know is read from PostgreSQL\'s detail and reported for the whole form', async (t) => {
  const { db, query } = await pgDatabase(t, tables)
  await query("INSERT INTO authors (name) VALUES ('Ann')")
  await query('CREATE UNIQUE INDEX one_length_per_author ON books (author_id, pages)')
  await new BookForm({ db, data: { title: 'Emma', pages: 300, authorId: 1 } }).save()
  const form = new BookForm({ db, data: { title: 'Persuasion', pages: 300, authorId: 1 } })
  await t.rejects(form.save(), ValidationError)
  t.strictSame(form.errors, { __all__: ['An entry with these values already exists.'] })
  t.strictSame(await query('SELECT title FROM books'), [{ title: 'Emma' }])
})

t.test('a value PostgreSQL refuses (out of its range) is a form error, not a crash', async (t) => {
  const { db, query } = await pgDatabase(t, tables)
  await query("INSERT INTO authors (name) VALUES ('Ann')")
  const UncheckedForm = modelForm(books, { fields: ['title', 'pages', 'authorId'], declared: { pages: fields.integer({ required: false }) } })
  const form = new UncheckedForm({ db, data: { title: 'Emma', pages: 3000000000, authorId: 1 } })
  t.equal(await form.isValid(), true)
  await t.rejects(form.save(), ValidationError)
  t.strictSame(form.errors, { __all__: ['The database refused these values.'] })
  t.strictSame(await query('SELECT * FROM books'), [])
})

t.test('updating a row deleted meanwhile throws ObjectDoesNotExist', async (t) => {
  const { db, query } = await pgDatabase(t, tables)
  const ann = await new AuthorForm({ db, data: { name: 'Ann' } }).save()
  await query('DELETE FROM authors')
  await t.rejects(new AuthorForm({ db, instance: ann, data: { name: 'Anne' } }).save(), ObjectDoesNotExist)
  t.strictSame(await query('SELECT * FROM authors'), [])
})
