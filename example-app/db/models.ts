import { defineModel, fields } from 'fastify-form-resources'
import type { ExampleSchema } from './index.ts'

/** Authors as a Django model: help texts, a date field for the birth date (text on SQLite), and an avatar picture stored under `avatars/`. */
export const authorModel = (authors: ExampleSchema['authors']) => defineModel(authors, {
  fields: {
    name: { helpText: 'Full name, as it appears on the cover.' },
    title: { helpText: 'Mr., Mrs. or Ms.' },
    birthDate: { formField: fields.date() },
    // a replaced picture is of no further use to anyone: deleted once the new one is saved
    avatar: { helpText: 'A picture: PNG, JPEG, GIF or WebP, at most 2 MB.', formField: fields.image({ uploadTo: 'avatars/', maxSize: 2 * 1024 * 1024, deleteReplaced: true }) }
  }
})

/** Books, with their tags as a many-to-many field through book_tags (Django's `ManyToManyField(Tag, through=BookTag)`). */
export const bookModel = ({ books, bookTags }: Pick<ExampleSchema, 'books' | 'bookTags'>) => defineModel(books, {
  fields: {
    isbn: { verboseName: 'ISBN', helpText: '13 digits, unique when given.' }
  },
  manyToMany: {
    tags: { through: bookTags, source: bookTags.bookId, target: bookTags.tagId, helpText: 'Any number of tags.' }
  }
})

export const stickyNoteModel = (stickyNotes: ExampleSchema['stickyNotes']) => defineModel(stickyNotes, {
  fields: {
    text: { helpText: 'What the note says.' }
  }
})
