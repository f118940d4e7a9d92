import t from 'tap'
import { readFileSync } from 'node:fs'
import { codes } from 'fastify-form-resources'
import { closest } from '../lib/setup-errors.ts'

t.test('every setup error\'s code equals its name, and each is an Error with a message', async (t) => {
  for (const [name, SetupError] of Object.entries(codes)) {
    const error = new (SetupError as new (...args: unknown[]) => Error & { code: string })('a', 'b', 'c', ['d'])
    t.equal(error.code, name, name)
    t.ok(error instanceof Error, `${name} is an Error`)
    t.ok(error.message.length > 20, `${name} says what to do`)
  }
})

t.test('the README lists every setup error code', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const table = readme.slice(readme.indexOf('## Setup errors'))
  for (const name of Object.keys(codes)) t.ok(table.includes(`\`${name}\``), `${name} is in the README's table`)
})

t.test('closest names the nearest field, or lists them when none is near', async (t) => {
  t.equal(closest('titel', ['name', 'title', 'birthDate']), 'did you mean "title"?', 'a transposition')
  t.equal(closest('Name', ['name', 'title']), 'did you mean "name"?', 'case aside')
  t.equal(closest('birthdat', ['name', 'birthDate']), 'did you mean "birthDate"?')
  t.equal(closest('zzz', ['name', 'title']), 'the fields are: name, title.')
  t.equal(closest('x', []), 'the form has no fields.')
})
