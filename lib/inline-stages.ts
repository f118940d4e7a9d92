/**
 * The stages a parent's form request adds for its inline formsets (Django admin's inlines):
 * make a formset for each inline key the request names, clean the parent and every formset
 * (every error at once), then write the parent, its junction rows and every child in one
 * transaction. A resource without inlines plans none of these.
 */
import { ObjectDoesNotExist, PreconditionFailedError, type ValidationError } from './errors.ts'
import { conflicting, missingRelated } from './form-checks.ts'
import { clean, refuse, save, saveOptions, type FormRequest } from './form-request.ts'
import { planWrite, relateOps, valuesToSave, violationError, writtenSets, type RowAt } from './form-stages.ts'
import type { ModelFormSet } from './formset.ts'
import { formSetErrors } from './formset-errors.ts'
import { formsWithFiles, writeWithFormsFiles } from './form-files.ts'
import { formSetWriteFailed, planFormSetWrite, type FormSetWrite } from './formset-save.ts'
import { eachInTurn, isThenable, then, type MaybePromise } from './maybe.ts'
import { rememberSets } from './relations.ts'
import type { Row, WriteOp } from './db/index.ts'

/** The inline formsets of a request that names none. */
const NONE: ReadonlyArray<readonly [string, ModelFormSet<any>]> = Object.freeze([])

/** The body an inline key names: a JSON list under the key, or the whole HTML body when it has fields `<key>-...` (Django's management form). */
export function inlineData (data: Readonly<Record<string, unknown>>, key: string): unknown {
  if (Object.hasOwn(data, key)) return data[key]
  const start = `${key}-`
  for (const name in data) if (name.startsWith(start)) return data
  return undefined
}

/** Make the inline formsets: one for each inline key the request names, over the parent row (none yet for a create). */
export function makeInlines (state: FormRequest): void {
  const { resource, args } = state
  let inlines: Array<readonly [string, ModelFormSet<any>]> | undefined
  for (const [key, FormSetClass] of state.plan.inlines) {
    const data = inlineData(args.data, key)
    if (data === undefined) continue
    (inlines ??= []).push([key, new FormSetClass({ db: resource.db, data: data as Record<string, unknown>, files: args.files, request: args.request, instance: args.instance, prefix: key })])
  }
  state.inlines = inlines ?? NONE
}

/** Clean the parent's form and every inline formset; any error answers 400 with all of them. */
export function cleanWithInlines (state: FormRequest): MaybePromise<void> {
  // a request that names no inline: the parent's form alone
  if (state.inlines!.length === 0) return clean(state)
  let valid = true
  const settled = (ok: boolean): void => { valid &&= ok }
  const formDone = then(state.form!.validate(), settled)
  const all = then(formDone, () => eachInTurn(state.inlines!, ([, formset]) => {
    const checked = then(formset.validate(), settled)
    return isThenable(checked) ? checked as PromiseLike<void> : undefined
  }))
  return then(all, () => { if (!valid) refuseWithInlines(state) })
}

/** Ends the request with the resource's 400, the inline formsets' errors added: `fields` flat (`books-1-title`, `books-__all__`) and `items` by key and index. */
export function refuseWithInlines (state: FormRequest, error?: unknown): void {
  refuse(state, error)
  const payload = state.result![1] as { fields: Record<string, string[]>, codes?: Record<string, string[]>, items?: Record<string, unknown> }
  for (const [key, formset] of state.inlines ?? []) {
    const errors = formSetErrors(formset, `${key}-__all__`)
    if (Object.keys(errors.fields).length === 0) continue
    Object.assign(payload.fields, errors.fields)
    payload.codes = Object.assign(payload.codes ?? {}, errors.codes)
    payload.items = { ...payload.items, ...errors.items }
  }
}

/**
 * Save: the parent's insert or update, its junction rows and every inline formset's writes as
 * one write (one transaction); the children's key to a new parent is the key its insert gives.
 * Resolves the parent row, its new children remembered for the answer.
 */
export function saveWithInlines (state: FormRequest): MaybePromise<void> {
  // an update that names no inline is the parent's own save (a create still remembers it has no children)
  if (state.inlines!.length === 0) return state.args.instance === undefined ? writeWithInlines(state) : save(state)
  // the children's uploads are stored first, so that their plans write the keys (the parent's are the plan's file stages)
  const children = formsWithFiles(state.inlines!.flatMap(([, formset]) => formset.items.map((item) => item.kind === 'delete' ? undefined : item.form)))
  for (const child of children) child.storage ??= state.resource.storage
  return writeWithFormsFiles(children, () => writeWithInlines(state), () => state.saved !== undefined)
}

