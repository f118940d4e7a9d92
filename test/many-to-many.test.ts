// Many-to-many fields on SQLite through the public API: defineModel's relations and refusals,
// fields.modelMultipleChoice in Django's order, one IN query per field, one transaction with the
// row, commit: false + saveM2M, and the statements a set of 20 tags costs.
import t from 'tap'
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { codes, defineModel, fields, modelForm, ValidationError } from 'fastify-form-resources'
import { bookModel, countingDb, postModel, posts, postTags, tags } from './helpers/relations.ts'

const PostForm = modelForm(postModel, { fields: ['title', 'tags'] })

t.test('defineModel refuses a relation the junction cannot carry, each with its code and fix', async (t) => {
  const open = sqliteTable('open_tags', { postId: integer().notNull(), tagId: integer().notNull().references(() => tags.id) })
  const extra = sqliteTable('extra_tags', {
    postId: integer().notNull(),
    tagId: integer().notNull().references(() => tags.id),
    addedBy: text().notNull(),
    note: text().notNull(),
    addedAt: integer().notNull().default(0)
  }, (t) => [primaryKey({ columns: [t.postId, t.tagId] })])
  const noReference = sqliteTable('loose_tags', { postId: integer().notNull(), tagId: integer().notNull() }, (t) => [primaryKey({ columns: [t.postId, t.tagId] })])
  t.throws(() => defineModel(posts, { manyToMany: { tags: { through: extra, source: extra.postId, target: extra.tagId } } }), {
    code: 'FFR_ERR_M2M_THROUGH_COLUMNS',
    message: 'defineModel(posts).manyToMany.tags: the junction table "extra_tags" has NOT NULL columns without defaults (addedBy, note); give them values with throughDefaults: { addedBy: ..., note: ... }, or defaults in the table.'
  })
  t.throws(() => defineModel(posts, { manyToMany: { tags: { through: extra, source: extra.postId, target: extra.tagId, throughDefaults: { addedBy: 'me' } } } }), { code: 'FFR_ERR_M2M_THROUGH_COLUMNS' })
  t.doesNotThrow(() => defineModel(posts, { manyToMany: { tags: { through: extra, source: extra.postId, target: extra.tagId, throughDefaults: { addedBy: 'me', note: '' } } } }))
  t.throws(() => defineModel(posts, { manyToMany: { tags: { through: extra, source: extra.postId, target: extra.tagId, throughDefaults: { adedBy: 'me' } as never } } }), { code: 'FFR_ERR_UNKNOWN_FIELD', message: /did you mean "addedBy"/ })
  t.throws(() => defineModel(posts, { manyToMany: { tags: { through: open, source: open.postId, target: open.tagId } } }), { code: 'FFR_ERR_M2M_THROUGH_UNIQUE', message: /needs a primary key or unique constraint over \(postId, tagId\)/ })
  t.throws(() => defineModel(posts, { manyToMany: { tags: { through: noReference, source: noReference.postId, target: noReference.tagId } } }), { code: 'FFR_ERR_M2M_TARGET_REFERENCE' })
  t.throws(() => defineModel(posts, { manyToMany: { tags: { through: postTags, source: posts.id, target: postTags.tagId } } }), { code: 'FFR_ERR_M2M_COLUMN', message: /`source` must be a column of the junction table "post_tags"/ })
  t.throws(() => defineModel(posts, { manyToMany: { title: { through: postTags, source: postTags.postId, target: postTags.tagId } } }), { code: 'FFR_ERR_M2M_NAME_TAKEN' })
  t.throws(() => defineModel(posts, { manyToMany: { tags: { through: 'post_tags' as never, source: postTags.postId, target: postTags.tagId } } }), { code: 'FFR_ERR_M2M_THROUGH' })
  for (const code of ['FFR_ERR_M2M_NAME_TAKEN', 'FFR_ERR_M2M_THROUGH', 'FFR_ERR_M2M_COLUMN', 'FFR_ERR_M2M_TARGET_REFERENCE', 'FFR_ERR_M2M_THROUGH_UNIQUE', 'FFR_ERR_M2M_THROUGH_COLUMNS', 'FFR_ERR_M2M_NO_KEY'] as const) {
    t.equal(new (codes[code] as unknown as new (...args: unknown[]) => { code: string })('a', 'b', ['c']).code, code, `${code} is its own code`)
  }
})

