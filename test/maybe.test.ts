import t from 'tap'
import { allOf, attempt, composeStages, eachInTurn, isThenable, promised, runStages, then } from '../dist/maybe.js'

const later = <T>(value: T): Promise<T> => new Promise((resolve) => setImmediate(() => resolve(value)))
const thenable = <T>(value: T): PromiseLike<T> => ({ then: (resolve?: ((value: T) => unknown) | null) => { resolve?.(value); return undefined as never } })

t.test('isThenable knows promises and other libraries\' thenables', async (t) => {
  t.equal(isThenable(Promise.resolve(1)), true)
  t.equal(isThenable(thenable(1)), true)
  for (const value of [undefined, null, 0, 'x', {}, { then: 1 }, []]) t.equal(isThenable(value), false, JSON.stringify(value))
})

t.test('then goes on at once with a value and later with a promise', async (t) => {
  t.equal(then(2, (x) => x * 3), 6, 'a value: the answer at once, no promise')
  const pending = then(later(2), (x) => x * 3)
  t.ok(pending instanceof Promise)
  t.equal(await pending, 6)
  t.equal(await then(thenable(2), (x) => x + 1), 3, 'another library\'s thenable is waited for')
  t.equal(then<number, unknown>(1, () => { throw new Error('next') }, (error) => (error as Error).message), 'next', 'fail gets an error of next when the value came at once')
  t.equal(await then<never, string>(Promise.reject(new Error('no')), () => 'yes', (error) => (error as Error).message), 'no', 'fail gets the rejection')
  t.throws(() => then(1, () => { throw new Error('thrown') }), /thrown/, 'without fail, an error of next is thrown')
})

t.test('attempt catches what run throws or rejects, never what next throws', async (t) => {
  t.equal(attempt(() => 1, (x) => x + 1, () => -1), 2)
  t.equal(attempt<number, number | string>(() => { throw new Error('run') }, () => 0, (error) => (error as Error).message), 'run')
  t.equal(await attempt<number, number | string>(() => Promise.reject(new Error('late')), () => 0, (error) => (error as Error).message), 'late')
  t.throws(() => attempt(() => 1, () => { throw new Error('next') }, () => 'caught'), /next/)
  t.equal(await attempt(() => later(1), (x) => x + 1, () => -1), 2)
})

t.test('promised turns a value, a throw or a promise into a promise', async (t) => {
  t.equal(await promised(() => 1), 1)
  await t.rejects(promised(() => { throw new Error('sync') }), /sync/)
  t.equal(await promised(() => later(2)), 2)
})

type Run = (stages: ReadonlyArray<(state: any) => void | PromiseLike<void>>, state: object) => void | Promise<void>
const runners: Array<[string, Run]> = [
  ['runStages', runStages],
  ['composeStages', (stages, state) => composeStages('plan_test', stages)(state)]
]

for (const [label, run] of runners) {
  t.test(`${label} runs in order, at once while the stages answer at once, and stops at done`, async (t) => {
    const seen: string[] = []
    const state: { done?: boolean } = {}
    const sync = run([() => { seen.push('a') }, () => { seen.push('b') }], state)
    t.equal(sync, undefined, 'every stage answered at once: no promise')
    t.strictSame(seen, ['a', 'b'])

    seen.length = 0
    const mixed = run([() => { seen.push('a') }, () => later(undefined).then(() => { seen.push('b') }), () => { seen.push('c') }], {})
    t.ok(mixed instanceof Promise, 'a stage that answers later makes the run a promise')
    t.strictSame(seen, ['a'], 'the next stage waits')
    await mixed
    t.strictSame(seen, ['a', 'b', 'c'])

    seen.length = 0
    const stopping = { done: false }
    run([() => { seen.push('a'); stopping.done = true }, () => { seen.push('b') }], stopping)
    t.strictSame(seen, ['a'], 'done stops the plan')
    t.throws(() => run([() => { throw new Error('stage') }], {}), /stage/)
    await t.rejects(run([() => Promise.reject(new Error('later'))], {}) as Promise<void>, /later/)

    seen.length = 0
    // the last stage answering later: its promise is the run's, and another library's thenable is adopted
    const last = run([() => { seen.push('a') }, () => { seen.push('b'); return thenable(undefined) }], {})
    t.ok(last instanceof Promise, 'a thenable last stage still makes the run a native promise')
    await last
    t.strictSame(seen, ['a', 'b'])
    const ending = later(undefined).then(() => { seen.push('c') })
    t.equal(run([() => ending], {}), ending, 'a promise of the last stage is the run\'s own')
  })
}

t.test('composeStages writes the plan out once: named, empty, and done after a promise', async (t) => {
  t.equal(composeStages('plan_authors-create', []).name, 'plan_authors_create', 'named for profiles, with only identifier characters')
  t.equal(composeStages('2nd plan', []).name, '_2nd_plan', 'a name cannot start with a digit')
  t.equal(composeStages('plan_empty', [])({}), undefined, 'no stages: nothing to do')
  const seen: string[] = []
  const stages = [() => { seen.push('a') }]
  const run = composeStages('plan_copy', stages)
  stages.push(() => { seen.push('b') })
  run({})
  t.strictSame(seen, ['a'], 'the stages as they were when the plan was made')

  seen.length = 0
  const state = { done: false }
  const pending = composeStages('plan_later', [() => later(undefined).then(() => { seen.push('a') }), () => { seen.push('b'); state.done = true }, () => { seen.push('c') }])(state)
  t.ok(pending instanceof Promise)
  await pending
  t.strictSame(seen, ['a', 'b'], 'after a promise the rest of the plan still stops at done')
})

t.test('eachInTurn runs one item after another, waiting only for a promise', async (t) => {
  const seen: number[] = []
  t.equal(eachInTurn([1, 2, 3], (n) => { seen.push(n) }), undefined)
  t.strictSame(seen, [1, 2, 3])
  seen.length = 0
  const run = eachInTurn([1, 2, 3], (n) => {
    if (n === 2) return later(undefined).then(() => { seen.push(n) })
    seen.push(n)
  })
  t.strictSame(seen, [1])
  await run
  t.strictSame(seen, [1, 2, 3], 'in order')
  seen.length = 0
  const tail = eachInTurn([1, 2], (n) => { seen.push(n); return n === 2 ? thenable(undefined) : undefined })
  t.ok(tail instanceof Promise, 'the last item answering with a thenable: a native promise')
  await tail
  t.strictSame(seen, [1, 2])
  await t.rejects(eachInTurn([1], () => Promise.reject(new Error('last'))) as Promise<void>, /last/)
})

t.test('allOf answers the values at once, or a promise of them all', async (t) => {
  const values = allOf([1, 'a'] as const)
  t.strictSame(values, [1, 'a'])
  t.strictSame(await allOf([1, later('b')] as const), [1, 'b'])
})
