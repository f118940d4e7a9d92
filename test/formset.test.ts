// Model and inline formsets on SQLite through the public API: Django's options and messages,
// index-aligned errors, validate_unique across items, one write in one transaction, the
// objects it created, changed and deleted, commit: false, and one query per check for 100 items.
import t from 'tap'
import { codes, inlineFormSet, modelForm, modelFormSet, ValidationError } from 'fastify-form-resources'
import { authors, bookModel, books, countingDb, postModel } from './helpers/relations.ts'

const BookFormSet = modelFormSet(bookModel, { fields: ['authorId', 'title', 'isbn', 'tags'], canDelete: true })
const AuthorBooks = inlineFormSet(authors, bookModel, { fk: 'authorId', fields: ['title', 'isbn', 'tags'], canDelete: true })

function seeded (t: Parameters<typeof countingDb>[0]) {
  const counting = countingDb(t)
  counting.sqlite.exec("insert into authors (name) values ('Ann'), ('Bob')")
  counting.reset()
  return counting
}

t.test('a valid formset writes every item in request order, in one transaction', async (t) => {
  const { db, rows, statements } = seeded(t)
  const formset = new BookFormSet({ db, data: [{ authorId: 1, title: 'A', isbn: '1', tags: [2, 1] }, { authorId: '2', title: 'B' }] })
  t.equal(await formset.isValid(), true)
  t.strictSame(formset.errors, [{}, {}])
  t.strictSame(formset.nonFormErrors, [])
  const saved = await formset.save()
  t.strictSame(saved, [{ id: 1, authorId: 1, editorId: null, title: 'A', isbn: '1' }, { id: 2, authorId: 2, editorId: null, title: 'B', isbn: null }])
  t.strictSame(formset.newObjects, saved)
  t.strictSame(formset.changedObjects, [])
  t.strictSame(formset.deletedObjects, [])
  t.strictSame(rows('select bookId, tagId from book_tags order by tagId'), [{ bookId: 1, tagId: 1 }, { bookId: 1, tagId: 2 }])
  t.equal(statements.filter((s) => s === 'BEGIN IMMEDIATE').length, 1, 'one transaction')
})

t.test('errors are index-aligned with the items, every item checked at once', async (t) => {
  const { db, rows } = seeded(t)
  const formset = new BookFormSet({ db, data: [{ authorId: 1, title: 'A' }, { authorId: 9, title: '' }, { authorId: 1, title: 'C', tags: [3, 99] }] })
  t.equal(await formset.isValid(), false)
  t.strictSame(formset.errors, [
    {},
    { title: ['This field is required.'], authorId: ['Select a valid choice. That choice is not one of the available choices.'] },
    { tags: ['Select a valid choice. 99 is not one of the available choices.'] }
  ])
  t.strictSame(formset.errorCodes, [{}, { title: ['required'], authorId: ['invalidChoice'] }, { tags: ['invalidChoice'] }])
  await t.rejects(formset.save(), { code: 'FFR_ERR_FORMSET_INVALID_SAVE' })
  t.strictSame(rows('select * from books'), [])
  const unbound = new BookFormSet({ db })
  t.equal(await unbound.isValid(), false)
})

t.test('validate_unique across items: duplicates are non-form errors and the later item\'s, deleted items left out', async (t) => {
  const { db } = seeded(t)
  const formset = new BookFormSet({ db, data: [{ authorId: 1, title: 'A', isbn: '1' }, { authorId: 2, title: 'B', isbn: '1' }, { authorId: 1, title: 'A' }, { authorId: 2, title: 'D', isbn: '1' }] })
  t.equal(await formset.isValid(), false)
  t.strictSame(formset.nonFormErrors, ['Please correct the duplicate data for isbn.', 'Please correct the duplicate data for isbn.', 'Please correct the duplicate data for authorId and title, which must be unique.'])
  t.strictSame(formset.nonFormErrorCodes, ['duplicate', 'duplicate', 'duplicate'])
  t.strictSame(formset.errors, [{}, { __all__: ['Please correct the duplicate values below.'] }, { __all__: ['Please correct the duplicate values below.'] }, { __all__: ['Please correct the duplicate values below.'] }])
  t.notOk('isbn' in formset.forms[1].cleanedData, 'the duplicate values are taken out of the cleaned data')

  await new BookFormSet({ db, data: [{ authorId: 1, title: 'Kept', isbn: '7' }, { authorId: 1, title: 'Gone', isbn: '8' }] }).save()
  const deleting = new BookFormSet({ db, data: [{ id: 2, DELETE: true, isbn: '7' }, { id: 1, title: 'Kept', isbn: '7' }, { authorId: 2, title: 'New', isbn: '9' }] })
  t.equal(await deleting.isValid(), true, 'a deleted item is no duplicate')
})

