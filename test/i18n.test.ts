import t from 'tap'
import { defineResource, fields, modelForm, type FormResource } from 'fastify-form-resources'
import { clientsApp, DIALECTS, FIELD_ERROR, type Tables } from './helpers/clients.ts'

function resources ({ writers, novels }: Tables): Array<FormResource<any, any>> {
  return [
    defineResource({ name: 'writer', table: writers, formClass: modelForm(writers, { fields: ['name', 'country'] }), bulk: true, hasModifyPermissions: () => true }),
    defineResource({
      name: 'novel',
      table: novels,
      formClass: modelForm(novels, { fields: ['title', 'pages', 'rating', 'released'], declared: { released: fields.date({ required: false, nullable: true, mode: 'string' }) }, localizedFields: ['rating', 'released'] }),
      hasModifyPermissions: () => true
    })
  ]
}

const RU = { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.5' }

for (const dialect of DIALECTS) {
  t.test(`${dialect}: Accept-Language picks the messages' language; an unknown one falls back to English`, async (t) => {
    const { app } = await clientsApp(t, dialect, resources)
    await app.inject({ method: 'POST', url: '/api/writers/', payload: { name: 'Colette' } })
    const post = async (headers: Record<string, string>, payload: unknown) => await app.inject({ method: 'POST', url: '/api/writers/', headers, payload: payload as Record<string, unknown> })

    let res = await post(RU, { name: 'x'.repeat(51), country: 'XX' })
    t.strictSame(res.json(), {
      stat: 'fail',
      err: FIELD_ERROR,
      fields: {
        name: ['Убедитесь, что это значение содержит не более 50 символов (сейчас 51).'],
        country: ['Выберите корректный вариант. XX нет среди допустимых значений.']
      },
      codes: { name: ['maxLength'], country: ['invalidChoice'] }
    }, 'the codes stay the same in every language')
    t.equal(res.headers.vary, 'Accept-Language', 'a cache keeps one answer per language')
    res = await post(RU, { name: 'Colette' })
    t.strictSame(res.json().fields, { name: ['Writer с таким значением поля «Name» уже существует.'] }, 'the unique check speaks the request\'s language')
    res = await post(RU, {})
    t.strictSame(res.json().fields, { name: ['Обязательное поле.'] })
    res = await post(RU, [{ name: 'Gogol' }, { name: 'Gogol' }])
    t.strictSame(res.json().fields, { __all__: ['Пожалуйста, исправьте повторяющиеся данные в поле name.'], 'writers-1-__all__': ['Пожалуйста, исправьте повторяющиеся значения ниже.'] }, 'formset messages too')

    res = await post({ 'accept-language': 'de-DE, fr;q=0.8' }, {})
    t.strictSame(res.json().fields, { name: ['This field is required.'] }, 'an unknown language: English')
    res = await post({}, {})
    t.strictSame(res.json().fields, { name: ['This field is required.'] })
    const meta = await app.inject({ method: 'OPTIONS', url: '/api/writers/', headers: RU })
    t.equal(meta.headers.vary, 'Accept-Language')
    t.equal(meta.json().actions.POST.name.messages.maxLength, 'Убедитесь, что это значение содержит не более 50 символов (сейчас %(show_value)d).', 'the metadata\'s messages too')
  })

  t.test(`${dialect}: the plugin's locale option, and localizedFields`, async (t) => {
    const { app, rows } = await clientsApp(t, dialect, resources, { options: { locale: 'ru' } })
    let res = await app.inject({ method: 'POST', url: '/api/writers/', payload: {} })
    t.strictSame(res.json().fields, { name: ['Обязательное поле.'] }, 'the option, for a request that names no language')
    res = await app.inject({ method: 'POST', url: '/api/writers/', headers: { 'accept-language': 'en-GB' }, payload: {} })
    t.strictSame(res.json().fields, { name: ['This field is required.'] }, 'the request\'s own language first')

    res = await app.inject({ method: 'POST', url: '/api/novels/', payload: { title: 'Dune', pages: '1 000', rating: '4,5', released: '01.02.2024' } })
    t.strictSame(res.json().fields, { pages: ['Введите целое число.'] }, 'a field not named in localizedFields reads no localized number')
    res = await app.inject({ method: 'POST', url: '/api/novels/', payload: { title: 'Dune', pages: '412', rating: '4,5', released: '01.02.2024' } })
    t.equal(res.statusCode, 201)
    t.strictSame([res.json().novel.rating, res.json().novel.released], [4.5, '2024-02-01'])
    res = await app.inject({ method: 'POST', url: '/api/novels/', headers: { 'accept-language': 'en' }, payload: { title: 'Emma', rating: '4,5', released: '02/01/2024' } })
    t.strictSame(res.json().fields, { rating: ['Enter a number.'] }, 'in English a comma is no decimal mark')
    res = await app.inject({ method: 'POST', url: '/api/novels/', headers: { 'accept-language': 'en' }, payload: { title: 'Emma', rating: '4.25', released: '02/01/2024' } })
    t.strictSame([res.json().novel.rating, res.json().novel.released], [4.25, '2024-02-01'], 'English dates are month first')
    res = await app.inject({ method: 'POST', url: '/api/novels/', payload: { title: 'Emma', released: '31.02.2024' } })
    t.strictSame(res.json().fields, { released: ['Введите правильную дату.'] })
    t.strictSame((await rows('novels')).map((row) => row.title), ['Dune', 'Emma'])
  })
}

t.test('an unknown locale option falls back to English', async (t) => {
  const { app } = await clientsApp(t, 'sqlite', resources, { options: { locale: 'xx' } })
  const res = await app.inject({ method: 'POST', url: '/api/writers/', payload: {} })
  t.strictSame(res.json().fields, { name: ['This field is required.'] })
})

t.test('the Russian catalog has every default message', async (t) => {
  const { DEFAULT_MESSAGES } = await import('../dist/messages.js')
  const { KINDS } = await import('../dist/fields/kinds.js')
  const { FORMSET_MESSAGES } = await import('../dist/formset-meta.js')
  const { CATALOGS } = await import('../dist/i18n/catalog.js')
  const english = [DEFAULT_MESSAGES, FORMSET_MESSAGES, ...Object.values(KINDS).map((kind: any) => kind.messages ?? {})]
    .flatMap((messages) => Object.values(messages as Record<string, string | string[]>))
    .map((template) => typeof template === 'string' ? template : template[0])
  t.ok(english.length > 50)
  for (const text of new Set(english)) t.ok(Object.hasOwn(CATALOGS.ru, text), text)
})