function writeWithInlines (state: FormRequest): MaybePromise<void> {
  const form = state.form!
  const { meta } = form
  const instance = form.instance as Row | undefined
  const ops: WriteOp[] = planWrite(form, valuesToSave(form), saveOptions(state))
  const first = ops[0]
  // a parent deleted meanwhile must not get children: its update then ends the transaction
  if (first !== undefined && first.op === 'update' && typeof first.values === 'object' && Object.keys(first.values).length > 0 && state.inlines!.length > 0) ops[0] = { ...first, required: true }
  const row: RowAt = ops.length > 0 ? { at: 0 } : { key: instance![meta.info.primaryKey] }
  ops.push(...relateOps([{ form, row }]))
  const writes: Array<readonly [string, ModelFormSet<any>, FormSetWrite]> = []
  for (const [key, formset] of state.inlines!) {
    const write = planFormSetWrite(formset, { offset: ops.length, parent: row })
    ops.push(...write.ops)
    writes.push([key, formset, write])
  }
  if (ops.length === 0) {
    state.saved = instance
    return
  }
  // as `attempt`, written out: a write that answers at once makes no closure
  let written: MaybePromise<Array<Row | undefined>>
  try {
    written = form.adapter.write(ops)
  } catch (error) {
    return inlineWriteRefused(state, error)
  }
  if (isThenable<Array<Row | undefined>>(written)) return Promise.resolve(written).then((done) => { inlinesWritten(state, row, writes, done) }, (error: unknown) => inlineWriteRefused(state, error))
  inlinesWritten(state, row, writes, written)
}

/** The parent's row after the write, with the children and sets it wrote remembered for the answer; `ObjectDoesNotExist` when its update matched nothing. */
function inlinesWritten (state: FormRequest, row: RowAt, writes: ReadonlyArray<readonly [string, ModelFormSet<any>, FormSetWrite]>, done: Array<Row | undefined>): void {
  const form = state.form!
  const instance = form.instance as Row | undefined
  const saved = 'at' in row ? done[0] : instance
  if (saved === undefined) throw new ObjectDoesNotExist(`This ${form.meta.model.verboseName} no longer exists.`)
  for (const [, , write] of writes) write.finish(done)
  const sets = writtenSets(form)
  let children: Record<string, unknown> | undefined = sets
  if (instance === undefined) {
    // a new parent's children are the ones just written
    children = Object.assign({}, sets)
    for (const key in state.resource.inlines) children[key] = []
    for (const [key, formset] of writes) children[key] = formset.results.filter((each) => each !== null)
  }
  state.saved = rememberSets(saved, children)
}

/** A failed write of the parent and its children: its refusals filed and the 400 answered, any other error thrown on. */
function inlineWriteRefused (state: FormRequest, error: unknown): MaybePromise<void> {
  return then(inlineWriteFailed(state, error), (refused) => {
    if (!refused) throw error
    refuseWithInlines(state)
  })
}

/**
 * Files the errors of a write the database refused, and says whether there were any: the
 * parent's when the violation names its columns, else the children's that the checks find when
 * asked again, else the parent's (asked again, then its own mapping). `false` for an error that
 * is no refusal of the data (the parent gone, a precondition), which is thrown on.
 */
function inlineWriteFailed (state: FormRequest, error: unknown): MaybePromise<boolean> {
  const form = state.form!
  const { info } = form.meta
  if (error instanceof PreconditionFailedError || (error instanceof ObjectDoesNotExist && (error.table === undefined || error.table === info.table))) return false
  const violation = form.adapter.violation(error, info.table)
  const fileParent = (refused: ValidationError | undefined): boolean => {
    if (refused === undefined) return false
    form.addError(null, refused)
    form.validated = false
    return true
  }
  if (violation !== undefined && (violation.columns ?? []).length > 0) return then(violationError(form, error), fileParent)
  const asked = eachInTurn(state.inlines!, ([, formset]) => {
    const found = formSetWriteFailed(formset, error, { quiet: true })
    return isThenable(found) ? Promise.resolve(found).then(() => undefined) : undefined
  })
  return then(asked, () => {
    if (state.inlines!.some(([, formset]) => formset.validated === false)) return true
    if (violation === undefined) return false
    return then(conflicting([form], form.meta.uniqueChecks), (found) => then(missingRelated([form]), (missing) => {
      const errors = found.get(form) ?? missing.get(form)
      if (errors === undefined) return then(violationError(form, error), fileParent)
      for (const field in errors) for (const each of errors[field]) form.addError(field, each)
      form.validated = false
      return true
    }))
  })
}
