/**
 * The life of a form request (djblets' `handle_form_request`), as one plan of named stages:
 *
 *     bind data → parse hooks → make the form → clean (the form's stages) → save → envelope
 *
 * A plan is built once per resource and kind of request when its routes are registered; a
 * stage the resource does not use is left out (no parse hooks, no parse stage), and a step it
 * overrides (`createForm`, `saveForm`) replaces its default stages. Every stage may answer at
 * once or with a promise; the plan waits only for a promise (lib/maybe.ts). A registered plan's
 * stages are written out once as one function (`composeStages`), which a request runs.
 */
import type { InferSelectModel, Table } from 'drizzle-orm'
import { ValidationError, type ErrorDict, type WebAPIError } from './errors.ts'
import { ModelForm, type ModelFormClass, type SaveOptions } from './form.ts'
import { saveForm } from './form-save.ts'
import { deleteReplacedFiles, discardStoredFiles, storeFiles } from './form-files.ts'
import { attempt, composeStages, isThenable, runStages, then, type MaybePromise, type Stage } from './maybe.ts'
import { FormResource, type StepContext } from './resource.ts'
import { checkFieldKeys, codes } from './setup-errors.ts'
import { answerDryRun, cleanDryRun } from './dry-run-stages.ts'
import { parseHooks } from './parse-hooks.ts'
import type { ModelFormSet, ModelFormSetClass } from './formset.ts'
import { cleanWithInlines, makeInlines, saveWithInlines } from './inline-stages.ts'
import type { Row } from './db/index.ts'

/** `handleFormRequest`'s answer: `[201 | 200, {<name>: row}]` or `[INVALID_FORM_DATA, {fields}]`. */
export type FormResult<TTable extends Table = Table> =
  | [201 | 200, Record<string, InferSelectModel<TTable>>]
  | [WebAPIError, { fields: ErrorDict, [extra: string]: unknown }]

/** Arguments of `createForm`. */
export interface CreateFormArgs<TTable extends Table = Table> extends StepContext {
  data: Record<string, unknown>
  files?: Record<string, unknown>
  instance?: InferSelectModel<TTable>
  formKwargs?: Record<string, unknown>
}

/** Arguments of `handleFormRequest`. */
export interface HandleFormRequestArgs<TTable extends Table = Table> extends CreateFormArgs<TTable> {
  saveKwargs?: SaveOptions
  /** A dry run (`?dry-run=1`): every stage but the write; answers `[200, {dry_run: true, <name>: the row it would write}]` or the 400. */
  dryRun?: boolean
  /** With `dryRun`, the fields whose errors count (`?only-fields=`): the others' are left out, and a run with none left answers 200. */
  onlyFields?: ReadonlySet<string>
}

/** One form request on its way through the stages. */
export interface FormRequest {
  readonly resource: FormResource<any, any>
  readonly plan: FormRequestPlan
  readonly args: HandleFormRequestArgs<any>
  /** The request and the extra keys of the call: what hooks and builders get besides their own arguments (see `contextOf`). */
  ctx?: StepContext
  /** The bound data: initial < instance < request data after parse hooks. */
  formData?: Record<string, unknown>
  /** What the parse hooks refused, by field. */
  parseErrors?: Array<readonly [string, ValidationError]>
  form?: ModelForm<any>
  /** The inline formsets the request names, by key (a resource with `inlines`). */
  inlines?: ReadonlyArray<readonly [string, ModelFormSet<any>]>
  saved?: Row
  result?: FormResult<any>
  done?: boolean
}

