import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'sqlite',
  schema: './example-app/db/schema.ts',
  out: './example-app/drizzle/sqlite'
})
