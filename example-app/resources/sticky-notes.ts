import { defineResource, modelForm, ValidationError } from 'fastify-form-resources'
import type { ExampleSchema } from '../db/index.ts'
import { stickyNoteModel } from '../db/models.ts'

/**
 * The sticky note form: its text keeps at most one blank line in a row (a clean hook), and a
 * note may not be dated in the future (the whole form's clean).
 */
export const stickyNoteForm = (stickyNotes: ExampleSchema['stickyNotes']) => modelForm(stickyNoteModel(stickyNotes), {
  fields: ['text', 'timestamp'],
  clean: { text: (value) => value.replace(/\n{3,}/g, '\n\n') },
  cleanForm: (data) => {
    if (data.timestamp instanceof Date && data.timestamp.getTime() > Date.now()) throw new ValidationError('A note cannot be dated in the future.')
  }
})

/**
 * /api/sticky-notes/: the same, built with defineResource instead of a subclass, with a parse
 * hook that turns Windows line ends into newlines. A function, because a resource takes the
 * database of the app it is registered in: one per app.
 */
export const stickyNoteResource = ({ stickyNotes }: ExampleSchema) => defineResource({
  name: 'stickyNote',
  uriName: 'sticky-notes',
  table: stickyNotes,
  formClass: stickyNoteForm(stickyNotes),
  parse: { text: (value) => typeof value === 'string' ? value.replace(/\r\n/g, '\n') : value },
  hasModifyPermissions: (request) => request.user != null,
  hasDeletePermissions: (request) => request.user != null
})
