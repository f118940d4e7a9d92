import { defineModel, fields } from 'fastify-form-resources'
import type { ExampleSchema } from './index.ts'

/** Authors as a Django model: help texts, and a date field for the birth date (text on SQLite). */
export const authorModel = (authors: ExampleSchema['authors']) => defineModel(authors, {
  fields: {
    name: { helpText: 'Full name, as it appears on the cover.' },
    title: { helpText: 'Mr., Mrs. or Ms.' },
    birthDate: { formField: fields.date() }
  }
})

export const stickyNoteModel = (stickyNotes: ExampleSchema['stickyNotes']) => defineModel(stickyNotes, {
  fields: {
    text: { helpText: 'What the note says.' }
  }
})