/** A resource's plan for one kind of request: the form class and the stages, fixed at registration. */
export interface FormRequestPlan {
  /** Whether the plan creates (no instance) or changes a row. */
  readonly create: boolean
  readonly FormClass: ModelFormClass<any>
  /** The parse hooks of the form's fields, in form order. */
  readonly parseHooks: ReadonlyArray<readonly [string, (value: unknown, ctx: StepContext) => unknown]>
  readonly stages: ReadonlyArray<Stage<FormRequest>>
  /** What a request runs: `stages` as one function written out once (lib/maybe.ts `composeStages`) for a plan made at registration, else `runStages` over them. */
  readonly run: (state: FormRequest) => void | Promise<void>
  /** The form's file fields; a plan without them has no file stages. */
  readonly fileFields: readonly string[]
  /** Data keys bound besides the fields: each file field's `<name>-clear`. */
  readonly extraKeys: readonly string[]
  /** The same plan without its file stages, for a request that sends no file and names no file field; `undefined` when the plan has none. */
  readonly withoutFiles?: FormRequestPlan
  /** The resource's inline formset classes by key (`inlines`), listed once. */
  readonly inlines: ReadonlyArray<readonly [string, ModelFormSetClass<any>]>
  /** The dry-run variant: the same stages up to the checks, then `answerDryRun` in the place of every write stage. */
  readonly dryRun?: FormRequestPlan
  /**
   * Whether the row a request of this plan answers is its own: the default save stages and
   * envelope, so the row is one the adapter made for this request (or the instance it read for
   * it). Its item may then be the row itself with its links added (lib/items.ts `serialize`).
   */
  readonly ownsRow: boolean
}

/** Bind: the form's fields from the request data, else the instance, else their initial values (Django's initial < instance < data; lib/form-compiled.ts). */
export function bindData (state: FormRequest): void {
  const { data } = state.args
  const formData = state.plan.FormClass.meta.compiled.boundData(data, state.args.instance)
  for (const key of state.plan.extraKeys) if (Object.hasOwn(data, key)) formData[key] = data[key]
  state.formData = formData
}

/** Make the form: the plan's form class over the bound data, the parse hooks' refusals filed on it. */
export function makeForm (state: FormRequest): void {
  const { files, instance, formKwargs } = state.args
  const args = { db: state.resource.db, data: state.formData!, files, instance, request: state.args.request }
  const form = new state.plan.FormClass(formKwargs === undefined ? args : { ...args, ...formKwargs })
  if (state.parseErrors !== undefined) for (const [name, error] of state.parseErrors) form.addError(name, error)
  state.form = form
}

/** An overridden `createForm` in the place of bind, parse hooks and make: its `ValidationError` answers 400 at once. */
function callCreateForm (state: FormRequest): MaybePromise<void> {
  const { data, files, instance, formKwargs } = state.args
  return attempt(() => state.resource.createForm({ ...contextOf(state), data, files, instance, formKwargs }), (form) => { state.form = form }, (error) => refuse(state, error))
}

/** Clean: the form's own stages (fields, clean hooks, `cleanForm`, model checks); an invalid form answers 400. */
export function clean (state: FormRequest): MaybePromise<void> {
  const valid = state.form!.validate()
  if (isThenable<boolean>(valid)) return Promise.resolve(valid).then((ok) => { if (!ok) refuse(state) })
  if (!valid) refuse(state)
}

/** The save options of a request: its `saveKwargs`, with the resource's version column. */
export function saveOptions (state: FormRequest): SaveOptions | undefined {
  const { saveKwargs } = state.args
  const version = state.resource.versionColumn
  return version === undefined ? saveKwargs : { versionColumn: version, ...saveKwargs }
}

/** Save: plan the write, write, map a violation (the form's save stages); a violation answers 400. */
export function save (state: FormRequest): MaybePromise<void> {
  let row: MaybePromise<Row>
  try {
    row = saveForm(state.form!, saveOptions(state))
  } catch (error) {
    return refuse(state, error)
  }
  if (isThenable<Row>(row)) return Promise.resolve(row).then((saved) => { state.saved = saved }, (error: unknown) => refuse(state, error))
  state.saved = row
}

/** A form class's own `save()` in the place of the save stages. */
function callFormSave (state: FormRequest): MaybePromise<void> {
  return attempt(() => state.form!.save(saveOptions(state)), (row) => { state.saved = row }, (error) => refuse(state, error))
}

/** An overridden `saveForm` in the place of the save stages. */
function callSaveForm (state: FormRequest): MaybePromise<void> {
  return attempt(() => state.resource.saveForm(state.form!, { ...contextOf(state), saveKwargs: state.args.saveKwargs }), (row) => { state.saved = row }, (error) => refuse(state, error))
}

/** Store files: a valid form's uploads, in the resource's storage, before the row's transaction (lib/form-files.ts). */
export function storeUploads (state: FormRequest): void | Promise<void> {
  const form = state.form!
  form.storage ??= state.resource.storage
  return storeFiles(form)
}

