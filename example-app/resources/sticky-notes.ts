import { defineResource, modelForm } from 'fastify-form-resources'
import type { ExampleSchema } from '../db/index.ts'
import { stickyNoteModel } from '../db/models.ts'

/**
 * /api/sticky-notes/: the same, built with defineResource instead of a subclass. A function,
 * because a resource takes the database of the app it is registered in: one per app.
 */
export const stickyNoteResource = ({ stickyNotes }: ExampleSchema) => defineResource({
  name: 'stickyNote',
  uriName: 'sticky-notes',
  table: stickyNotes,
  formClass: modelForm(stickyNoteModel(stickyNotes), { fields: ['text', 'timestamp'] }),
  parse: { text: (value) => typeof value === 'string' ? value.replace(/\r\n/g, '\n') : value },
  hasModifyPermissions: (request) => request.user != null,
  hasDeletePermissions: (request) => request.user != null
})
