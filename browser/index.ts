/**
 * The browser helper of fastify-form-resources: submits an HTML form with `fetch` and paints
 * the 400's `fields` under the inputs they name. No dependencies; served by the plugin at
 * `<prefix>/_ffr/browser.js` and exported as `fastify-form-resources/browser`.
 *
 * What it writes into the page, and removes again in `clearErrors`:
 * - per message, `<p class="ffr-error" id="ffr-error-N" data-ffr-error="<name>">message</p>`,
 *   inside the form's `[data-ffr-errors-for="<name>"]` when there is one, else after the input
 *   (after its `<label>` when the label wraps it; after the last input of a radio/checkbox group);
 * - on each invalid input: `aria-invalid="true"`, the message ids added to `aria-describedby`
 *   (remembered in `data-ffr-describedby`), `setCustomValidity(first message)` until the next
 *   `input`/`change` of that field, the `invalidClass` (remembered in `data-ffr-invalid`);
 * - the form's summary, `[data-ffr-summary]` or a `<div class="ffr-summary" role="alert"
 *   tabindex="-1" data-ffr-summary>` made at the top of the form, `hidden` while it holds no
 *   message: `__all__`, `<prefix>-__all__`, errors of names with no input on the page
 *   (`name: message`), and the message of any other failure;
 * - `aria-busy="true"` on the form and `disabled` on its submit buttons while a submit is in flight.
 *
 * A form with `data-ffr-if-match="<ETag>"` sends it as `If-Match` (a write then fails with 412
 * when the item changed since the page was rendered) and keeps it up to date from each 2xx's `ETag`.
 */

/** A 400's field errors: input name → messages, `__all__` for the form's own. */
export type FieldErrors = Record<string, readonly string[]>

/** The JSON body of an answer, as far as the helper reads it: djblets' envelope. */
export interface Envelope {
  stat?: 'ok' | 'fail'
  err?: { code: number, msg: string, type: string, detail?: string }
  fields?: FieldErrors
  [key: string]: unknown
}

/** Options of `applyErrors` and `clearErrors`. */
export interface PaintOptions {
  /** A class added to every invalid input, such as Bootstrap's `is-invalid`. */
  invalidClass?: string
  /** Whether `applyErrors` focuses the first invalid input (or the summary); default `true`. */
  focus?: boolean
  /** `clearErrors` only: clear only these names' errors (default: every error of the form). */
  only?: Iterable<string>
}

/** Options of `enhanceForm`. */
export interface EnhanceOptions extends PaintOptions {
  /** A header to send the CSRF token in, such as `x-csrf-token`; none is sent without it. */
  csrfHeader?: string
  /** The CSRF token, or a function giving it; default: the content of `<meta name="csrf-token">`. */
  csrfToken?: string | (() => string | null | undefined)
  /** Check a field as the user leaves it, through `?dry-run=1&only-fields=<name>`; default `false`. */
  liveCheck?: boolean
  /**
   * What to do after a 2xx, unless an `ffr:success` listener called `preventDefault()`:
   * `'follow'` goes to the answer's `Location` (or the URL a redirect ended on), `'reload'`
   * reloads the page, a function gets the event's detail. Default: nothing.
   */
  onSuccess?: 'follow' | 'reload' | ((detail: SuccessDetail) => void)
  /** The summary's message when a failure carries none (a network error); has a default. */
  failureMessage?: string
}

/** `detail` of `ffr:success`: the 2xx answer and its JSON (`undefined` for an empty body). */
export interface SuccessDetail {
  response: Response
  data: Envelope | undefined
}

/** `detail` of `ffr:invalid`: the 400, its JSON and its `fields`. */
export interface InvalidDetail {
  response: Response
  data: Envelope
  fields: FieldErrors
}

/** `detail` of `ffr:error`: the answer and its JSON, or the error `fetch` threw. */
export interface ErrorDetail {
  response?: Response
  data?: Envelope
  error?: unknown
}

/** What `enhanceForm` returns. */
export interface FormHandle {
  /** Removes the helper's listeners; painted errors stay until `clearErrors`. */
  destroy (): void
}

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement

const DEFAULT_FAILURE = 'The form could not be sent. Check your connection and try again.'
const TUNNELLED = new Set(['PUT', 'PATCH', 'DELETE'])
/** Per painted input, what clears its custom validity on the next input. */
const validityResets = new WeakMap<Element, AbortController>()
const handles = new WeakMap<HTMLFormElement, FormHandle>()
let nextId = 0

