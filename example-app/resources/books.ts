import type { FastifyRequest } from 'fastify'
import { defineResource, FormResource, modelForm } from 'fastify-form-resources'
import type { ExampleSchema } from '../db/index.ts'
import { bookModel } from '../db/models.ts'

type Books = ExampleSchema['books']

/** /api/books/: books with their author and tags (`"tags": [1, 4]`, or `tags=1&tags=4` from an HTML form); bulk requests too. */
export class BookResource extends FormResource<Books> {
  name = 'book'
  bulk = true

  constructor (schema: ExampleSchema) {
    super()
    this.table = schema.books
    this.formClass = modelForm(bookModel(schema), { fields: ['authorId', 'title', 'isbn', 'published', 'tags'] })
  }

  hasModifyPermissions (request: FastifyRequest): boolean {
    return request.user != null
  }

  hasDeletePermissions (request: FastifyRequest): boolean {
    return request.user != null
  }
}

/** /api/tags/: the tags books may have. */
export const tagResource = ({ tags }: ExampleSchema) => defineResource({
  name: 'tag',
  table: tags,
  formClass: modelForm(tags, { fields: ['name'] }),
  bulk: true,
  hasModifyPermissions: (request) => request.user != null,
  hasDeletePermissions: (request) => request.user != null
})
