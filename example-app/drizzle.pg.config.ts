import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'postgresql',
  schema: './example-app/db/schema.pg.ts',
  out: './example-app/drizzle/pg'
})
