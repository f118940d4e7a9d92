/**
 * Sync or async in one place. A stage, a step or a database call may answer at once or with a
 * promise (better-sqlite3 answers at once, node-postgres later); everything that goes on after
 * one goes through these few functions, so a request whose answers all come at once never
 * waits on a promise, and one that meets a promise waits for it and for nothing else.
 */

import { compile } from './compile.ts'

/** Whether a driver answers at once (`'sync'`: better-sqlite3) or with promises (`'async'`: node-postgres), as Drizzle names it. */
export type Mode = 'sync' | 'async'

/** A value of a call in `TMode`: the value itself for `'sync'`, a promise of it for `'async'`, either for `Mode`. */
export type Result<TMode extends Mode, T> = TMode extends 'sync' ? T : Promise<T>

/** A value now, or a promise (or any thenable) of it. */
export type MaybePromise<T> = T | PromiseLike<T>

/** Whether a value is a promise or any other thenable (an overridden step may give another library's). */
export function isThenable<T = unknown> (value: unknown): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function'
}

/**
 * Goes on with `next` once `value` is known: at once when it is not a thenable. `fail`, when
 * given, gets a rejection of `value` or an error thrown by `next` when `value` came at once.
 */
export function then<T, R> (value: MaybePromise<T>, next: (value: T) => MaybePromise<R>, fail?: (error: unknown) => MaybePromise<R>): MaybePromise<R> {
  if (isThenable<T>(value)) return Promise.resolve(value).then(next, fail)
  if (fail === undefined) return next(value)
  try {
    return next(value)
  } catch (error) {
    return fail(error)
  }
}

/**
 * Runs `run` and goes on with `next` or `fail`: `fail` gets what `run` throws at once or what its
 * promise rejects with, and never an error thrown by `next`.
 */
export function attempt<T, R> (run: () => MaybePromise<T>, next: (value: T) => MaybePromise<R>, fail: (error: unknown) => MaybePromise<R>): MaybePromise<R> {
  let value: MaybePromise<T>
  try {
    value = run()
  } catch (error) {
    return fail(error)
  }
  return isThenable<T>(value) ? Promise.resolve(value).then(next, fail) : next(value)
}

/** A promise of a value that may have come at once: what a public method that promises gives. */
export function promised<T> (run: () => MaybePromise<T>): Promise<T> {
  try {
    return Promise.resolve(run())
  } catch (error) {
    return Promise.reject(error)
  }
}

/** A stage's promise as the promise of a run: a native promise as it is (what it resolves to is not read), any other thenable adopted. */
function settledVoid (pending: PromiseLike<void>): Promise<void> {
  return pending instanceof Promise ? pending : Promise.resolve(pending)
}

/** One stage of a plan: works on the state and answers nothing, at once or later. */
export type Stage<TState> = (state: TState) => void | PromiseLike<void>

/**
 * Runs a plan's stages in order over `state`, as Fastify runs a route's hooks: a stage that
 * answers at once is followed at once, one that answers with a promise is waited for, and the
 * plan stops early when a stage sets `state.done`. Resolves (or returns) nothing; the stages
 * leave their results in the state. A stage's error, thrown or rejected, ends the run with it.
 */
export function runStages<TState> (stages: ReadonlyArray<Stage<TState>>, state: TState, from = 0): void | Promise<void> {
  for (let i = from; i < stages.length; i++) {
    if ((state as { done?: boolean }).done === true) return
    const pending = stages[i](state)
    // the last stage's promise is the run's own: no stage is left to go on with
    if (pending !== undefined && isThenable(pending)) return i + 1 === stages.length ? settledVoid(pending) : Promise.resolve(pending).then(() => runStages(stages, state, i + 1))
  }
}

/**
 * A plan's stages as one function of the state that does what `runStages(stages, state)` does,
 * written out once when the plan is made (lib/compile.ts): each stage is called from a call site
 * of its own, which sees one function and which V8 can inline, where `runStages` calls every
 * plan's stages from the one site of its loop. After a stage's promise the rest of the plan runs
 * through `runStages`, which waits for each promise as it comes. `name` names the function in
 * profiles (letters, digits and `_` are kept, and a leading digit gets a `_` before it).
 */
export function composeStages<TState> (name: string, stages: ReadonlyArray<Stage<TState>>): (state: TState) => void | Promise<void> {
  const list = Object.freeze([...stages])
  const lines = list.map((_, i) => {
    const more = i + 1 < list.length ? `rest(p, ${i + 1}, state)` : 'settled(p)'
    return `if (state.done === true) return\np = s${i}(state)\nif (p !== undefined && isThenable(p)) return ${more}`
  })
  const env: Record<string, unknown> = { isThenable, settled: settledVoid, rest: (pending: PromiseLike<void>, from: number, state: TState) => Promise.resolve(pending).then(() => runStages(list, state, from)) }
  list.forEach((stage, i) => { env[`s${i}`] = stage })
  return compile(name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=[0-9])/, '_'), ['state'], `let p\n${lines.join('\n')}`, env)
}

/**
 * Runs `step` for each item in turn, as `runStages` runs stages: at once while each answers at
 * once, waiting only for a step that answers with a promise.
 */
export function eachInTurn<T> (items: readonly T[], step: (item: T) => void | PromiseLike<void>, from = 0): void | Promise<void> {
  for (let i = from; i < items.length; i++) {
    const pending = step(items[i])
    if (pending !== undefined && isThenable(pending)) return i + 1 === items.length ? settledVoid(pending) : Promise.resolve(pending).then(() => eachInTurn(items, step, i + 1))
  }
}

/** The values of a list of calls: the list itself when every value came at once, else a promise of them all. */
export function allOf<T extends readonly unknown[]> (values: T): MaybePromise<{ [K in keyof T]: Awaited<T[K]> }> {
  for (const value of values) if (isThenable(value)) return Promise.all(values) as Promise<{ [K in keyof T]: Awaited<T[K]> }>
  return values as unknown as { [K in keyof T]: Awaited<T[K]> }
}
