/**
 * The example's web page: `GET /` lists the authors and offers a form to create one,
 * `GET /authors/:id/` a form to edit one with its books (an inline formset with Django's
 * management form) and avatar. The forms are rendered on the server from the resources' own
 * fields and posted by the browser helper (`/api/_ffr/browser.js`), which paints the 400's
 * messages under their inputs. The page reads through the app's own API (`app.inject`), so it
 * works the same on SQLite and PostgreSQL. `POST /sign-in` with the demo token sets a cookie
 * that signs the browser in.
 */
import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { describeForm, type FieldDescription, type FormResource } from 'fastify-form-resources'
import { escape, layout, renderField } from './render.ts'

const STYLE = readFileSync(new URL('./style.css', import.meta.url))

/** The cookie the sign-in form sets; app.ts reads it as it reads the bearer token. */
export const SIGN_IN_COOKIE = 'demo-token'

type Item = Record<string, any>

/** The page's routes are no part of the API's documentation. */
const HIDDEN = { schema: { hide: true } as object }

/** The author form and its books formset: what the inputs are made of. */
function formsOf (resource: FormResource<any, any>): { author: FieldDescription[], books: FieldDescription[] } {
  const books = describeForm(resource.inlines.books.meta.FormClass).filter((field) => field.name !== 'tags')
  return { author: describeForm(resource.formClass), books }
}

/** The books formset: one row per book (its key, a delete box) and one empty row for a new book. */
function bookRows (fields: FieldDescription[], books: Item[]): string {
  const rows = [...books, undefined].map((book, index) => {
    const prefix = `books-${index}`
    const cells = fields.map((field) => `<td>${renderField(field, book?.[field.name], `${prefix}-${field.name}`, { compact: true })}</td>`).join('')
    const key = book === undefined ? '' : `<input type="hidden" name="${prefix}-id" value="${escape(book.id)}">`
    const remove = book === undefined ? '<td class="new">new</td>' : `<td><label class="delete"><input type="checkbox" name="${prefix}-DELETE"> Delete</label></td>`
    return `<tr>${cells}${remove}${key}<td class="row-errors" data-ffr-errors-for="${prefix}-__all__"></td></tr>`
  }).join('')
  return `<fieldset class="books"><legend>Books</legend>
<input type="hidden" name="books-TOTAL_FORMS" value="${books.length + 1}"><input type="hidden" name="books-INITIAL_FORMS" value="${books.length}">
<div data-ffr-errors-for="books-__all__"></div>
<table><thead><tr>${fields.map((field) => `<th scope="col">${escape(field.label)}</th>`).join('')}<th scope="col"><span class="sr-only">Delete</span></th></tr></thead><tbody>${rows}</tbody></table>
<p class="help">Fill in the last row to add a book; leave it empty to add none.</p></fieldset>`
}

/** The author form: a create (`POST` to the list) or an edit (`_method=PUT` to the item, with its ETag). */
function authorForm (resource: FormResource<any, any>, author: Item | undefined, etag?: string): string {
  const { author: fields, books } = formsOf(resource)
  const action = author === undefined ? '/api/authors/' : `/api/authors/${escape(author.id)}/`
  return `<form id="author-form" data-ffr method="post" action="${action}" enctype="multipart/form-data" novalidate${etag === undefined ? '' : ` data-ffr-if-match="${escape(etag)}"`}>
<div class="ffr-summary" role="alert" tabindex="-1" data-ffr-summary hidden></div>
${author === undefined ? '' : '<input type="hidden" name="_method" value="PUT">'}
<div class="grid">${fields.map((field) => renderField(field, author?.[field.name])).join('\n')}</div>
${bookRows(books, author?.books ?? [])}
<div class="actions"><button type="submit">${author === undefined ? 'Create author' : 'Save changes'}</button>${author === undefined ? '' : ' <a href="/">Cancel</a>'}</div>
</form>`
}

