import { defineResource, modelForm } from 'fastify-form-resources'
import { StickyNote } from '../db/models.ts'
import { stickyNotes } from '../db/schema.ts'

export const StickyNoteForm = modelForm(StickyNote, { fields: ['text', 'timestamp'] })

/**
 * /api/sticky-notes/: the same, built with defineResource instead of a subclass. A function,
 * because a resource takes the database of the app it is registered in: one per app.
 */
export const stickyNoteResource = () => defineResource({
  name: 'stickyNote',
  uriName: 'sticky-notes',
  table: stickyNotes,
  formClass: StickyNoteForm,
  parse: { text: (value) => typeof value === 'string' ? value.replace(/\r\n/g, '\n') : value },
  hasModifyPermissions: (request) => request.user != null,
  hasDeletePermissions: (request) => request.user != null
})
