/**
 * The requests the benchmarks load their servers with (autocannon's), shared by bench/run.ts and
 * bench/same-process.ts: each phase's request, every sending with a name no request sent before.
 */
import type { Request } from 'autocannon'

export type Phase = 'create' | 'update' | 'hooked' | 'bulk-1000' | 'list'

/** The bearer token the servers are started with. */
export const TOKEN = 'bench-token'
/** The authors seeded before the rounds (ids 1 to SEED_ROWS), which the update rounds change. */
export const SEED_ROWS = 1000
/** Items per bulk request. */
export const BULK_ITEMS = 1000
const TITLES = ['MR', 'MRS', 'MS']

/** A signed-in JSON request's headers. */
export const headers = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }

/** A bulk create body of `count` new authors named `<tag> <n>-<i>`. */
export function bulkBody (tag: string, n: number, count: number): string {
  const items = new Array(count)
  for (let i = 0; i < count; i++) items[i] = { name: `${tag} ${n}-${i}`, title: TITLES[i % 3], birthDate: '1980-05-17' }
  return JSON.stringify(items)
}

/** An autocannon request whose `fill` sets the body or path of its `n`th sending (from 1). */
function sequence (method: 'GET' | 'POST' | 'PUT', path: string, fill: (request: { path: string, body?: string }, n: number) => void): Request {
  let n = 0
  return {
    method,
    path,
    headers,
    setupRequest (request) {
      fill(request as { path: string, body?: string }, ++n)
      return request
    }
  }
}

/** The request of a phase, its paths under `prefix` (`''`: the app's own). */
export function requestFor (phase: Phase, tag: string, prefix = ''): Request {
  const api = `${prefix}/api`
  switch (phase) {
    case 'bulk-1000': return sequence('POST', `${api}/authors/`, (request, n) => { request.body = bulkBody(tag, n, BULK_ITEMS) })
    // the parse hook turns the \r\n into \n, the clean hook keeps one blank line, the form's clean checks the date
    case 'hooked': return sequence('POST', `${api}/sticky-notes/`, (request, n) => { request.body = JSON.stringify({ text: `${tag} ${n}\r\n\r\n\r\n\r\nand more`, timestamp: '2024-01-02T03:04:05Z' }) })
    // a page of 25 with a filter and an ordering; the page's start moves so that both servers read alike
    case 'list': return sequence('GET', `${api}/authors/?title=MR&ordering=-name`, (request, n) => { request.path = `${api}/authors/?title=MR&ordering=-name&start=${(n * 25) % 500}` })
    case 'create': return sequence('POST', `${api}/authors/`, (request, n) => { request.body = JSON.stringify({ name: `${tag} ${n}`, title: TITLES[n % 3], birthDate: '1980-05-17' }) })
    case 'update': return sequence('PUT', `${api}/authors/1/`, (request, n) => {
      request.path = `${api}/authors/${(n % SEED_ROWS) + 1}/`
      request.body = JSON.stringify({ name: `${tag} ${n}`, title: TITLES[n % 3] })
    })
  }
}
