import type { FastifyRequest } from 'fastify'
import { FormResource, inlineFormSet, modelForm, modelFormSet, type HttpMethod } from 'fastify-form-resources'
import type { ExampleSchema } from '../db/index.ts'
import { authorModel, bookModel } from '../db/models.ts'

type Authors = ExampleSchema['authors']

/** The author form: name, title, birth date and avatar, over either database's table. */
export const authorForm = (authors: Authors) => modelForm(authorModel(authors), { fields: ['name', 'title', 'birthDate', 'avatar'] })

/** An author's books as an inline formset (Django's `inlineformset_factory(Author, Book, fields=..., can_delete=True)`): each book's key to the author comes from the author. */
export const authorBooks = (schema: ExampleSchema) => inlineFormSet(authorModel(schema.authors), bookModel(schema), {
  fk: 'authorId',
  fields: ['title', 'isbn', 'published', 'tags'],
  canDelete: true
})

/**
 * /api/authors/: anyone may read; a signed-in user may create, change and delete. Bulk
 * requests (an array POSTed, a PATCH of the list) take up to 10,000 authors; the item nests its
 * books, written with it (`books: [...]`) and served at /api/authors/1/books/.
 */
export class AuthorResource extends FormResource<Authors> {
  name = 'author'
  allowedMethods: HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE']
  bulk = true
  filterFields = ['title']
  orderingFields = ['name', 'birthDate']
  searchFields = ['name']

  constructor (schema: ExampleSchema) {
    super()
    this.table = schema.authors
    this.formClass = authorForm(schema.authors)
    this.formSetClass = modelFormSet(this.formClass, { canDelete: true, maxNum: 10_000 })
    this.inlines = { books: authorBooks(schema) }
  }

  hasModifyPermissions (request: FastifyRequest): boolean {
    return request.user != null
  }

  hasDeletePermissions (request: FastifyRequest): boolean {
    return request.user != null
  }
}