t.test('the derived field is fields.modelMultipleChoice, optional, each key converted by the target column\'s field', async (t) => {
  const field = PostForm.baseFields.tags
  t.equal(field.kind, 'modelMultipleChoice')
  t.equal(field.required, false)
  t.equal(field.label, 'Tags')
  t.equal(field.options.keyField?.kind, 'integer')
  t.strictSame(Object.keys(modelForm(postModel, { fields: '__all__' }).baseFields), ['title', 'tags'], "'__all__' includes the relation")
  t.strictSame(Object.keys(modelForm(postModel, { exclude: ['tags'] }).baseFields), ['title'])
  t.equal(fields.modelMultipleChoice().required, true, 'a declared one is required by default, as Django\'s')
})

t.test('Django\'s order of checks and messages, one message per field', async (t) => {
  const { db, queries, reset } = countingDb(t)
  const errors = async (data: Record<string, unknown>, Form = PostForm): Promise<unknown> => {
    const f = new Form({ db, data: { title: 'T', ...data } })
    await f.isValid()
    return [f.errors, f.errorCodes]
  }
  const Required = modelForm(defineModel(posts, { manyToMany: { tags: { through: postTags, source: postTags.postId, target: postTags.tagId, required: true } } }), { fields: ['title', 'tags'] })
  t.strictSame(await errors({ tags: [] }, Required), [{ tags: ['This field is required.'] }, { tags: ['required'] }], 'empty and required')
  t.strictSame(await errors({ tags: 'x' }), [{ tags: ['“x” is not a valid value.'] }, { tags: ['invalidPkValue'] }], 'a lone string is a one-item list')
  t.strictSame(await errors({ tags: { a: 1 } }), [{ tags: ['Enter a list of values.'] }, { tags: ['invalidList'] }], 'not a list')
  t.strictSame(await errors({ tags: 7 }), [{ tags: ['Enter a list of values.'] }, { tags: ['invalidList'] }])
  t.strictSame(await errors({ tags: [1, 'two', 'three'] }), [{ tags: ['“two” is not a valid value.'] }, { tags: ['invalidPkValue'] }], 'the first key that does not convert')
  reset()
  t.strictSame(await errors({ tags: [1, 998, 2, 999] }), [{ tags: ['Select a valid choice. 998 is not one of the available choices.'] }, { tags: ['invalidChoice'] }], 'the first key not found')
  t.strictSame(queries(), ['select "id" from "tags" where "tags"."id" in (1.0, 998.0, 2.0, 999.0)'], 'one IN query for the field')
  t.strictSame(await errors({ tags: [] }), [{}, {}], 'empty and not required: the relation is cleared')
  const Messages = modelForm(postModel, { fields: ['title', 'tags'], errorMessages: { tags: { invalidChoice: 'No tag %(value)s.' } } })
  t.strictSame(await errors({ tags: [5, 55] }, Messages), [{ tags: ['No tag 55.'] }, { tags: ['invalidChoice'] }], "the form's messages win")
  const form = new PostForm({ db, data: { title: 'T', tags: ['3', '1', '3', ''] } })
  t.equal(await form.isValid(), true)
  t.strictSame((form.cleanedData as Record<string, unknown>).tags, [3, 1], 'keys converted, duplicates and empty form values dropped')
  const blank = new PostForm({ db, data: { title: 'T', tags: '' } })
  t.equal(await blank.isValid(), true)
  t.strictSame((blank.cleanedData as Record<string, unknown>).tags, [], '`tags=` alone is the empty set')
})

