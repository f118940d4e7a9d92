import t from 'tap'
import { eq } from 'drizzle-orm'
import type { FastifyRequest } from 'fastify'
import { defineResource, FormResource, modelForm } from 'fastify-form-resources'
import { clientsApp, DIALECTS, FIELD_ERROR, type Dialect, type Tables } from './helpers/clients.ts'

const INVALID_ATTRIBUTE = { code: 102, msg: 'Invalid attribute', type: 'resource-attribute-invalid' }
const user = (request: FastifyRequest): string | undefined => (request as { user?: { name: string } }).user?.name

function writers ({ writers }: Tables): FormResource<any, any> {
  return defineResource({ name: 'writer', table: writers, formClass: modelForm(writers, { fields: ['name', 'country'] }), hasModifyPermissions: () => true })
}

function novels ({ novels }: Tables, extra: Partial<FormResource<any, any>> = {}): FormResource<any, any> {
  return defineResource({
    name: 'novel',
    table: novels,
    formClass: modelForm(novels, { fields: ['title', 'pages', 'published', 'writerId'] }),
    filterFields: ['writerId', 'published', 'pages'],
    orderingFields: ['title', 'pages'],
    searchFields: ['title'],
    hasModifyPermissions: () => true,
    hasDeletePermissions: () => true,
    ...extra as object
  })
}

async function seed (app: Awaited<ReturnType<typeof clientsApp>>['app']): Promise<void> {
  for (const name of ['Colette', 'Gogol']) await app.inject({ method: 'POST', url: '/api/writers/', payload: { name } })
  const rows = [
    ['Chéri', 300, true, 1], ['Gigi', 100, false, 1], ['Dead Souls', 400, true, 2],
    ['The Nose', 100, true, 2], ['The Overcoat', 100, false, 2], ['Claudine', null, true, null]
  ] as const
  for (const [title, pages, published, writerId] of rows) {
    const res = await app.inject({ method: 'POST', url: '/api/novels/', payload: { title, pages, published, writerId } })
    if (res.statusCode !== 201) throw new Error(res.body)
  }
}

const titles = (body: { novels: Array<{ title: string }> }): string[] => body.novels.map((n) => n.title)

