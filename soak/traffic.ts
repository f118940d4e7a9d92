/**
 * The soak test's traffic: workers sending a mix of requests to the example app over HTTP
 * (creates, reads, lists, If-Match updates and deletes, plain updates, sticky notes, and hostile
 * bodies), each answer checked against the envelope (README, Errors) and its bound, and written
 * down in the ledger.
 */
import { performance } from 'node:perf_hooks'
import type { AuthorState, Ledger } from './ledger.ts'

/** The errors the soak may meet, by code: HTTP status, type, message. */
const ERRORS: Readonly<Record<number, readonly [number, string, string]>> = {
  100: [404, 'resource-does-not-exist', 'Object does not exist'],
  105: [400, 'request-field-error', 'One or more fields had errors'],
  200: [400, 'request-body-malformed', 'The request body could not be parsed'],
  203: [412, 'resource-precondition-failed', 'The item has changed since it was read'],
  204: [405, 'request-method-not-allowed', 'This method is not allowed here'],
  207: [503, 'service-unavailable', 'The service is busy; try again shortly']
}

/** One answer, as the report counts it. */
export interface Observation {
  kind: string
  status: number
  ms: number
  /** When it was answered, in ms since the traffic started. */
  at: number
}

export interface Traffic {
  readonly observations: Observation[]
  readonly problems: string[]
  /** Stops the workers; resolves once every request in flight is answered. */
  stop (): Promise<void>
}

interface Answer {
  status: number
  body: any
  etag: string | null
}

const AUTH = { authorization: 'Bearer demo' }
const JSON_TYPE = { 'content-type': 'application/json' }
const TITLES = [null, 'MR', 'MRS', 'MS'] as const
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]
const randomState = (): AuthorState => ({ title: pick(TITLES), birthDate: Math.random() < 0.5 ? null : `19${10 + Math.floor(Math.random() * 89)}-0${1 + Math.floor(Math.random() * 9)}-1${Math.floor(Math.random() * 9)}` })
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const DEEP = `{"text": "deep", "x": ${'['.repeat(5000)}${']'.repeat(5000)}}`

/**
 * Starts `workers` loops against `base` (http://127.0.0.1:port); every answer must come within
 * `bound` ms, in the envelope, with a status its request may have. `pace` ms between requests;
 * observations are timed from `started` (a `performance.now()`).
 */