t.test('a swap of unique values between two rows is refused, as Django does', async (t) => {
  const { db, rows } = seeded(t)
  await new BookFormSet({ db, data: [{ authorId: 1, title: 'A', isbn: '1' }, { authorId: 1, title: 'B', isbn: '2' }] }).save()
  const swap = new BookFormSet({ db, data: [{ id: 1, isbn: '2' }, { id: 2, isbn: '1' }] })
  t.equal(await swap.isValid(), false)
  t.strictSame(swap.errors, [{ isbn: ['Book with this ISBN already exists.'] }, { isbn: ['Book with this ISBN already exists.'] }])
  t.strictSame(rows('select id, isbn from books'), [{ id: 1, isbn: '1' }, { id: 2, isbn: '2' }])
})

t.test('an update, a delete and a create in one write; unchanged rows are not written', async (t) => {
  const { db, rows, queries, reset } = seeded(t)
  await new BookFormSet({ db, data: [{ authorId: 1, title: 'A', tags: [1] }, { authorId: 1, title: 'B' }, { authorId: 2, title: 'C' }] }).save()
  reset()
  const formset = new BookFormSet({ db, data: [{ id: 1, title: 'A2', tags: [2, 3] }, { id: 2, DELETE: true }, { id: 3, title: 'C' }, { authorId: 2, title: 'D' }, { id: 99, title: 'x', DELETE: true }] })
  t.equal(await formset.isValid(), false, 'a key that names no row is that item\'s error')
  t.strictSame(formset.errors[4], { id: ['Select a valid choice. That choice is not one of the available choices.'] })
  t.strictSame(formset.items.map((item) => item.kind), ['update', 'delete', 'update', 'create', 'invalid'])

  const ok = new BookFormSet({ db, data: [{ id: 1, title: 'A2', tags: [2, 3] }, { id: 2, DELETE: true }, { id: 3, title: 'C' }, { authorId: 2, title: 'D' }, { title: 'new and deleted', DELETE: true }] })
  reset()
  const saved = await ok.save()
  t.strictSame(saved, [{ id: 1, authorId: 1, editorId: null, title: 'A2', isbn: null }, null, { id: 3, authorId: 2, editorId: null, title: 'C', isbn: null }, { id: 4, authorId: 2, editorId: null, title: 'D', isbn: null }, null])
  t.strictSame(ok.changedObjects, [[{ id: 1, authorId: 1, editorId: null, title: 'A2', isbn: null }, ['title', 'tags']]])
  t.strictSame(ok.deletedObjects, [{ id: 2, authorId: 1, editorId: null, title: 'B', isbn: null }])
  t.strictSame(ok.newObjects, [{ id: 4, authorId: 2, editorId: null, title: 'D', isbn: null }])
  t.notOk(queries().some((sql) => sql.startsWith('update "books"') && sql.includes('where "books"."id" = 3')), 'the unchanged row is not written')
  t.strictSame(rows('select id, title from books order by id'), [{ id: 1, title: 'A2' }, { id: 3, title: 'C' }, { id: 4, title: 'D' }])
  t.strictSame(rows('select bookId, tagId from book_tags order by tagId'), [{ bookId: 1, tagId: 2 }, { bookId: 1, tagId: 3 }])
})