/**
 * Makes `form` submit through `fetch` and paint the server's errors.
 *
 * Gets the form and the options. On each submit it clears earlier errors, sends the form's
 * data (see `formBody`) to its action with the method `_method` names, and then paints a
 * 400's `fields` (`applyErrors`), or dispatches `ffr:success` / `ffr:invalid` / `ffr:error` on
 * the form (bubbling, cancelable: `preventDefault()` skips `onSuccess`, the painting, or the
 * summary's failure message). A submit while one is in flight is ignored, and so is one a
 * `submit` listener that ran earlier (added before, or capturing) cancelled. Enhancing a form
 * again replaces the earlier enhancement. Returns a handle whose `destroy()` undoes it.
 */
export function enhanceForm (form: HTMLFormElement, options: EnhanceOptions = {}): FormHandle {
  handles.get(form)?.destroy()
  const listeners = new AbortController()
  let inFlight = false
  const liveChecks = new Map<string, AbortController>()

  const submit = async (submitter: HTMLElement | null): Promise<void> => {
    let restore = (): void => {}
    let response: Response
    let body: Envelope | undefined
    try {
      const data = formBody(form, submitter)
      const method = methodOf(form, data)
      const action = submitter?.hasAttribute('formaction') === true ? (submitter as HTMLButtonElement).formAction : form.action
      for (const check of liveChecks.values()) check.abort()
      liveChecks.clear()
      clearErrors(form)
      restore = setBusy(form)
      response = await send(action, method, data, options, form, true)
      body = await readJson(response)
    } catch (error) {
      inFlight = false
      restore()
      fail(form, options, { error })
      return
    }
    // free before the events, so that a listener may submit again
    inFlight = false
    restore()
    if (response.ok) {
      const etag = response.headers.get('etag')
      if (etag !== null && form.dataset.ffrIfMatch !== undefined) form.dataset.ffrIfMatch = etag
      const detail: SuccessDetail = { response, data: body }
      if (dispatch(form, 'ffr:success', detail)) succeed(options, detail)
    } else if (response.status === 400 && isFieldErrors(body?.fields)) {
      const fields = body.fields
      if (dispatch(form, 'ffr:invalid', { response, data: body, fields } satisfies InvalidDetail)) applyErrors(form, body, options)
    } else {
      fail(form, options, { response, data: body })
    }
  }

  form.addEventListener('submit', (event) => {
    if (event.defaultPrevented) return
    event.preventDefault()
    if (inFlight) return
    inFlight = true
    // submit answers every failure itself; anything else is a bug worth the console
    submit(event.submitter).catch(reportError)
  }, { signal: listeners.signal })

  if (options.liveCheck === true) {
    form.addEventListener('change', (event) => {
      const target = event.target as Partial<Control> | null
      const name = target?.name
      if (inFlight || typeof name !== 'string' || name === '' || target?.form !== form) return
      liveChecks.get(name)?.abort()
      const controller = new AbortController()
      liveChecks.set(name, controller)
      liveCheck(form, name, options, controller.signal).catch(reportError).finally(() => {
        if (liveChecks.get(name) === controller) liveChecks.delete(name)
      })
    }, { signal: listeners.signal })
  }

  const handle: FormHandle = {
    destroy () {
      listeners.abort()
      for (const check of liveChecks.values()) check.abort()
      if (handles.get(form) === handle) handles.delete(form)
    }
  }
  handles.set(form, handle)
  return handle
}

/**
 * Paints a 400's field errors on `form`.
 *
 * Gets the form, the 400's JSON (`{ fields }`; anything else paints nothing) and the options.
 * Every message of every name is painted: under the input `form.elements.namedItem(name)`
 * finds (formset names such as `books-1-title` included; a radio or checkbox group as one),
 * in the name's `[data-ffr-errors-for]` container when the page has one, else in the summary.
 * Then focuses the first invalid input in document order, or the summary when only it got
 * messages, unless `focus: false`. Does not clear earlier errors: call `clearErrors` first.
 */