t.test('the row and its junction rows in one transaction; a refused key leaves nothing written', async (t) => {
  const { db, rows, queries, reset, sqlite } = countingDb(t)
  const refused = new PostForm({ db, data: { title: 'T', tags: [1, 999] } })
  t.equal(await refused.isValid(), false)
  await t.rejects(refused.save(), { code: 'FFR_ERR_FORM_INVALID_SAVE' })
  t.strictSame(rows('select * from posts'), [])
  t.strictSame(rows('select * from post_tags'), [])

  reset()
  const created = await new PostForm({ db, data: { title: 'T', tags: [4, 1] } }).save()
  t.strictSame(queries(), [
    'select "id" from "tags" where "tags"."id" in (4.0, 1.0)',
    'insert into "posts" ("id", "title") values (null, \'T\')',
    'insert into "post_tags" ("postId", "tagId") values (1.0, 4.0), (1.0, 1.0) on conflict do nothing'
  ], 'one query for the keys, the row, one insert of the pairs')
  t.strictSame(created, { id: 1, title: 'T' })
  t.strictSame(rows('select * from post_tags order by tagId'), [{ postId: 1, tagId: 1 }, { postId: 1, tagId: 4 }])

  // an update that names the set replaces it; one that leaves it out keeps it
  await new PostForm({ db, instance: created, data: { title: 'T2', tags: [4, 5] } }).save()
  t.strictSame(rows('select * from post_tags order by tagId'), [{ postId: 1, tagId: 4 }, { postId: 1, tagId: 5 }])
  await new PostForm({ db, instance: { id: 1, title: 'T2' }, data: { title: 'T3' } }).save()
  t.strictSame(rows('select * from post_tags order by tagId'), [{ postId: 1, tagId: 4 }, { postId: 1, tagId: 5 }], 'absent keeps the set')
  await new PostForm({ db, instance: { id: 1, title: 'T3' }, data: { title: 'T3', tags: [] } }).save()
  t.strictSame(rows('select * from post_tags'), [], 'empty clears it')

  // a failing write (a tag deleted after the check) leaves neither the row nor any junction row changed
  await new PostForm({ db, instance: { id: 1, title: 'T3' }, data: { title: 'T3', tags: [2] } }).save()
  const late = new PostForm({ db, instance: { id: 1, title: 'T3' }, data: { title: 'changed', tags: [3, 6] } })
  t.equal(await late.isValid(), true)
  sqlite.prepare('delete from tags where id = 6').run()
  const error = await late.save().catch((e: unknown) => e)
  t.ok(error instanceof ValidationError)
  t.strictSame(late.errors, { tags: ['Select a valid choice. 6 is not one of the available choices.'] })
  t.strictSame(rows('select * from posts'), [{ id: 1, title: 'T3' }])
  t.strictSame(rows('select * from post_tags'), [{ postId: 1, tagId: 2 }])
})

t.test('setting 20 tags on a post takes at most 3 statements besides the row\'s', async (t) => {
  const { db, queries, reset } = countingDb(t)
  const post = await new PostForm({ db, data: { title: 'T', tags: [25, 24] } }).save()
  reset()
  const twenty = Array.from({ length: 20 }, (_, i) => i + 1)
  await new PostForm({ db, instance: post, data: { title: 'T2', tags: twenty } }).save()
  const others = queries().filter((sql) => !sql.startsWith('update "posts"'))
  t.equal(others.length, 3, others.join('\n'))
  t.match(others, [/^select "id" from "tags"/, /^delete from "post_tags"/, /^insert into "post_tags"/])
})

t.test('save({ commit: false }) writes nothing; saveM2M() writes the set of the row saved meanwhile', async (t) => {
  const { db, rows, sqlite } = countingDb(t)
  const form = new PostForm({ db, data: { title: 'Draft', tags: [2, 3] } })
  const unsaved = await form.save({ commit: false })
  t.strictSame(unsaved, { title: 'Draft' })
  t.strictSame(rows('select * from posts'), [])
  await t.rejects(form.saveM2M(), { code: 'FFR_ERR_M2M_NO_KEY', message: 'saveM2M(): the post has no primary key yet; save the row returned by save({ commit: false }) first and set its key on it (or pass the saved row: saveM2M(row)).' })
  const { lastInsertRowid } = sqlite.prepare('insert into posts (title) values (?)').run(unsaved.title)
  ;(unsaved as { id?: number }).id = Number(lastInsertRowid)
  await form.saveM2M()
  t.strictSame(rows('select * from post_tags order by tagId'), [{ postId: 1, tagId: 2 }, { postId: 1, tagId: 3 }])
  const second = new PostForm({ db, data: { title: 'Other', tags: [9] } })
  await second.save({ commit: false })
  await second.saveM2M({ id: 1 })
  t.strictSame(rows('select tagId from post_tags order by tagId'), [{ tagId: 2 }, { tagId: 3 }, { tagId: 9 }], 'the saved row may be given')
  const plain = new (modelForm(posts, { fields: ['title'] }))({ db, data: { title: 'x' } })
  await plain.save({ commit: false })
  await plain.saveM2M()
  t.pass('a form without relations has nothing to save')
})

t.test('throughDefaults fill the junction\'s other columns', async (t) => {
  const { db, rows, sqlite } = countingDb(t)
  sqlite.exec("insert into authors (name) values ('Ann')")
  const BookForm = modelForm(bookModel, { fields: ['authorId', 'title', 'tags'] })
  await new BookForm({ db, data: { authorId: 1, title: 'B', tags: [1, 2] } }).save()
  t.strictSame(rows('select * from book_tags order by tagId'), [{ bookId: 1, tagId: 1, addedBy: 'form' }, { bookId: 1, tagId: 2, addedBy: 'form' }])
})