t.test('Django\'s limits: maxNum with validateMax, minNum with validateMin, absoluteMax before any form is made', async (t) => {
  const { db } = seeded(t)
  const Limited = modelFormSet(bookModel, { fields: ['authorId', 'title'], maxNum: 2, validateMax: true, minNum: 2, validateMin: true, absoluteMax: 3, canDelete: true })
  const many = new Limited({ db, data: [{ authorId: 1, title: 'a' }, { authorId: 1, title: 'b' }, { authorId: 1, title: 'c' }] })
  t.equal(await many.isValid(), false)
  t.strictSame(many.nonFormErrors, ['Please submit at most 2 forms.'])
  t.strictSame(many.nonFormErrorCodes, ['tooManyForms'])
  const few = new Limited({ db, data: [{ authorId: 1, title: 'a' }] })
  t.equal(await few.isValid(), false)
  t.strictSame(few.nonFormErrors, ['Please submit at least 2 forms.'])
  const One = modelFormSet(bookModel, { fields: ['authorId', 'title'], maxNum: 1, validateMax: true, minNum: 1, validateMin: true })
  t.strictSame((await (async () => { const f = new One({ db, data: [{ authorId: 1, title: 'a' }, { authorId: 1, title: 'b' }] }); await f.isValid(); return f.nonFormErrors })()), ['Please submit at most 1 form.'])
  t.strictSame((await (async () => { const f = new One({ db, data: [] }); await f.isValid(); return f.nonFormErrors })()), ['Please submit at least 1 form.'])
  const flood = new Limited({ db, data: Array.from({ length: 4 }, () => ({ authorId: 1, title: 'x' })) })
  t.equal(await flood.isValid(), false)
  t.strictSame(flood.nonFormErrors, ['Please submit at most 2 forms.'], 'past absoluteMax: Django\'s too many forms, with maxNum')
  t.strictSame(flood.items, [], 'no item read, no form made')
  const defaults = modelFormSet(bookModel, { fields: ['title'] }).meta.limits
  t.strictSame(defaults, { extra: 1, canDelete: false, maxNum: 1000, validateMax: false, minNum: 0, validateMin: false, absoluteMax: 2000, editOnly: false })
  t.throws(() => modelFormSet(bookModel, { fields: ['title'], maxNum: 10, absoluteMax: 5 }), { code: 'FFR_ERR_FORMSET_ABSOLUTE_MAX' })
  t.throws(() => modelFormSet(bookModel, { fields: ['title'], maxNum: -1 }), { code: 'FFR_ERR_FORMSET_LIMIT' })
  const Messages = modelFormSet(bookModel, { fields: ['authorId', 'title'], maxNum: 1, validateMax: true, formsetMessages: { tooManyForms: 'One book at a time (%(num)d).' } })
  const told = new Messages({ db, data: [{ authorId: 1, title: 'a' }, { authorId: 1, title: 'b' }] })
  await told.isValid()
  t.strictSame(told.nonFormErrors, ['One book at a time (1).'])
  t.throws(() => modelFormSet(bookModel, { fields: ['title'], formsetMessages: { tooMany: 'x' } as never }), { code: 'FFR_ERR_UNKNOWN_FIELD' })
})

t.test('editOnly validates new items and never creates them; cleanFormSet adds non-form errors', async (t) => {
  const { db, rows } = seeded(t)
  await new BookFormSet({ db, data: [{ authorId: 1, title: 'A' }] }).save()
  const EditOnly = modelFormSet(bookModel, { fields: ['authorId', 'title'], editOnly: true })
  const edit = new EditOnly({ db, data: [{ id: 1, title: 'A2' }, { authorId: 1, title: 'New' }] })
  t.strictSame(await edit.save(), [{ id: 1, authorId: 1, editorId: null, title: 'A2', isbn: null }, null])
  t.strictSame(edit.newObjects, [])
  t.strictSame(rows('select title from books'), [{ title: 'A2' }])
  const Checked = modelFormSet(bookModel, {
    fields: ['authorId', 'title'],
    cleanFormSet: (forms) => {
      if (forms.filter((form) => form.cleanedData.authorId === 2).length > 1) throw new ValidationError('Bob writes one book at a time.', { code: 'oneAtATime' })
    }
  })
  const checked = new Checked({ db, data: [{ authorId: 2, title: 'x' }, { authorId: 2, title: 'y' }] })
  t.equal(await checked.isValid(), false)
  t.strictSame([checked.nonFormErrors, checked.nonFormErrorCodes], [['Bob writes one book at a time.'], ['oneAtATime']])
  const Async = modelFormSet(bookModel, { fields: ['authorId', 'title'], cleanFormSet: async () => { throw new ValidationError('later') } })
  const later = new Async({ db, data: [{ authorId: 2, title: 'x' }] })
  t.equal(await later.isValid(), false)
  t.strictSame(later.nonFormErrors, ['later'])
})

