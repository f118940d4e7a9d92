import { defineModel, fields } from 'fastify-form-resources'
import { authors, stickyNotes } from './schema.ts'

export const Author = defineModel(authors, {
  fields: {
    name: { helpText: 'Full name, as it appears on the cover.' },
    title: { helpText: 'Mr., Mrs. or Ms.' },
    birthDate: { formField: fields.date() }
  }
})

export const StickyNote = defineModel(stickyNotes, {
  fields: {
    text: { helpText: 'What the note says.' }
  }
})
