import t from 'tap'
import { formatMessage } from 'fastify-form-resources'
// the rules below have no public entry point of their own: forms use them (see form.test.ts)
import { capfirst, pickMessage as pick, textList, verboseNameOf, type MessageParams } from '../lib/messages.ts'
import { KINDS } from '../lib/fields/kinds.ts'

/** pickMessage with a field kind's own messages, by the kind's name. */
const pickMessage = (key: string, layers: Parameters<typeof pick>[1], kind: string, params?: MessageParams): string =>
  pick(key, layers, (KINDS as Record<string, { messages?: Parameters<typeof pick>[2] }>)[kind]?.messages, params)

t.test('formatMessage fills %(name)s and %(name)d placeholders', async (t) => {
  t.equal(formatMessage('Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).', { limit_value: 200, show_value: 201 }),
    'Ensure this value has at most 200 characters (it has 201).')
  t.equal(formatMessage('%(model_name)s with this %(field_label)s already exists.', { model_name: 'Author', field_label: 'Name' }),
    'Author with this Name already exists.')
  t.equal(formatMessage('%(value)s and %(value)s again', { value: 'X' }), 'X and X again')
  t.equal(formatMessage('Ensure this value is less than or equal to %(limit_value)s.', { limit_value: 0 }), 'Ensure this value is less than or equal to 0.')
})

t.test('formatMessage leaves unknown placeholders and other percent signs as written', async (t) => {
  t.equal(formatMessage('%(missing)s stays, %(value)s goes', { value: 'x' }), '%(missing)s stays, x goes')
  t.equal(formatMessage('100% sure, %(value)r is not a placeholder', { value: 'x' }), '100% sure, %(value)r is not a placeholder')
  t.equal(formatMessage('No placeholders here.', { value: 'x' }), 'No placeholders here.')
  t.equal(formatMessage('%(value)s without parameters'), '%(value)s without parameters')
})

t.test('pickMessage takes the first layer that has the key, then Django\'s default', async (t) => {
  const declared = { required: 'Declared says required.' }
  const form = { required: 'Form says required.', maxLength: 'Form says too long.' }
  const model = { required: 'Model says required.', maxLength: 'Model says too long.', minLength: 'Model says too short.' }
  t.equal(pickMessage('required', [declared, form, model], 'string'), 'Declared says required.')
  t.equal(pickMessage('maxLength', [declared, form, model], 'string'), 'Form says too long.')
  t.equal(pickMessage('minLength', [declared, form, model], 'string'), 'Model says too short.')
  t.equal(pickMessage('invalidChoice', [declared, form, model], 'choice'), 'Select a valid choice. %(value)s is not one of the available choices.')
  t.equal(pickMessage('required', [undefined, undefined, model], 'string'), 'Model says required.', 'missing layers are skipped')
  t.equal(pickMessage('required', [], 'string'), 'This field is required.')
})

t.test('pickMessage chooses the singular or the plural by the parameter Django\'s ngettext uses', async (t) => {
  t.equal(pickMessage('maxLength', [], 'string', { limit_value: 1, show_value: 3 }), 'Ensure this value has at most %(limit_value)d character (it has %(show_value)d).')
  t.equal(pickMessage('maxLength', [], 'string', { limit_value: 2, show_value: 3 }), 'Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).')
  t.equal(pickMessage('minLength', [], 'string', { limit_value: 1, show_value: 0 }), 'Ensure this value has at least %(limit_value)d character (it has %(show_value)d).')
  t.equal(pickMessage('minLength', [], 'string', { limit_value: 5, show_value: 1 }), 'Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).')
  t.equal(pickMessage('maxDigits', [], 'decimal', { max: 1 }), 'Ensure that there are no more than %(max)s digit in total.')
  t.equal(pickMessage('maxDigits', [], 'decimal', { max: 4 }), 'Ensure that there are no more than %(max)s digits in total.')
  t.equal(pickMessage('maxDecimalPlaces', [], 'decimal', { max: 1 }), 'Ensure that there are no more than %(max)s decimal place.')
  t.equal(pickMessage('maxDecimalPlaces', [], 'decimal', { max: 2 }), 'Ensure that there are no more than %(max)s decimal places.')
  t.equal(pickMessage('maxWholeDigits', [], 'decimal', { max: 1 }), 'Ensure that there are no more than %(max)s digit before the decimal point.')
  t.equal(pickMessage('maxWholeDigits', [], 'decimal', { max: 0 }), 'Ensure that there are no more than %(max)s digits before the decimal point.')
  t.equal(pickMessage('maxLength', [], 'string'), 'Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).', 'no parameters: the plural')
})

