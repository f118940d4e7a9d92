import type { FastifyRequest } from 'fastify'
import { FormResource, modelForm, type HttpMethod } from 'fastify-form-resources'
import type { ExampleSchema } from '../db/index.ts'
import { authorModel } from '../db/models.ts'

type Authors = ExampleSchema['authors']

/** The author form: name, title, birth date and avatar, over either database's table. */
export const authorForm = (authors: Authors) => modelForm(authorModel(authors), { fields: ['name', 'title', 'birthDate', 'avatar'] })

/** /api/authors/: anyone may read; a signed-in user may create, change and delete. */
export class AuthorResource extends FormResource<Authors> {
  name = 'author'
  allowedMethods: HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE']

  constructor (schema: ExampleSchema) {
    super()
    this.table = schema.authors
    this.formClass = authorForm(schema.authors)
  }

  hasModifyPermissions (request: FastifyRequest): boolean {
    return request.user != null
  }

  hasDeletePermissions (request: FastifyRequest): boolean {
    return request.user != null
  }
}