/** A save stage of a plan with files: the files it stored deleted again when the save fails or is refused, the replaced ones once it committed. */
function withFiles (saveStage: Stage<FormRequest>): Stage<FormRequest> {
  return function saveWithFiles (state) {
    return attempt(
      () => saveStage(state),
      () => state.saved === undefined ? discardStoredFiles(state.form!) : deleteReplacedFiles(state.form!),
      (error) => then(discardStoredFiles(state.form!), () => { throw error })
    ) as void | Promise<void>
  }
}

/** Envelope: `[201 | 200, {<name>: row}]`, as the default `buildFormSuccessResponse` makes it. */
export function envelope (state: FormRequest): void {
  // a property set rather than a computed key in a literal, which V8 defines through its runtime
  const payload: Record<string, never> = {}
  payload[state.resource.name] = state.saved as never
  state.result = [state.args.instance === undefined ? 201 : 200, payload]
  state.done = true
}

/** An overridden `buildFormSuccessResponse` in the place of the envelope stage. */
function callBuildSuccess (state: FormRequest): void {
  const isCreated = state.args.instance === undefined
  state.result = state.resource.buildFormSuccessResponse({ ...contextOf(state), form: state.form, instance: state.saved as never, isCreated })
  state.done = true
}

/** Ends the request with the resource's `buildFormErrorResponse`: for the form's errors, or a `ValidationError` raised by a step (anything else is thrown on). */
export function refuse (state: FormRequest, error?: unknown): void {
  if (error !== undefined && !(error instanceof ValidationError)) throw error
  state.result = state.resource.buildFormErrorResponse({ ...contextOf(state), form: state.form, errors: error as ValidationError | undefined, instance: state.args.instance })
  state.done = true
}

/**
 * Builds a resource's plan for creating (`create`) or changing rows: checks its parse hooks
 * name form fields (`FFR_ERR_UNKNOWN_FIELD` otherwise), leaves out the stages it has nothing
 * for, and puts overridden steps in the place of their default stages.
 */
export function planFormRequest (resource: FormResource<any, any>, { create, dryRun = false, compose = false }: { create: boolean, dryRun?: boolean, compose?: boolean }): FormRequestPlan {
  const FormClass: ModelFormClass<any> = create ? (resource.addFormClass ?? resource.formClass) : resource.formClass
  const names = new Set([...Object.keys(resource.formClass.baseFields), ...Object.keys(resource.addFormClass?.baseFields ?? {})])
  checkFieldKeys(`resource "${resource.name}"`, 'parse', resource.parse, [...names])
  const parse = resource.parse as Record<string, ((value: unknown, ctx: StepContext) => unknown) | undefined>
  const hooks = Object.keys(FormClass.baseFields).filter((name) => typeof parse[name] === 'function').map((name) => [name, parse[name]!] as const)
  const overrides = (step: 'createForm' | 'saveForm'): boolean => resource[step] !== FormResource.prototype[step]
  const inlines = Object.keys(resource.inlines ?? {}).length > 0
  // the parent and its children are one write: a save of the parent alone cannot be a step of it
  if (inlines && (overrides('saveForm') || FormClass.prototype.save !== ModelForm.prototype.save)) throw new codes.FFR_ERR_INLINES_SAVE(resource.name)
  const saveStage = inlines ? saveWithInlines : overrides('saveForm') ? callSaveForm : overrides('createForm') || FormClass.prototype.save !== ModelForm.prototype.save ? callFormSave : save
  const stagesOf = (files: boolean): Array<Stage<FormRequest>> => {
    const stages: Array<Stage<FormRequest>> = []
    if (overrides('createForm')) stages.push(callCreateForm)
    else stages.push(bindData, ...(hooks.length > 0 ? [parseHooks] : []), makeForm)
    if (dryRun) {
      // a dry run stops where the writes begin: nothing stored, nothing written
      stages.push(...(inlines ? [makeInlines, cleanWithInlines] : [cleanDryRun]), answerDryRun)
      return stages
    }
    stages.push(...(inlines ? [makeInlines, cleanWithInlines] : [clean]), ...(files ? [storeUploads, withFiles(saveStage)] : [saveStage]))
    stages.push(resource.buildFormSuccessResponse !== FormResource.prototype.buildFormSuccessResponse ? callBuildSuccess : envelope)
    return stages
  }
  const { fileFields } = FormClass.meta
  const ownsRow = !dryRun && (saveStage === save || saveStage === saveWithInlines) && resource.buildFormSuccessResponse === FormResource.prototype.buildFormSuccessResponse
  const plain = { create, FormClass, parseHooks: hooks, fileFields: [], extraKeys: [], inlines: Object.entries(resource.inlines ?? {}), ownsRow }
  const dry = dryRun ? {} : { dryRun: planFormRequest(resource, { create, dryRun: true, compose }) }
  const name = `${resource.name}_${create ? 'create' : 'update'}${dryRun ? '_dry_run' : ''}`
  const staged = (files: boolean): Pick<FormRequestPlan, 'stages' | 'run'> => {
    const stages = stagesOf(files)
    // writing a plan out costs a compile: worth it for the plans of registered routes only
    return { stages, run: compose ? composeStages(`plan_${name}${files ? '_files' : ''}`, stages) : (state: FormRequest) => runStages(stages, state) }
  }
  if (fileFields.length === 0 || dryRun) return { ...plain, ...dry, ...staged(false) }
  const extraKeys = fileFields.map((name) => `${name}-clear`)
  return { ...plain, ...dry, fileFields, extraKeys, ...staged(true), withoutFiles: { ...plain, ...staged(false) } }
}