export function startTraffic ({ base, workers, bound, pace, ledger, started = performance.now() }: { base: string, workers: number, bound: number, pace: number, ledger: Ledger, started?: number }): Traffic {
  const observations: Observation[] = []
  const problems: string[] = []
  const state = { stopped: false }

  function check (kind: string, status: number, allowed: readonly number[], text: string, retryAfter: string | null): any {
    if (!allowed.includes(status)) problems.push(`${kind}: status ${status} (allowed: ${allowed.join(', ')}): ${text.slice(0, 300)}`)
    if (status === 204) {
      if (text !== '') problems.push(`${kind}: a 204 with a body`)
      return undefined
    }
    let body: any
    try {
      body = JSON.parse(text)
    } catch {
      problems.push(`${kind}: status ${status}, not JSON: ${text.slice(0, 200)}`)
      return undefined
    }
    if (status < 300) {
      if (body.stat !== 'ok') problems.push(`${kind}: ${status} without stat "ok"`)
      return body
    }
    const known = ERRORS[body?.err?.code]
    const { err } = body ?? {}
    if (body?.stat !== 'fail' || known === undefined || known[0] !== status || err.type !== known[1] || err.msg !== known[2] || (err.detail !== undefined && typeof err.detail !== 'string')) {
      problems.push(`${kind}: ${status} not in the envelope: ${text.slice(0, 300)}`)
    }
    if (status === 503 && retryAfter !== '1') problems.push(`${kind}: a 503 without Retry-After: 1`)
    return body
  }

  async function send (kind: string, allowed: readonly number[], path: string, { method = 'GET', body, headers = {} }: { method?: string, body?: string, headers?: Record<string, string> } = {}): Promise<Answer | undefined> {
    const sent = performance.now()
    try {
      const res = await fetch(base + path, { method, body, headers: { ...AUTH, ...(body === undefined ? {} : JSON_TYPE), ...headers }, signal: AbortSignal.timeout(bound) })
      const text = await res.text()
      const now = performance.now()
      observations.push({ kind, status: res.status, ms: now - sent, at: now - started })
      return { status: res.status, body: check(kind, res.status, allowed, text, res.headers.get('retry-after')), etag: res.headers.get('etag') }
    } catch (error) {
      problems.push(`${kind}: no answer within ${bound} ms (${(error as Error).message})`)
      return undefined
    }
  }

  const itemState = (body: any): AuthorState => ({ title: body.author.title, birthDate: body.author.birthDate })

  async function worker (w: number): Promise<void> {
    const mine: Array<{ id: number, name: string }> = []
    let seq = 0
    const read = async (row: { id: number, name: string }, kind: string): Promise<Answer | undefined> => {
      const answer = await send(kind, [200, 404, 503], `/api/authors/${row.id}/`)
      if (answer?.status === 200) ledger.settled(row.name, itemState(answer.body), { read: true })
      if (answer?.status === 404) ledger.settled(row.name, null, { read: true })
      return answer
    }
    const drop = (row: { name: string }): void => { mine.splice(mine.findIndex((r) => r.name === row.name), 1) }
    while (!state.stopped) {
      for (let i = mine.length - 1; i >= 0; i--) if (!ledger.usable(mine[i].name)) mine.splice(i, 1)
      const roll = Math.random()
      const row = mine.length > 0 ? pick(mine) : undefined
      if (row === undefined || roll < 0.25) {
        const name = `w${w}-${seq++}`
        const state = randomState()
        const answer = await send('create', [201, 503], '/api/authors/', { method: 'POST', body: JSON.stringify({ name, ...state }) })
        if (answer?.status === 201) {
          ledger.created(name, state, answer.body.author.id)
          mine.push({ id: answer.body.author.id, name })
        } else ledger.created(name, state)
      } else if (roll < 0.45) {
        const answer = await read(row, 'read')
        if (answer?.status === 404) drop(row)
      } else if (roll < 0.65) {
        const current = await read(row, 'read before If-Match')
        if (current?.status !== 200) continue
        const kind = roll < 0.6 ? 'update with If-Match' : 'delete with If-Match'
        const next = roll < 0.6 ? randomState() : null
        const answer = await send(kind, next === null ? [204, 503] : [200, 503], `/api/authors/${row.id}/`, next === null
          ? { method: 'DELETE', headers: { 'if-match': current.etag! } }
          : { method: 'PUT', body: JSON.stringify({ name: row.name, ...next }), headers: { 'if-match': current.etag! } })
        if (answer === undefined || answer.status === 503) ledger.doubted(row.name, next)
        else if (next === null) ledger.settled(row.name, null)
        else ledger.settled(row.name, itemState(answer.body))
        if (next === null && answer?.status === 204) drop(row)
      } else if (roll < 0.72) {
        const title = pick(TITLES)
        const answer = await send('update', [200, 503], `/api/authors/${row.id}/`, { method: 'PATCH', body: JSON.stringify({ title }) })
        if (answer?.status === 200) ledger.settled(row.name, itemState(answer.body))
        else ledger.doubtedChange(row.name, { title })
      } else if (roll < 0.8) {
        await send('list', [200, 503], `/api/authors/?start=${Math.floor(Math.random() * 50)}&max-results=5`)
      } else if (roll < 0.87) {
        const answer = await send('sticky note', [201, 503], '/api/sticky-notes/', { method: 'POST', body: JSON.stringify({ text: `note ${w}-${seq++}` }) })
        if (answer?.status === 201) ledger.notesCreated++
        else ledger.notesInDoubt++
      } else if (roll < 0.91) {
        await send('hostile: JSON 5,000 deep', [400], '/api/sticky-notes/', { method: 'POST', body: DEEP })
      } else if (roll < 0.95) {
        await send('hostile: _method object', [405], `/api/authors/${row.id}/`, { method: 'POST', body: '{"_method": {"toString": 1}, "name": "x"}' })
      } else {
        const answer = await send('hostile: lone surrogate', [400], '/api/authors/', { method: 'POST', body: `{"name": "w${w}-${seq++}\\ud800"}` })
        if (answer !== undefined && JSON.stringify(answer.body?.fields) !== '{"name":["Enter a valid value."]}') problems.push(`hostile: lone surrogate answered ${JSON.stringify(answer.body)}`)
      }
      if (pace > 0) await sleep(pace)
    }
  }

  const running = Promise.all(Array.from({ length: workers }, async (_, w) => await worker(w)))
  return {
    observations,
    problems,
    async stop () {
      state.stopped = true
      await running
    }
  }
}