export function applyErrors (form: HTMLFormElement, response: { fields?: FieldErrors } | null | undefined, options: PaintOptions = {}): void {
  const fields = response?.fields
  if (!isFieldErrors(fields)) return
  const invalid: Control[] = []
  let summarized = false
  for (const [name, raw] of Object.entries(fields)) {
    const messages = (Array.isArray(raw) ? raw : [raw]).map(String)
    if (messages.length === 0) continue
    const place = form.querySelector(`[data-ffr-errors-for="${CSS.escape(name)}"]`)
    const controls = controlsOf(form, name)
    if (place === null && controls.length === 0) {
      const prefix = name === '__all__' || name.endsWith('-__all__') ? '' : `${name}: `
      summaryOf(form).append(...messages.map((message) => messageElement(name, prefix + message)))
      summarized = true
      continue
    }
    const elements = messages.map((message) => messageElement(name, message))
    if (place !== null) place.append(...elements)
    else anchorOf(controls[controls.length - 1]).after(...elements)
    if (controls.length > 0) {
      markInvalid(controls, elements.map((element) => element.id), messages[0], options.invalidClass)
      invalid.push(controls[0])
    }
  }
  const summary = form.querySelector<HTMLElement>('[data-ffr-summary]')
  if (summarized && summary !== null) summary.hidden = false
  if (options.focus === false) return
  invalid.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0 ? -1 : 1)
  if (invalid.length > 0) invalid[0].focus()
  else if (summarized) summary?.focus()
}

/**
 * Removes what `applyErrors` painted on `form`: the messages, `aria-invalid`, the ids it added
 * to `aria-describedby`, the custom validity and the invalid class; hides an emptied summary.
 * Gets the form and, in `options.only`, the names to clear (default: all of them).
 */
export function clearErrors (form: HTMLFormElement, options: PaintOptions = {}): void {
  const only = options.only === undefined ? undefined : new Set(options.only)
  const wanted = (name: string | null): boolean => only === undefined || (name !== null && only.has(name))
  for (const control of Array.from(form.elements) as Control[]) {
    if (!control.hasAttribute('data-ffr-invalid') || !wanted(control.name)) continue
    const ours = (control.getAttribute('data-ffr-describedby') ?? '').split(' ')
    for (const id of ours) document.getElementById(id)?.remove()
    const kept = (control.getAttribute('aria-describedby') ?? '').split(/\s+/).filter((id) => id !== '' && !ours.includes(id))
    if (kept.length > 0) control.setAttribute('aria-describedby', kept.join(' '))
    else control.removeAttribute('aria-describedby')
    const invalidClass = control.getAttribute('data-ffr-invalid')
    if (invalidClass !== null && invalidClass !== '') control.classList.remove(invalidClass)
    control.removeAttribute('aria-invalid')
    control.removeAttribute('data-ffr-invalid')
    control.removeAttribute('data-ffr-describedby')
    validityResets.get(control)?.abort()
    validityResets.delete(control)
    control.setCustomValidity('')
  }
  for (const element of Array.from(form.querySelectorAll('[data-ffr-error]'))) {
    if (wanted(element.getAttribute('data-ffr-error'))) element.remove()
  }
  const summary = form.querySelector<HTMLElement>('[data-ffr-summary]')
  if (summary !== null && summary.querySelector('[data-ffr-error]') === null) summary.hidden = true
}

/**
 * The form's data as the server reads it: `FormData(form, submitter)` (files included), plus
 * `name=false` for a lone checkbox that is unticked and `name=` (the empty set) for a
 * checkbox group with none ticked or a `<select multiple>` with none selected, unless the form
 * already sends a value under that name (a hidden input rendered before it).
 */
function formBody (form: HTMLFormElement, submitter: HTMLElement | null): FormData {
  const data = new FormData(form, submitter)
  const unsent = new Map<string, Control[]>()
  for (const element of Array.from(form.elements)) {
    const checkbox = element instanceof HTMLInputElement && element.type === 'checkbox'
    if (!checkbox && !(element instanceof HTMLSelectElement && element.multiple)) continue
    const control = element as Control
    if (control.name === '' || control.matches(':disabled') || data.has(control.name)) continue
    unsent.set(control.name, [...(unsent.get(control.name) ?? []), control])
  }
  for (const [name, controls] of unsent) {
    const lone = controls.length === 1 && controls[0].type === 'checkbox'
    data.append(name, lone ? 'false' : '')
  }
  return data
}

