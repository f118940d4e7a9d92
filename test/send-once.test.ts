// Handlers that answer later (an asynchronous permission check, PostgreSQL) answer once, also under an app's asynchronous onSend hook.
import t from 'tap'
import Fastify, { type FastifyRequest } from 'fastify'
import formResources, { FormResource } from 'fastify-form-resources'
import { AuthorForm, authors, openDb, SIGNED_IN, signInFromHeader } from './helpers/app.ts'

t.test('an app\'s async onSend hook sees one answer per request, with its body', async (t) => {
  const { sqlite, db } = openDb()
  const app = Fastify()
  t.teardown(async () => {
    await app.close()
    sqlite.close()
  })
  signInFromHeader(app)
  const sent: string[] = []
  app.addHook('onSend', async (request, reply, payload) => {
    await new Promise((resolve) => setTimeout(resolve, 5))
    sent.push(`${request.method} ${reply.statusCode}`)
    return payload
  })
  class Later extends FormResource<typeof authors> {
    name = 'author'
    table = authors
    formClass = AuthorForm
    // the answer comes later: the handler answers through a promise
    hasModifyPermissions (request: FastifyRequest): Promise<boolean> { return Promise.resolve(request.user != null) }
  }
  await app.register(formResources, { db, prefix: '/api', resources: [new Later()] })
  const created = await app.inject({ method: 'POST', url: '/api/authors/', headers: SIGNED_IN, payload: { name: 'Ann' } })
  t.equal(created.statusCode, 201)
  t.equal(created.json().author.name, 'Ann')
  const updated = await app.inject({ method: 'PUT', url: '/api/authors/1/', headers: SIGNED_IN, payload: { name: 'Ann L' } })
  t.equal(updated.json().author.name, 'Ann L')
  const refused = await app.inject({ method: 'DELETE', url: '/api/authors/1/' })
  t.equal(refused.statusCode, 401)
  t.strictSame(sent, ['POST 201', 'PUT 200', 'DELETE 401'], 'one onSend per request: the handler\'s promise is not taken for an answer that never came')
})