for (const dialect of DIALECTS) {
  t.test(`${dialect}: filters, ordering and search`, async (t) => {
    const { app } = await clientsApp(t, dialect, (tables) => [writers(tables), novels(tables)])
    await seed(app)
    const get = async (query: string) => await app.inject({ url: `/api/novels/${query}` })

    let res = await get('?writerId=2&published=true')
    t.equal(res.statusCode, 200)
    t.strictSame(titles(res.json()), ['Dead Souls', 'The Nose'], 'values converted by the fields: "2" a key, "true" a boolean')
    t.equal(res.json().total_results, 2)
    t.strictSame(titles((await get('?published=false')).json()), ['Gigi', 'The Overcoat'])
    t.strictSame(titles((await get('?writerId=')).json()), ['Claudine'], 'an empty value on a nullable column is NULL')

    res = await get('?ordering=pages,-title')
    t.strictSame(titles(res.json()), dialect === 'sqlite'
      ? ['Claudine', 'The Overcoat', 'The Nose', 'Gigi', 'Chéri', 'Dead Souls']
      : ['The Overcoat', 'The Nose', 'Gigi', 'Chéri', 'Dead Souls', 'Claudine'], 'NULL first on SQLite, last on PostgreSQL, as each orders them')
    res = await get('?ordering=pages&writerId=2')
    t.strictSame(res.json().novels.map((n: { id: number }) => n.id), [4, 5, 3], 'ties broken by the key')

    t.strictSame(titles((await get('?q=THE')).json()), ['The Nose', 'The Overcoat'], 'case-insensitive contains')
    t.strictSame(titles((await get('?q=%25')).json()), [], 'a % is a character, not a wildcard')
    t.strictSame(titles((await get('?q=the&writerId=2&ordering=-title')).json()), ['The Overcoat', 'The Nose'])

    res = await get('?title=Gigi')
    t.equal(res.statusCode, 400)
    t.strictSame(res.json(), { stat: 'fail', err: { ...INVALID_ATTRIBUTE, detail: 'Cannot filter by "title"; filter by: writerId, published, pages.' } })
    t.strictSame(titles((await get('?_=1701&writerId=1')).json()), ['Chéri', 'Gigi'], 'a parameter that names no column is ignored')
    res = await get('?ordering=-id')
    t.strictSame([res.statusCode, res.json().err.detail], [400, 'Cannot order by "id"; order by: title, pages.'])
    res = await get('?pages=many&writerId=x')
    t.equal(res.statusCode, 400)
    t.strictSame(res.json(), {
      stat: 'fail',
      err: FIELD_ERROR,
      fields: { pages: ['Enter a whole number.'], writerId: ['Select a valid choice. That choice is not one of the available choices.'] },
      codes: { pages: ['invalid'], writerId: ['invalidChoice'] }
    })

    res = await get('?q=e&ordering=title&max-results=1&start=1')
    t.strictSame([titles(res.json()), res.json().total_results], [['Dead Souls'], 4])
    t.strictSame(res.json().links.next, { href: 'http://localhost:80/api/novels/?start=2&max-results=1&q=e&ordering=title', method: 'GET' }, 'links keep every query parameter')
    t.strictSame(res.json().links.prev, { href: 'http://localhost:80/api/novels/?start=0&max-results=1&q=e&ordering=title', method: 'GET' })
  })

  t.test(`${dialect}: getQueryset scopes the list, its count and every read, update and delete by key`, async (t) => {
    const { app, rows } = await clientsApp(t, dialect, (tables) => [writers(tables), novels(tables, {
      getQueryset: ({ request }: { request: FastifyRequest }) => eq(tables.novels.owner, user(request) ?? ''),
      bulk: true
    } as never)])
    await seed(app)
    await app.inject({ method: 'PATCH', url: '/api/novels/3/', headers: { 'x-user': 'ann' }, payload: { title: 'Dead Souls II' } })
    const bob = { 'x-user': 'bob' }
    let res = await app.inject({ url: '/api/novels/', headers: bob })
    t.strictSame([res.json().novels, res.json().total_results], [[], 0])
    res = await app.inject({ url: '/api/novels/?writerId=2', headers: { 'x-user': 'ann' } })
    t.strictSame([titles(res.json()), res.json().total_results], [['Dead Souls II', 'The Nose', 'The Overcoat'], 3])
    for (const [method, payload] of [['GET'], ['PUT', { title: 'Mine' }], ['PATCH', { title: 'Mine' }], ['DELETE']] as const) {
      res = await app.inject({ method, url: '/api/novels/1/', headers: bob, ...(payload !== undefined ? { payload } : {}) })
      t.strictSame([res.statusCode, res.json().err.code], [404, 100], `${method} outside the scope is a 404`)
    }
    res = await app.inject({ method: 'PATCH', url: '/api/novels/', headers: bob, payload: [{ id: 1, title: 'Mine' }, { title: 'New' }] })
    t.strictSame([res.statusCode, res.json().err.code], [404, 100], 'a bulk change naming a row outside the scope is a 404')
    res = await app.inject({ method: 'PATCH', url: '/api/novels/', headers: { 'x-user': 'ann' }, payload: [{ id: 1, title: 'Chéri' }] })
    t.equal(res.statusCode, 200, 'rows inside it change')
    t.equal((await rows('novels')).length, 6)
    t.equal((await rows('novels'))[0].title, 'Chéri', 'nothing written')
  })

  t.test(`${dialect}: a list never serves a row its item route refuses`, async (t) => {
    const { app } = await clientsApp(t, dialect, (tables) => [writers(tables), novels(tables, {
      hasAccessPermissions: (_request: FastifyRequest, row: { published: boolean }) => row.published
    } as never)])
    await seed(app)
    t.equal((await app.inject({ url: '/api/novels/2/', headers: { 'x-user': 'ann' } })).statusCode, 403)
    const res = await app.inject({ url: '/api/novels/?ordering=title' })
    t.strictSame(titles(res.json()), ['Chéri', 'Claudine', 'Dead Souls', 'The Nose'])
  })

  t.test(`${dialect}: ?expand= nests the referenced item`, async (t) => {
    const { app } = await clientsApp(t, dialect, (tables) => [writers(tables), novels(tables)])
    await seed(app)
    const colette = { id: 1, name: 'Colette', country: null, links: { self: { href: 'http://localhost:80/api/writers/1/', method: 'GET' }, update: { href: 'http://localhost:80/api/writers/1/', method: 'PUT' }, delete: { href: 'http://localhost:80/api/writers/1/', method: 'DELETE' } } }
    let res = await app.inject({ url: '/api/novels/?expand=writer&writerId=1&only-fields=title,writerId' })
    t.equal(res.statusCode, 200)
    t.strictSame(res.json().novels.map((n: Record<string, unknown>) => [n.title, n.writerId]), [['Chéri', colette], ['Gigi', colette]])
    res = await app.inject({ url: '/api/novels/6/?expand=writerId' })
    t.equal(res.json().novel.writerId, null, 'a null key stays null')
    res = await app.inject({ url: '/api/novels/1/?expand=writer' })
    t.strictSame(res.json().novel.writerId, colette)
    res = await app.inject({ url: '/api/novels/?expand=title' })
    t.strictSame([res.statusCode, res.json().err.detail], [400, 'Cannot expand "title"; expand: writerId, writer.'])
  })
}