t.test('Django\'s management form: counts, initial forms by key, empty extra forms skipped, missing fields refused', async (t) => {
  const { db, rows } = seeded(t)
  await new BookFormSet({ db, data: [{ authorId: 1, title: 'A' }] }).save()
  const Managed = modelFormSet(bookModel, { fields: ['authorId', 'title', 'tags'], canDelete: true, prefix: 'books' })
  const formset = new Managed({
    db,
    data: {
      'books-TOTAL_FORMS': '3',
      'books-INITIAL_FORMS': '1',
      'books-0-id': '1',
      'books-0-title': 'A2',
      'books-0-authorId': '1',
      'books-1-authorId': '2',
      'books-1-title': 'New',
      'books-1-tags': ['1', '2'],
      'books-2-title': '',
      'books-2-authorId': '',
      'books-7-title': 'beyond the total is ignored'
    }
  })
  t.equal(await formset.isValid(), true, formset.errors.map((e) => JSON.stringify(e)).join())
  t.strictSame(formset.items.map((item) => item.kind), ['update', 'create', 'empty'])
  await formset.save()
  t.strictSame(rows('select id, title from books order by id'), [{ id: 1, title: 'A2' }, { id: 2, title: 'New' }])
  const missing = new Managed({ db, data: { 'books-0-title': 'x' } })
  t.equal(await missing.isValid(), false)
  t.strictSame(missing.nonFormErrors, ['ManagementForm data is missing or has been tampered with. Missing fields: books-TOTAL_FORMS, books-INITIAL_FORMS. You may need to file a bug report if the issue persists.'])
  t.strictSame(missing.nonFormErrorCodes, ['missingManagementForm'])
  const huge = new Managed({ db, data: { 'books-TOTAL_FORMS': '1000000000', 'books-INITIAL_FORMS': '0' } })
  t.equal(await huge.isValid(), false)
  t.strictSame([huge.nonFormErrors, huge.items.length], [['Please submit at most 1000 forms.'], 0], 'a billion forms announced, none made')
  const deleting = new Managed({ db, data: { 'books-TOTAL_FORMS': '1', 'books-INITIAL_FORMS': '1', 'books-0-id': '2', 'books-0-DELETE': 'on' } })
  await deleting.save()
  t.strictSame(rows('select id from books'), [{ id: 1 }])
})

t.test('commit: false writes and deletes nothing; saveM2M() writes the junction rows of the rows saved meanwhile', async (t) => {
  const { db, rows, sqlite } = seeded(t)
  await new BookFormSet({ db, data: [{ authorId: 1, title: 'Old' }] }).save()
  const formset = new BookFormSet({ db, data: [{ authorId: 1, title: 'A', tags: [5] }, { id: 1, DELETE: true }] })
  const unsaved = await formset.save({ commit: false })
  t.strictSame(unsaved, [{ authorId: 1, title: 'A', isbn: null }, null])
  t.strictSame(formset.deletedObjects, [{ id: 1, authorId: 1, editorId: null, title: 'Old', isbn: null }], 'listed, not deleted')
  t.strictSame(rows('select id from books'), [{ id: 1 }])
  await t.rejects(formset.saveM2M(), { code: 'FFR_ERR_M2M_NO_KEY' })
  const { lastInsertRowid } = sqlite.prepare('insert into books (authorId, title) values (1, ?)').run('A')
  ;(unsaved[0] as { id?: number }).id = Number(lastInsertRowid)
  await formset.saveM2M()
  t.strictSame(rows('select bookId, tagId, addedBy from book_tags'), [{ bookId: 2, tagId: 5, addedBy: 'form' }])
})