/** The HTTP method: the one `_method` names (PUT, PATCH, DELETE), else the form's. */
function methodOf (form: HTMLFormElement, data: FormData): string {
  const tunnelled = String(data.get('_method') ?? '').toUpperCase()
  if (TUNNELLED.has(tunnelled)) return tunnelled
  return form.method.toUpperCase() === 'GET' ? 'GET' : 'POST'
}

/**
 * Sends the data: multipart when the form's `enctype` says so or a file was chosen (and
 * `files` allows files), else URL-encoded, with a chosen file sent as its name as a browser
 * does; in the query string for GET.
 */
function send (action: string, method: string, data: FormData, options: EnhanceOptions, form: HTMLFormElement, files: boolean, signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', 'X-Requested-With': 'fetch' }
  const token = csrfTokenOf(options)
  if (options.csrfHeader !== undefined && token !== undefined) headers[options.csrfHeader] = token
  // the ETag the page was rendered with: a write fails with 412 when the item changed meanwhile
  const ifMatch = form.dataset.ffrIfMatch
  if (ifMatch !== undefined && ifMatch !== '' && method !== 'GET') headers['If-Match'] = ifMatch
  const chosen = Array.from(data.values()).some((value) => typeof value !== 'string' && value.name !== '')
  let body: BodyInit | undefined
  if (files && (form.enctype === 'multipart/form-data' || chosen)) body = data
  else {
    const params = new URLSearchParams()
    for (const [name, value] of data) params.append(name, typeof value === 'string' ? value : value.name)
    if (method === 'GET') action = withQuery(action, params.toString())
    else body = params
  }
  return fetch(action, { method, body, headers, signal, credentials: 'same-origin' })
}

/** The CSRF token from the options or `<meta name="csrf-token">`, if any. */
function csrfTokenOf (options: EnhanceOptions): string | undefined {
  const token = typeof options.csrfToken === 'function' ? options.csrfToken() : options.csrfToken
  return token ?? document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? undefined
}

/** `url` with `query` appended: after `&` when it already has a query, else after `?`. */
function withQuery (url: string, query: string): string {
  const hash = url.indexOf('#')
  const base = hash === -1 ? url : url.slice(0, hash)
  if (query === '') return base
  return base + (!base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&') + query
}

/** The answer's JSON, or `undefined` when it has none (an empty body, HTML, bad JSON). */
async function readJson (response: Response): Promise<Envelope | undefined> {
  if (!(response.headers.get('content-type') ?? '').includes('json')) return undefined
  try {
    return await response.json() as Envelope
  } catch {
    return undefined
  }
}

/** Checks one field through the server's dry run and repaints only that field's errors. */
async function liveCheck (form: HTMLFormElement, name: string, options: EnhanceOptions, signal: AbortSignal): Promise<void> {
  const data = formBody(form, null)
  const method = methodOf(form, data)
  if (method === 'GET' || method === 'DELETE') return
  const field = form.elements.namedItem(name)
  const isFile = field instanceof HTMLInputElement && field.type === 'file'
  let body: Envelope | undefined
  let response: Response
  try {
    response = await send(withQuery(form.action, `dry-run=1&only-fields=${encodeURIComponent(name)}`), method, data, options, form, isFile, signal)
    body = await readJson(response)
  } catch {
    return // a check that could not be made (offline, aborted) says nothing about the field
  }
  if (signal.aborted) return
  if (response.ok) clearErrors(form, { only: [name] })
  else if (response.status === 400 && isFieldErrors(body?.fields)) {
    clearErrors(form, { only: [name] })
    const messages = body.fields[name]
    if (messages !== undefined) applyErrors(form, { fields: { [name]: messages } }, { ...options, focus: false })
  }
}

/** Marks the form busy and disables its enabled submit buttons; returns what undoes it. */
function setBusy (form: HTMLFormElement): () => void {
  const focused = document.activeElement
  const buttons = Array.from(form.elements).filter((element): element is HTMLButtonElement | HTMLInputElement =>
    ((element instanceof HTMLButtonElement && element.type === 'submit') ||
      (element instanceof HTMLInputElement && (element.type === 'submit' || element.type === 'image'))) && !element.disabled)
  form.setAttribute('aria-busy', 'true')
  for (const button of buttons) button.disabled = true
  return () => {
    form.removeAttribute('aria-busy')
    for (const button of buttons) button.disabled = false
    // a disabled button loses the focus: give it back unless it went somewhere else meanwhile
    if ((focused instanceof HTMLButtonElement || focused instanceof HTMLInputElement) && buttons.includes(focused) && document.activeElement === document.body) focused.focus()
  }
}

/** Dispatches a bubbling, cancelable event on the form; false when a listener cancelled it. */
function dispatch (form: HTMLFormElement, type: string, detail: object): boolean {
  return form.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, cancelable: true }))
}

