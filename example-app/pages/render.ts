/**
 * HTML of the example's page: inputs rendered from the forms' own fields (`describeForm`):
 * labels, help texts, `required`, `maxlength`, choices, the hidden `false` before a checkbox,
 * the file input with its clear box, and a place for each field's messages.
 */
import type { FieldDescription } from 'fastify-form-resources'

/** Escapes text for HTML content and attribute values. */
export function escape (value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

const attr = (name: string, value: unknown): string => value === undefined || value === false ? '' : value === true ? ` ${name}` : ` ${name}="${escape(value)}"`

/** One field's input with its label, help text and error place; `name` may carry a formset prefix (`books-0-title`). */
export function renderField (field: FieldDescription, value: unknown, name = field.name, { compact = false }: { compact?: boolean } = {}): string {
  const id = `f-${name}`
  const help = field.helpText !== undefined && !compact ? `<small class="help" id="${id}-help">${escape(field.helpText)}</small>` : ''
  const common = `${attr('id', id)}${attr('name', name)}${attr('required', field.required && field.widget !== 'checkbox' && field.widget !== 'file')}${help === '' ? '' : attr('aria-describedby', `${id}-help`)}`
  const label = `<label for="${id}">${escape(field.label)}${field.required && field.widget !== 'checkbox' ? ' <span class="req" aria-hidden="true">*</span>' : ''}</label>`
  let input: string
  switch (field.widget) {
    case 'checkbox':
      // the hidden false first: an unticked box sets the field to false (the last value wins)
      return `<div class="field check"><input type="hidden" name="${escape(name)}" value="false"><input type="checkbox"${common}${attr('checked', value === true)}> ${label}${help}<div data-ffr-errors-for="${escape(name)}"></div></div>`
    case 'select':
      input = `<select${common}>${field.required ? '' : '<option value="">---------</option>'}${(field.choices ?? []).map((choice) => `<option${attr('value', choice.value)}${attr('selected', String(value ?? '') === choice.value)}>${escape(choice.label)}</option>`).join('')}</select>`
      break
    case 'textarea':
      input = `<textarea${common}${attr('maxlength', field.maxLength)} rows="3">${escape(value)}</textarea>`
      break
    case 'file': {
      const current = typeof value === 'string' && value !== '' ? `<span class="current">Currently: <a href="${escape(value)}">${escape(value.split('/').pop())}</a>${field.clearable === true ? ` <label class="clear"><input type="checkbox" name="${escape(name)}-clear"> Clear</label>` : ''}</span>` : ''
      input = `<input type="file"${common}${attr('accept', field.accept)}>${current}`
      break
    }
    default:
      input = `<input type="${field.widget}"${common}${attr('value', value ?? undefined)}${attr('maxlength', field.maxLength)}${attr('minlength', field.minLength)}${attr('min', field.minValue)}${attr('max', field.maxValue)}${field.step !== undefined ? attr('step', field.step) : ''}>`
  }
  return `<div class="field">${label}${input}${help}<div data-ffr-errors-for="${escape(name)}"></div></div>`
}

/** The page around `body`: its stylesheet and the browser helper enhancing every `form[data-ffr]`. */
export function layout (title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<link rel="stylesheet" href="/pages/style.css">
</head>
<body>
<header class="top"><a href="/" class="brand">fastify-form-resources</a><nav><a href="/">Authors</a> <a href="/docs">API docs</a></nav></header>
<main>
${body}
</main>
<script type="module">
import { enhanceForm } from '/api/_ffr/browser.js'
for (const form of document.querySelectorAll('form[data-ffr]')) {
  enhanceForm(form, { invalidClass: 'is-invalid', onSuccess: 'reload' })
  form.addEventListener('ffr:error', (event) => {
    // the summary shows the error's message; a 412 gets a way to see the row as it is now
    if (event.detail.response?.status !== 412) return
    queueMicrotask(() => {
      const summary = form.querySelector('[data-ffr-summary]')
      summary?.insertAdjacentHTML('beforeend', '<p class="ffr-error">Someone changed this author after you opened it. <a href="">Reload</a> to see their changes (yours are not saved).</p>')
    })
  })
}
</script>
</body>
</html>`
}
