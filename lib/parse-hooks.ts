/**
 * Parse hooks (djblets' `parse_<field>_field`): a resource's functions that turn a request
 * value into what its field cleans, run for the keys the request sends, in form order. A
 * refusal is kept for its field: the form request reports it with every other field's errors,
 * `createForm` throws them all as one `ValidationError`.
 */
import { ValidationError } from './errors.ts'
import { contextOf, type FormRequest } from './form-request.ts'
import { isThenable } from './maybe.ts'

/** Parse hooks (djblets' `parse_<field>_field`): for the keys present in the request; each refusal is kept for its field. */
export function parseHooks (state: FormRequest): void | Promise<void> {
  return parseFrom(state, 0)
}

/**
 * The parse hooks from the `from`th on: a hook's value set at once, and only one that answers
 * with a promise waited for (no closure per hook on the way: a stage runs on every request).
 */
function parseFrom (state: FormRequest, from: number): void | Promise<void> {
  const { data } = state.args
  const hooks = state.plan.parseHooks
  for (let i = from; i < hooks.length; i++) {
    const [name, hook] = hooks[i]
    if (!Object.hasOwn(data, name)) continue
    let value: unknown
    try {
      value = hook(data[name], contextOf(state))
    } catch (error) {
      parseRefused(state, name, error)
      continue
    }
    if (isThenable(value)) {
      return Promise.resolve(value).then((parsed) => { state.formData![name] = parsed }, (error: unknown) => { parseRefused(state, name, error) })
        .then(() => parseFrom(state, i + 1))
    }
    state.formData![name] = value
  }
}

/** Keeps a parse hook's `ValidationError` for its field; throws any other error. */
function parseRefused (state: FormRequest, name: string, error: unknown): void {
  if (!(error instanceof ValidationError)) throw error
  ;(state.parseErrors ??= []).push([name, error])
}

/** The parse hooks' refusals as one `ValidationError` per field, as `createForm` throws them. */
export function parseError (failures: ReadonlyArray<readonly [string, ValidationError]>): ValidationError {
  const dict: Record<string, ValidationError[]> = {}
  for (const [name, error] of failures) {
    if (error.errorDict !== undefined) for (const key in error.errorDict) (dict[key] ??= []).push(...error.errorDict[key])
    else (dict[name] ??= []).push(...error.errorList!)
  }
  return new ValidationError(dict)
}