/** Runs `onSuccess` after an uncancelled `ffr:success`. */
function succeed (options: EnhanceOptions, detail: SuccessDetail): void {
  const { onSuccess } = options
  if (typeof onSuccess === 'function') onSuccess(detail)
  else if (onSuccess === 'reload') window.location.reload()
  else if (onSuccess === 'follow') {
    const { response } = detail
    const location = response.headers.get('location') ?? (response.redirected ? response.url : null)
    if (location !== null) window.location.assign(new URL(location, response.url).href)
  }
}

/** Dispatches `ffr:error` and, unless cancelled, shows the failure's message in the summary. */
function fail (form: HTMLFormElement, options: EnhanceOptions, detail: ErrorDetail): void {
  if (!dispatch(form, 'ffr:error', detail)) return
  const message = detail.data?.err?.msg ?? options.failureMessage ?? DEFAULT_FAILURE
  const summary = summaryOf(form)
  summary.append(messageElement('__all__', message))
  summary.hidden = false
  if (options.focus !== false) summary.focus()
}

function isFieldErrors (value: unknown): value is FieldErrors {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The inputs a name finds, hidden inputs left out (a radio or checkbox group: all of it). */
function controlsOf (form: HTMLFormElement, name: string): Control[] {
  const found = form.elements.namedItem(name)
  if (found === null) return []
  const list = found instanceof RadioNodeList ? Array.from(found) : [found]
  return list.filter((element): element is Control =>
    (element instanceof HTMLInputElement && element.type !== 'hidden') || element instanceof HTMLSelectElement || element instanceof HTMLTextAreaElement)
}

/** Where a control's messages go after: its wrapping label, if any, else the control. */
function anchorOf (control: Control): Element {
  return control.closest('label') ?? control
}

function messageElement (name: string, message: string): HTMLElement {
  const element = document.createElement('p')
  element.className = 'ffr-error'
  element.id = `ffr-error-${++nextId}`
  element.setAttribute('data-ffr-error', name)
  element.textContent = message
  return element
}

function markInvalid (controls: Control[], ids: string[], first: string, invalidClass: string | undefined): void {
  const reset = new AbortController()
  const clearValidity = (): void => {
    for (const control of controls) control.setCustomValidity('')
    reset.abort()
  }
  for (const control of controls) {
    validityResets.get(control)?.abort()
    validityResets.set(control, reset)
    const describedBy = (control.getAttribute('aria-describedby') ?? '').split(/\s+/).filter((id) => id !== '')
    control.setAttribute('aria-describedby', [...describedBy, ...ids].join(' '))
    control.setAttribute('data-ffr-describedby', [...(control.getAttribute('data-ffr-describedby') ?? '').split(' ').filter((id) => id !== ''), ...ids].join(' '))
    control.setAttribute('aria-invalid', 'true')
    control.setAttribute('data-ffr-invalid', invalidClass ?? '')
    if (invalidClass !== undefined && invalidClass !== '') control.classList.add(invalidClass)
    control.setCustomValidity(first)
    control.addEventListener('input', clearValidity, { signal: reset.signal })
    control.addEventListener('change', clearValidity, { signal: reset.signal })
  }
}

/** The form's summary: the page's `[data-ffr-summary]`, else one made at the top of the form. */
function summaryOf (form: HTMLFormElement): HTMLElement {
  let summary = form.querySelector<HTMLElement>('[data-ffr-summary]')
  if (summary === null) {
    summary = document.createElement('div')
    summary.className = 'ffr-summary'
    summary.setAttribute('data-ffr-summary', '')
    form.prepend(summary)
  }
  if (!summary.hasAttribute('role')) summary.setAttribute('role', 'alert')
  if (!summary.hasAttribute('tabindex')) summary.tabIndex = -1
  return summary
}