/** The plan for one request: its `dryRun` variant for a dry run; a plan's `withoutFiles` when the request sends no file and its data names no file field (nor its `-clear`). */
export function planFor (plan: FormRequestPlan, args: HandleFormRequestArgs<any>): FormRequestPlan {
  if (args.dryRun === true && plan.dryRun !== undefined) return plan.dryRun
  const lean = plan.withoutFiles
  if (lean === undefined || args.files !== undefined) return plan
  const { data } = args
  for (const name of plan.fileFields) if (Object.hasOwn(data, name)) return plan
  for (const key of plan.extraKeys) if (Object.hasOwn(data, key)) return plan
  return lean
}

/** The request and the call's extra keys (every key but the ones `handleFormRequest` takes itself): made once, when a step needs it. */
export function contextOf (state: FormRequest): StepContext {
  if (state.ctx !== undefined) return state.ctx
  const { args } = state
  const ctx: StepContext = { request: args.request }
  for (const key in args) {
    if (key !== 'data' && key !== 'files' && key !== 'instance' && key !== 'formKwargs' && key !== 'saveKwargs' && key !== 'request' && key !== 'dryRun' && key !== 'onlyFields') ctx[key] = args[key]
  }
  return (state.ctx = ctx)
}

/** A fresh request state for a plan. */
export function startRequest (resource: FormResource<any, any>, plan: FormRequestPlan, args: HandleFormRequestArgs<any>): FormRequest {
  return { resource, plan, args, ctx: undefined, formData: undefined, parseErrors: undefined, form: undefined, inlines: undefined, saved: undefined, result: undefined, done: false }
}

/** Runs a form request through its plan; its answer at once when every stage answered at once. */
export function runFormRequest<TTable extends Table> (resource: FormResource<TTable, any>, plan: FormRequestPlan, args: HandleFormRequestArgs<TTable>): MaybePromise<FormResult<TTable>> {
  const state = startRequest(resource, plan, args)
  const done = plan.run(state)
  return (done === undefined ? state.result! : done.then(() => state.result!)) as MaybePromise<FormResult<TTable>>
}

const registered = new WeakMap<FormResource<any, any>, { create: FormRequestPlan, update: FormRequestPlan }>()

/** Plans a resource's requests once, when its routes are registered. */
export function registerPlans (resource: FormResource<any, any>): { create: FormRequestPlan, update: FormRequestPlan } {
  const plans = { create: planFormRequest(resource, { create: true, compose: true }), update: planFormRequest(resource, { create: false, compose: true }) }
  registered.set(resource, plans)
  return plans
}

/** A resource's plan: the one made at registration, or, for a resource used without an app, one made now from its current steps. */
export function planOf (resource: FormResource<any, any>, create: boolean): FormRequestPlan {
  const plans = registered.get(resource)
  if (plans !== undefined) return create ? plans.create : plans.update
  return planFormRequest(resource, { create })
}