t.test('a row the database refuses (a concurrent writer) is that item\'s error, and nothing is written', async (t) => {
  const { db, rows, sqlite } = seeded(t)
  const formset = new BookFormSet({ db, data: [{ authorId: 1, title: 'A', isbn: '1' }, { authorId: 1, title: 'B', isbn: '2', tags: [1] }, { authorId: 2, title: 'C', isbn: '3' }] })
  t.equal(await formset.isValid(), true)
  sqlite.exec("insert into books (authorId, title, isbn) values (2, 'taken meanwhile', '2')")
  const error = await formset.save().catch((e: unknown) => e)
  t.ok(error instanceof ValidationError)
  t.strictSame((error as ValidationError).messageDict, { 'form-1-isbn': ['Book with this ISBN already exists.'] })
  t.strictSame(formset.errors, [{}, { isbn: ['Book with this ISBN already exists.'] }, {}])
  t.equal(await formset.isValid(), false)
  t.strictSame(rows('select title from books'), [{ title: 'taken meanwhile' }])
  t.strictSame(rows('select * from book_tags'), [])

  const gone = new BookFormSet({ db, data: [{ id: 1, title: 'renamed' }, { authorId: 1, title: 'E' }] })
  t.equal(await gone.isValid(), true)
  sqlite.exec('delete from books where id = 1')
  await t.rejects(gone.save(), ValidationError)
  t.strictSame(gone.errors[0], { id: ['Select a valid choice. That choice is not one of the available choices.'] }, 'a row deleted meanwhile')
  t.strictSame(rows('select * from books'), [])

  const tagged = new BookFormSet({ db, data: [{ authorId: 1, title: 'F', tags: [7] }] })
  t.equal(await tagged.isValid(), true)
  sqlite.exec('delete from tags where id = 7')
  await t.rejects(tagged.save(), ValidationError)
  t.strictSame(tagged.errors, [{ tags: ['Select a valid choice. 7 is not one of the available choices.'] }])
  t.strictSame(rows('select * from books'), [])
})

t.test('no query per item: a 100-item batch checks with one query per check', async (t) => {
  const { db, queries, reset } = seeded(t)
  const items = Array.from({ length: 100 }, (_, i) => ({ authorId: (i % 2) + 1, editorId: 2, title: `Book ${i}`, isbn: `${i}`, tags: [(i % 25) + 1, ((i + 1) % 25) + 1] }))
  const Full = modelFormSet(bookModel, { fields: ['authorId', 'editorId', 'title', 'isbn', 'tags'] })
  const formset = new Full({ db, data: items })
  t.equal(await formset.isValid(), true)
  const checks = queries()
  t.equal(checks.length, 5, checks.map((s) => s.slice(0, 60)).join('\n'))
  t.match(checks, [/^select "id" from "authors"/, /^select "id" from "authors"/, /^select "id" from "tags"/, /^select "id", "isbn" from "books"/, /^select "id", "authorId", "title" from "books"/])
  reset()
  await formset.save()
  const writes = queries()
  t.equal(writes.filter((s) => s.startsWith('insert into "books"')).length, 100, 'SQLite: one prepared insert per row, in one transaction')
  t.equal(writes.filter((s) => s.startsWith('insert into "book_tags"')).length, 1, 'one multi-row insert of every pair')
  t.equal(writes.length, 101)

  reset()
  const changes = new Full({ db, data: Array.from({ length: 100 }, (_, i) => ({ id: i + 1, title: `Renamed ${i}`, tags: [1] })) })
  t.equal(await changes.isValid(), true)
  // the rows, the two keys, the tags, the one unique set whose values changed (the ISBNs are as stored)
  t.equal(queries().length, 5, 'one query for the rows being updated, then one per check')
  t.match(queries()[0], /^select "id", "authorId", "editorId", "title", "isbn" from "books" where "books"."id" in/)
})