t.test('an expansion never serves a row the referenced resource refuses, by scope or by permission', async (t) => {
  for (const refuse of ['getQueryset', 'hasAccessPermissions'] as const) {
    const { app } = await clientsApp(t, 'sqlite', (tables) => [defineResource({
      name: 'writer',
      table: tables.writers,
      formClass: modelForm(tables.writers, { fields: ['name', 'country'] }),
      hasModifyPermissions: () => true,
      ...(refuse === 'getQueryset'
        ? { getQueryset: () => eq(tables.writers.name, 'Gogol') }
        : { hasAccessPermissions: (_request: FastifyRequest, row: { name: string }) => row.name === 'Gogol' })
    } as never), novels(tables)])
    await seed(app)
    const res = await app.inject({ url: '/api/novels/?expand=writer&ordering=title&only-fields=title,writerId' })
    t.strictSame(res.json().novels.map((n: { writerId: unknown }) => typeof n.writerId === 'object' && n.writerId !== null ? (n.writerId as { name: string }).name : n.writerId),
      [1, null, 'Gogol', 1, 'Gogol', 'Gogol'], `${refuse}: a refused writer stays its key`)
  }
})

t.test('sqlite: one query per expanded key on a list page, and no lower() in a search', async (t) => {
  const log: string[] = []
  const { app } = await clientsApp(t, 'sqlite' as Dialect, (tables) => [writers(tables), novels(tables)], { log })
  await seed(app)
  log.length = 0
  const res = await app.inject({ url: '/api/novels/?expand=writer&q=o' })
  t.equal(res.json().novels.length, 3)
  t.equal(log.length, 3, 'the page, its count and one read of the writers')
  t.match(log[0], /"title" LIKE \? ESCAPE '\\'/)
  t.notMatch(log.join('\n'), /lower\(/i)
})

t.test('registration refuses a list field that is no column, or a search on a column that is not text', async (t) => {
  await t.rejects(clientsApp(t, 'sqlite', (tables) => [novels(tables, { filterFields: ['titel'] } as never)]), { code: 'FFR_ERR_LIST_FIELD' })
  await t.rejects(clientsApp(t, 'sqlite', (tables) => [novels(tables, { searchFields: ['pages'] } as never)]), { code: 'FFR_ERR_SEARCH_FIELD' })
})