t.test('pickMessage gives each field kind Django\'s own invalid message', async (t) => {
  const expected: Record<string, string> = {
    integer: 'Enter a whole number.',
    number: 'Enter a number.',
    decimal: 'Enter a number.',
    date: 'Enter a valid date.',
    datetime: 'Enter a valid date/time.',
    time: 'Enter a valid time.',
    uuid: 'Enter a valid UUID.',
    json: 'Enter a valid JSON.',
    email: 'Enter a valid email address.',
    url: 'Enter a valid URL.',
    slug: 'Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.',
    string: 'Enter a valid value.',
    boolean: 'Enter a valid value.',
    choice: 'Enter a valid value.',
    foreignKey: 'Select a valid choice. That choice is not one of the available choices.',
    somethingElse: 'Enter a valid value.'
  }
  for (const [kind, message] of Object.entries(expected)) t.equal(pickMessage('invalid', [], kind), message, kind)
  t.equal(pickMessage('invalid', [{ invalid: 'Not a date, friend.' }], 'date'), 'Not a date, friend.', 'a layer overrides the kind\'s message')
})

t.test('pickMessage gives Django\'s remaining defaults word for word', async (t) => {
  t.equal(pickMessage('invalidChoice', [], 'choice'), 'Select a valid choice. %(value)s is not one of the available choices.')
  t.equal(pickMessage('invalidChoice', [], 'foreignKey'), 'Select a valid choice. That choice is not one of the available choices.')
  t.equal(pickMessage('maxValue', [], 'integer'), 'Ensure this value is less than or equal to %(limit_value)s.')
  t.equal(pickMessage('minValue', [], 'integer'), 'Ensure this value is greater than or equal to %(limit_value)s.')
  t.equal(pickMessage('unique', [], 'unique'), '%(model_name)s with this %(field_label)s already exists.')
  t.equal(pickMessage('uniqueTogether', [], 'unique'), '%(model_name)s with this %(field_labels)s already exists.')
  t.equal(pickMessage('invalidPkValue', [], 'foreignKey'), '“%(pk)s” is not a valid value.')
  t.equal(pickMessage('invalidList', [], 'foreignKey'), 'Enter a list of values.')
  t.equal(pickMessage('nullCharactersNotAllowed', [], 'string'), 'Null characters are not allowed.')
  t.equal(pickMessage('noSuchKey', [], 'string'), 'noSuchKey', 'an unknown key with no layer giving it comes back as the key')
})

t.test('textList joins labels as Django\'s get_text_list with "and"', async (t) => {
  t.equal(textList([]), '')
  t.equal(textList(['Title']), 'Title')
  t.equal(textList(['Title', 'Author']), 'Title and Author')
  t.equal(textList(['Title', 'Author', 'Year']), 'Title, Author and Year')
})

t.test('capfirst upper-cases only the first letter', async (t) => {
  t.equal(capfirst(''), '')
  t.equal(capfirst('birth date'), 'Birth date')
  t.equal(capfirst('ISBN number'), 'ISBN number')
  t.equal(capfirst('élan'), 'Élan')
})

t.test('verboseNameOf spells out camelCase and snake_case keys in lower case', async (t) => {
  t.equal(verboseNameOf('name'), 'name')
  t.equal(verboseNameOf('birthDate'), 'birth date')
  t.equal(verboseNameOf('birth_date'), 'birth date')
  t.equal(verboseNameOf('authorId'), 'author id')
  t.equal(verboseNameOf('sticky_notes'), 'sticky notes')
  t.equal(verboseNameOf('sku2Code'), 'sku2 code')
  t.equal(verboseNameOf('_hidden'), 'hidden')
})