t.test('inline formsets: the key to the parent from the parent, never from the data; fk needed with two keys to the parent', async (t) => {
  const { db, rows } = seeded(t)
  t.throws(() => inlineFormSet(authors, bookModel, { fields: ['title'] }), { code: 'FFR_ERR_INLINE_FK', message: 'inlineFormSet(authors, books): "books" has 2 foreign keys to "authors" (authorId, editorId); name one with { fk: \'authorId\' }.' })
  t.throws(() => inlineFormSet(authors, bookModel, { fk: 'editor' as never, fields: ['title'] }), { code: 'FFR_ERR_INLINE_FK', message: /did you mean "editorId"\?/ })
  t.throws(() => inlineFormSet(postModel, bookModel, { fields: ['title'] }), { code: 'FFR_ERR_INLINE_FK', message: /has no single-column foreign key to "posts"/ })
  t.throws(() => inlineFormSet(authors, modelForm(books, { fields: ['authorId', 'title'] }), { fk: 'authorId' }), { code: 'FFR_ERR_INLINE_FK_IN_FORM' })
  t.strictSame(Object.keys(inlineFormSet(authors, bookModel, { fk: 'authorId', fields: ['authorId', 'title'] }).meta.FormClass.baseFields), ['title'], 'the key to the parent is no field of the child form')
  t.equal(AuthorBooks.meta.prefix, 'books')

  const ann = { id: 1, name: 'Ann' }
  const formset = new AuthorBooks({ db, instance: ann, data: [{ title: 'A', tags: [1] }, { title: 'B', authorId: 2 }, { title: 'C', authorId: '1' }] })
  t.equal(await formset.isValid(), false)
  t.strictSame(formset.errors, [{}, { authorId: ['The inline value did not match the parent instance.'] }, {}])
  t.strictSame(formset.errorCodes[1], { authorId: ['inlineMismatch'] })
  const ok = new AuthorBooks({ db, instance: ann, data: [{ title: 'A', tags: [1] }, { title: 'B' }] })
  await ok.save()
  t.strictSame(rows('select id, authorId, title from books'), [{ id: 1, authorId: 1, title: 'A' }, { id: 2, authorId: 1, title: 'B' }])

  const bob = { id: 2, name: 'Bob' }
  const others = new AuthorBooks({ db, instance: bob, data: [{ id: 1, title: 'stolen' }] })
  t.equal(await others.isValid(), false)
  t.strictSame(others.errors, [{ id: ['Select a valid choice. That choice is not one of the available choices.'] }], 'another parent\'s child is not among this parent\'s')
  const duplicate = new AuthorBooks({ db, instance: ann, data: [{ title: 'A' }] })
  t.equal(await duplicate.isValid(), false)
  t.strictSame(duplicate.errors, [{ __all__: ['Book with this Author id and Title already exists.'] }], 'a unique set with the key to the parent, checked with the parent\'s key')
  const twice = new AuthorBooks({ db, instance: bob, data: [{ title: 'X' }, { title: 'X' }] })
  t.equal(await twice.isValid(), false)
  t.strictSame(twice.nonFormErrors, ['Please correct the duplicate data for authorId and title, which must be unique.'])
  const Editors = inlineFormSet(authors, bookModel, { fk: 'editorId', fields: ['authorId', 'title'] })
  const edited = new Editors({ db, instance: bob, data: [{ authorId: 1, title: 'Edited by Bob' }] })
  await edited.save()
  t.strictSame(rows('select authorId, editorId from books where title = \'Edited by Bob\''), [{ authorId: 1, editorId: 2 }], 'fk names which key')
  t.equal(new codes.FFR_ERR_INLINE_FK('a', 'b', []).code, 'FFR_ERR_INLINE_FK')
  for (const code of ['FFR_ERR_FORMSET_DIRECT', 'FFR_ERR_FORMSET_LIMIT', 'FFR_ERR_FORMSET_ABSOLUTE_MAX', 'FFR_ERR_FORMSET_INVALID_SAVE', 'FFR_ERR_INLINE_FK_IN_FORM', 'FFR_ERR_INLINE_PARENT', 'FFR_ERR_INLINES_SAVE'] as const) {
    t.equal(new (codes[code] as unknown as new (...args: unknown[]) => { code: string })('a', 'b', 'c').code, code)
  }
})

t.test('a formset class is made by the factories only', async (t) => {
  const { ModelFormSet } = await import('fastify-form-resources')
  t.throws(() => new ModelFormSet(), { code: 'FFR_ERR_FORMSET_DIRECT' })
  t.throws(() => new BookFormSet({ data: [] }).adapter, { code: 'FFR_ERR_FORM_NO_DB' })
})