function signIn (signedIn: boolean, token: string): string {
  if (signedIn) return '<p class="signed-in">Signed in as <strong>demo</strong>.</p>'
  return `<form class="sign-in" method="post" action="/sign-in"><label for="token">Demo token</label> <input id="token" name="token" autocomplete="off" placeholder="${escape(token === 'demo' ? 'demo' : '')}"> <button type="submit">Sign in</button>
<small class="help">Reading is open to all; writing needs the demo token (<code>DEMO_TOKEN</code>, <code>demo</code> by default).</small></form>`
}

function authorList (authors: Item[]): string {
  if (authors.length === 0) return '<p class="empty">No authors yet: create the first one below.</p>'
  const rows = authors.map((author) => `<tr><td>${typeof author.avatar === 'string' ? `<img class="avatar" src="${escape(author.avatar)}" alt="">` : '<span class="avatar none" aria-hidden="true"></span>'}</td><td><a href="/authors/${escape(author.id)}/">${escape(author.name)}</a></td><td>${escape(author.title ?? '')}</td><td>${escape(author.birthDate ?? '')}</td><td>${(author.books as Item[]).map((book) => escape(book.title)).join(', ')}</td></tr>`).join('')
  return `<table class="list"><thead><tr><th scope="col"><span class="sr-only">Avatar</span></th><th scope="col">Name</th><th scope="col">Title</th><th scope="col">Birth date</th><th scope="col">Books</th></tr></thead><tbody>${rows}</tbody></table>`
}

/** Registers the page's routes on the example app, in a context of their own; `token` is the demo token the sign-in form takes. */
export async function registerPages (app: FastifyInstance, { token }: { token: string }): Promise<void> {
  await app.register(async (pages) => { pageRoutes(pages, app, token) })
}

/** The sign-in cookie's token in a `Cookie` header, if any. */
export function cookieToken (header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === SIGN_IN_COOKIE) return decodeURIComponent(value.join('='))
  }
  return undefined
}

function pageRoutes (pages: FastifyInstance, api: FastifyInstance, token: string): void {
  const app = pages
  // the sign-in form's body; this context's only parser
  pages.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => { done(null, Object.fromEntries(new URLSearchParams(body as string))) })
  const resource = (): FormResource<any, any> => api.formResources.resources.get('author') as unknown as FormResource<any, any>
  const html = (title: string, body: string): string => layout(title, body)

  app.get('/pages/style.css', HIDDEN, (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(STYLE))

  app.get('/', HIDDEN, async (request, reply) => {
    const list = await api.inject({ method: 'GET', url: '/api/authors/?max-results=200' })
    const { authors } = list.json() as { authors: Item[] }
    return reply.type('text/html; charset=utf-8').send(html('Authors', `<h1>Authors</h1>
${signIn(request.user != null, token)}
${authorList(authors)}
<h2>New author</h2>
${authorForm(resource(), undefined)}`))
  })

  app.get('/authors/:id/', HIDDEN, async (request, reply) => {
    const { id } = request.params as { id: string }
    const res = await api.inject({ method: 'GET', url: `/api/authors/${encodeURIComponent(id)}/` })
    if (res.statusCode !== 200) return reply.code(404).type('text/html; charset=utf-8').send(html('Not found', '<h1>No such author</h1><p><a href="/">Back to the authors</a></p>'))
    const { author } = res.json() as { author: Item }
    return reply.type('text/html; charset=utf-8').send(html(author.name, `<p class="back"><a href="/">← Authors</a></p><h1>${escape(author.name)}</h1>
${signIn(request.user != null, token)}
${authorForm(resource(), author, String(res.headers.etag))}`))
  })

  app.post('/sign-in', HIDDEN, async (request, reply) => {
    const given = (request.body as { token?: unknown } | undefined)?.token
    // SameSite=Strict: another site's form cannot post with it
    if (given === token) reply.header('set-cookie', `${SIGN_IN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`)
    return reply.code(303).header('location', '/').send()
  })
}
