/**
 * A form class's per-field loops, written out once per class (lib/compile.ts): binding the
 * data, cleaning each field, and the values a save writes. Each does what its loop in
 * lib/form-stages.ts does, field by field in form order, for a form whose fields are its
 * class's (a form that changes its own fields runs the loops).
 */
import type { Column } from 'drizzle-orm'
import { ValidationError } from './errors.ts'
import { compile, literal } from './compile.ts'
import type { Field } from './fields/index.ts'
import type { ModelForm } from './form.ts'
import type { Row } from './db/index.ts'

/** What a form class runs written out. */
export interface CompiledForm {
  /** `boundData` over the class's fields. */
  readonly boundData: (data: Readonly<Record<string, unknown>>, instance?: Readonly<Record<string, unknown>>) => Record<string, unknown>
  /** `cleanFields` of a form whose fields are the class's. */
  readonly cleanFields: (form: ModelForm<any>) => void
  /** `valuesToSave`. */
  readonly valuesToSave: (form: ModelForm<any>) => Row
}

/** A field's failure: its `ValidationError` filed on the form, anything else thrown on. */
function failed (form: ModelForm<any>, name: string, error: unknown): void {
  if (!(error instanceof ValidationError)) throw error
  form.addError(name, error)
}

/** Writes out a form class's loops over its fields (`baseFields`) and the columns it saves. */
export function compileForm (baseFields: Readonly<Record<string, Field>>, saved: readonly string[], columns: Readonly<Record<string, Column>>): CompiledForm {
  const names = Object.keys(baseFields)
  const fields = names.map((name) => baseFields[name])
  const env = { F: fields, V: fields.map((field) => field.spec.valueFrom), hasOwn: Object.hasOwn, failed }

  const bind = names.map((name, i) => {
    const key = literal(name)
    return `if (hasOwn(data, ${key})) bound[${key}] = data[${key}]
else if (instance !== undefined && hasOwn(instance, ${key})) bound[${key}] = instance[${key}]
else if ((initial = F[${i}].initialValue()) !== undefined) bound[${key}] = initial`
  })

  const clean = names.map((name, i) => {
    const key = literal(name)
    const run = `try { cleaned[${key}] = F[${i}].clean(${fields[i].spec.valueFrom === undefined ? `data[${key}]` : `V[${i}](${key}, form)`}) } catch (error) { failed(form, ${key}, error) }`
    // an update that leaves a many-to-many field out keeps the row's set
    const kept = fields[i].kind === 'modelMultipleChoice' ? `form.instance !== undefined && data[${key}] === undefined` : 'false'
    return `if (!(${key} in errors) && !(${kept})) { ${run} }`
  })

  // as Django's construct_instance: a column with a default keeps it when the data leaves the field out
  const leftOut = (name: string): string => {
    const key = literal(name)
    return `(v = cleaned[${key}]) === undefined${columns[name].hasDefault ? ` || (v === null && !(${key} in data))` : ''}`
  }
  const count = saved.map((name) => `if (${leftOut(name)}) { if (hasOwn(cleaned, ${literal(name)})) same = false } else count++`)
  const pick = saved.map((name) => `if (!(${leftOut(name)})) values[${literal(name)}] = v`)

  return {
    boundData: compile('boundData', ['data', 'instance'], `const bound = {}\nlet initial\n${bind.join('\n')}\nreturn bound`, env),
    cleanFields: compile('cleanFields', ['form'], `const data = form.data\nconst errors = form.errorsNow\nconst cleaned = form.cleanedData\n${clean.join('\n')}`, env),
    valuesToSave: compile('valuesToSave', ['form'], `const data = form.data\nconst cleaned = form.cleanedData\nlet v\nlet count = 0\nlet same = true
${count.join('\n')}
if (same && Object.keys(cleaned).length === count) return cleaned
const values = {}
${pick.join('\n')}
return values`, env)
  }
}
