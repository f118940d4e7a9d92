import type { FastifyRequest } from 'fastify'
import { FormResource, modelForm, type HttpMethod } from 'fastify-form-resources'
import { Author } from '../db/models.ts'
import { authors } from '../db/schema.ts'

export const AuthorForm = modelForm(Author, { fields: ['name', 'title', 'birthDate'] })

/** /api/authors/: anyone may read; a signed-in user may create, change and delete. */
export class AuthorResource extends FormResource<typeof authors> {
  name = 'author'
  table = authors
  formClass = AuthorForm
  allowedMethods: HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE']

  hasModifyPermissions (request: FastifyRequest): boolean {
    return request.user != null
  }

  hasDeletePermissions (request: FastifyRequest): boolean {
    return request.user != null
  }
}
