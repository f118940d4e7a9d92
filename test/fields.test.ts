import t from 'tap'
import { Field, fields, ValidationError } from 'fastify-form-resources'

/** The messages `field.clean(raw)` throws, or a line saying what it accepted instead. */
function rejects (field: Field, raw: unknown): string[] {
  try {
    return [`accepted as ${String(field.clean(raw))}`]
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error
    return error.messages
  }
}

const REQUIRED = ['This field is required.']

/** A schema as JSON sees it: without TypeBox's symbol keys. */
const plain = (schema: unknown): unknown => JSON.parse(JSON.stringify(schema))

t.test('string: surrounding white space is stripped unless strip is false', async (t) => {
  t.equal(fields.string().clean('  Ada Lovelace \n'), 'Ada Lovelace')
  t.equal(fields.string({ strip: false }).clean('  Ada  '), '  Ada  ')
})

t.test('string: numbers and booleans become their text, arrays and objects are invalid', async (t) => {
  const field = fields.string()
  t.equal(field.clean(42), '42')
  t.equal(field.clean(4.5), '4.5')
  t.equal(field.clean(true), 'true')
  t.strictSame(rejects(field, ['Ada']), ['Enter a valid value.'])
  t.strictSame(rejects(field, { first: 'Ada' }), ['Enter a valid value.'])
})

t.test('string: empty values on a required field', async (t) => {
  const field = fields.string()
  t.equal(field.required, true)
  for (const raw of [undefined, null, '', '   ', [], {}]) t.strictSame(rejects(field, raw), REQUIRED, JSON.stringify(raw))
})

t.test('string: empty values on an optional field, nullable or not', async (t) => {
  const optional = fields.string({ required: false })
  t.equal(optional.clean(''), '', 'an empty string stays an empty string, as Django\'s empty_value')
  t.equal(optional.clean('   '), '', 'white space only is the empty string')
  t.equal(optional.clean(undefined), undefined, 'an absent value is left out')
  t.equal(optional.clean(null), undefined)
  const nullable = fields.string({ required: false, nullable: true })
  t.equal(nullable.clean(''), null)
  t.equal(nullable.clean('  '), null)
  t.equal(nullable.clean(undefined), null)
  t.equal(nullable.clean(null), null)
})

t.test('string: null characters are refused', async (t) => {
  t.strictSame(rejects(fields.string(), 'Ada\u0000Lovelace'), ['Null characters are not allowed.'])
  t.strictSame(rejects(fields.choice({ choices: ['a'] }), 'a\u0000'), ['Null characters are not allowed.'])
})

t.test('string: maxLength counts code points, as Python\'s len()', async (t) => {
  const field = fields.string({ maxLength: 3 })
  t.equal(field.clean('😀😀😀'), '😀😀😀', 'three emoji are three characters though six UTF-16 units')
  t.equal(field.clean('abc'), 'abc')
  t.strictSame(rejects(field, '😀😀😀😀'), ['Ensure this value has at most 3 characters (it has 4).'])
  t.strictSame(rejects(field, 'abcd'), ['Ensure this value has at most 3 characters (it has 4).'])
  t.strictSame(rejects(fields.string({ maxLength: 1 }), 'ab'), ['Ensure this value has at most 1 character (it has 2).'])
  t.strictSame(rejects(fields.string({ maxLength: 200 }), 'x'.repeat(201)), ['Ensure this value has at most 200 characters (it has 201).'])
})

t.test('string: minLength counts code points and uses the singular for 1', async (t) => {
  const field = fields.string({ minLength: 2 })
  t.equal(field.clean('😀😀'), '😀😀')
  t.strictSame(rejects(field, '😀'), ['Ensure this value has at least 2 characters (it has 1).'])
  t.strictSame(rejects(field, 'a'), ['Ensure this value has at least 2 characters (it has 1).'])
  t.strictSame(rejects(fields.string({ minLength: 1, strip: false }), ''), REQUIRED, 'empty is "required" before any length check')
  t.strictSame(rejects(fields.string({ minLength: 3 }), '  ab  '), ['Ensure this value has at least 3 characters (it has 2).'], 'counted after stripping')
})

t.test('email, url and slug: valid values, invalid values with Django\'s messages', async (t) => {
  t.equal(fields.email().clean(' ada@example.com '), 'ada@example.com')
  t.strictSame(rejects(fields.email(), 'ada'), ['Enter a valid email address.'])
  t.strictSame(rejects(fields.email(), 'ada@example'), ['Enter a valid email address.'])
  t.strictSame(rejects(fields.email(), '   '), REQUIRED)
  t.equal(fields.url().clean('https://example.com/a?b=c'), 'https://example.com/a?b=c')
  t.equal(fields.url().clean('ftp://files.example.com/'), 'ftp://files.example.com/')
  t.strictSame(rejects(fields.url(), 'javascript:alert(1)'), ['Enter a valid URL.'])
  t.strictSame(rejects(fields.url(), 'example.com'), ['Enter a valid URL.'], 'no scheme is assumed (Django would prepend http://)')
  t.strictSame(rejects(fields.url(), 'http://'), ['Enter a valid URL.'])
  t.equal(fields.slug().clean('first-post_2'), 'first-post_2')
  t.strictSame(rejects(fields.slug(), 'first post'), ['Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.'])
})

t.test('choice: values and [value, label] pairs; a label or an unknown value is an invalid choice', async (t) => {
  const field = fields.choice({ choices: ['MR', ['MRS', 'Mrs.'], 'MS'] })
  t.equal(field.clean('MR'), 'MR')
  t.equal(field.clean(' MRS '), 'MRS')
  t.strictSame(rejects(field, 'DR'), ['Select a valid choice. DR is not one of the available choices.'])
  t.strictSame(rejects(field, 'Mrs.'), ['Select a valid choice. Mrs. is not one of the available choices.'])
  t.strictSame(rejects(field, ''), REQUIRED)
  t.strictSame(rejects(field, ['MR']), ['Enter a valid value.'])
  t.equal(fields.choice({ choices: [1, 2], required: false, nullable: true }).clean(''), null)
  t.equal(fields.choice({ choices: [1, 2] }).clean(2), '2', 'a number is compared and kept as its text')
})

t.test('integer: whole numbers from strings and JSON numbers, as Django\'s int(str(value))', async (t) => {
  const field = fields.integer()
  t.equal(field.clean('42'), 42)
  t.equal(field.clean('42.0'), 42)
  t.equal(field.clean('42.'), 42)
  t.equal(field.clean(' 42 '), 42)
  t.equal(field.clean('+7'), 7)
  t.equal(field.clean('-3'), -3)
  t.equal(field.clean(42), 42)
  t.equal(field.clean(42.0), 42)
})

t.test('integer: fractions, words, exponents, booleans, arrays and objects are not whole numbers', async (t) => {
  const field = fields.integer()
  for (const raw of ['4.5', 4.5, 'abc', '1e3', '4 2', '0x10', true, ['1'], { n: 1 }]) {
    t.strictSame(rejects(field, raw), ['Enter a whole number.'], JSON.stringify(raw))
  }
})

t.test('integer: minValue and maxValue with the limit filled in', async (t) => {
  const field = fields.integer({ minValue: 1, maxValue: 10 })
  t.equal(field.clean('1'), 1)
  t.equal(field.clean('10'), 10)
  t.strictSame(rejects(field, '11'), ['Ensure this value is less than or equal to 10.'])
  t.strictSame(rejects(field, '0'), ['Ensure this value is greater than or equal to 1.'])
  t.strictSame(rejects(field, -5), ['Ensure this value is greater than or equal to 1.'])
})

t.test('integer: beyond 2^53 a number would lose digits, so the safe range is the limit', async (t) => {
  const field = fields.integer()
  t.equal(field.clean('9007199254740991'), 9007199254740991)
  t.strictSame(rejects(field, '9007199254740993'), ['Ensure this value is less than or equal to 9007199254740991.'])
  t.strictSame(rejects(field, '-9007199254740993'), ['Ensure this value is greater than or equal to -9007199254740991.'])
  t.strictSame(rejects(fields.integer({ maxValue: 100 }), '99999999999999999999'), ['Ensure this value is less than or equal to 100.'])
})

t.test('integer in bigint mode: exact 64-bit values', async (t) => {
  const field = fields.integer({ mode: 'bigint', minValue: -(2n ** 63n), maxValue: 2n ** 63n - 1n })
  t.equal(field.clean('9223372036854775807'), 9223372036854775807n)
  t.equal(field.clean('-9223372036854775808'), -9223372036854775808n)
  t.equal(field.clean('12.0'), 12n)
  t.strictSame(rejects(field, '9223372036854775808'), ['Ensure this value is less than or equal to 9223372036854775807.'])
  t.strictSame(rejects(field, '1.5'), ['Enter a whole number.'])
})

t.test('integer: empty values, required or not', async (t) => {
  t.strictSame(rejects(fields.integer(), ''), REQUIRED)
  t.strictSame(rejects(fields.integer(), null), REQUIRED)
  t.strictSame(rejects(fields.integer(), '  '), ['Enter a whole number.'], 'white space is not empty for a number, as in Django')
  t.equal(fields.integer({ required: false, nullable: true }).clean(''), null)
  t.equal(fields.integer({ required: false }).clean(''), undefined)
  t.equal(fields.integer({ required: false }).clean(undefined), undefined)
})

t.test('number: floats from strings and numbers; words, infinities and NaN are invalid', async (t) => {
  const field = fields.number()
  t.equal(field.clean('4.5'), 4.5)
  t.equal(field.clean('.5'), 0.5)
  t.equal(field.clean('-2'), -2)
  t.equal(field.clean('1e3'), 1000)
  t.equal(field.clean(2.25), 2.25)
  for (const raw of ['abc', '1e400', 'Infinity', 'NaN', '1,5', false, [1]]) t.strictSame(rejects(field, raw), ['Enter a number.'], JSON.stringify(raw))
  t.strictSame(rejects(fields.number({ minValue: 0 }), '-0.5'), ['Ensure this value is greater than or equal to 0.'])
  t.strictSame(rejects(fields.number({ maxValue: 1.5 }), 2), ['Ensure this value is less than or equal to 1.5.'])
})

t.test('decimal: kept as text with every digit; exponents spelled out', async (t) => {
  const field = fields.decimal()
  t.equal(field.clean('3.14'), '3.14')
  t.equal(field.clean('003.10'), '3.10')
  t.equal(field.clean('-0.5'), '-0.5')
  t.equal(field.clean('.5'), '0.5')
  t.equal(field.clean('+2'), '2')
  t.equal(field.clean('1e2'), '100')
  t.equal(field.clean(12), '12')
  t.equal(field.clean('123456789012345678901234567890.5'), '123456789012345678901234567890.5')
  for (const raw of ['abc', '1.2.3', '1e400', '1e-30', true, { v: 1 }]) t.strictSame(rejects(field, raw), ['Enter a number.'], JSON.stringify(raw))
})

t.test('decimal: max digits, decimal places and whole digits, checked in Django\'s order', async (t) => {
  const field = fields.decimal({ maxDigits: 5, decimalPlaces: 2 })
  t.equal(field.clean('123.45'), '123.45')
  t.equal(field.clean('-123.45'), '-123.45')
  t.equal(field.clean('0.01'), '0.01')
  t.strictSame(rejects(field, '123.456'), ['Ensure that there are no more than 5 digits in total.'])
  t.strictSame(rejects(field, '12.345'), ['Ensure that there are no more than 2 decimal places.'])
  t.strictSame(rejects(field, '1234.5'), ['Ensure that there are no more than 3 digits before the decimal point.'])
  t.strictSame(rejects(field, '-1234'), ['Ensure that there are no more than 3 digits before the decimal point.'])
})

t.test('decimal: the singular messages for a limit of 1', async (t) => {
  t.strictSame(rejects(fields.decimal({ maxDigits: 1 }), '12'), ['Ensure that there are no more than 1 digit in total.'])
  t.strictSame(rejects(fields.decimal({ decimalPlaces: 1 }), '0.55'), ['Ensure that there are no more than 1 decimal place.'])
  t.strictSame(rejects(fields.decimal({ maxDigits: 2, decimalPlaces: 1 }), '12'), ['Ensure that there are no more than 1 digit before the decimal point.'])
})

t.test('decimal: trailing zeros of the fraction count as decimal places, as in Django', async (t) => {
  t.strictSame(rejects(fields.decimal({ maxDigits: 3, decimalPlaces: 1 }), '1.50'), ['Ensure that there are no more than 1 decimal place.'])
  t.equal(fields.decimal({ maxDigits: 3, decimalPlaces: 2 }).clean('1.50'), '1.50')
})

t.test('decimal: minValue and maxValue compare the number', async (t) => {
  const field = fields.decimal({ minValue: 0, maxValue: 100 })
  t.equal(field.clean('100.00'), '100.00')
  t.strictSame(rejects(field, '100.01'), ['Ensure this value is less than or equal to 100.'])
  t.strictSame(rejects(field, '-0.01'), ['Ensure this value is greater than or equal to 0.'])
})

t.test('boolean: Django\'s true and false spellings, numbers 1 and 0', async (t) => {
  const field = fields.boolean()
  t.equal(field.required, false, 'a boolean is optional by default, as a checkbox')
  for (const raw of [true, 'true', 'True', 'on', '1', 'yes', 't', 'y', ' ON ', 1]) t.equal(field.clean(raw), true, JSON.stringify(raw))
  for (const raw of [false, 'false', 'False', 'off', '0', 'no', 'f', 'n', '', 0, undefined, null]) t.equal(field.clean(raw), false, JSON.stringify(raw))
})

t.test('boolean: anything else is invalid (stricter than Django, which takes any other text as true)', async (t) => {
  const field = fields.boolean()
  for (const raw of ['maybe', 'tru', 2, -1, [], ['true'], { on: true }]) t.strictSame(rejects(field, raw), ['Enter a valid value.'], JSON.stringify(raw))
})

t.test('boolean: a required boolean must be true', async (t) => {
  const field = fields.boolean({ required: true })
  t.equal(field.clean('on'), true)
  t.strictSame(rejects(field, false), REQUIRED)
  t.strictSame(rejects(field, 'false'), REQUIRED)
  t.strictSame(rejects(field, undefined), REQUIRED)
})

t.test('boolean: a nullable boolean keeps "no value" apart from false', async (t) => {
  const field = fields.boolean({ nullable: true })
  t.equal(field.clean(''), null)
  t.equal(field.clean(undefined), null)
  t.equal(field.clean(null), null)
  t.equal(field.clean('false'), false)
  t.equal(field.clean('1'), true)
  t.strictSame(rejects(fields.boolean({ nullable: true, required: true }), null), REQUIRED)
})

t.test('date: ISO dates, with real calendar days', async (t) => {
  const field = fields.date()
  t.equal(field.clean('2024-02-29'), '2024-02-29')
  t.equal(field.clean(' 1815-12-10 '), '1815-12-10')
  for (const raw of ['2023-02-29', '2024-02-30', '2024-04-31', '2024-13-01', '2024-00-10', '2024-1-5', '10/12/1815', 'yesterday', 20240101, ['2024-01-01'],
    '1900-02-29', '0000-01-01', '2024-01-00', '2024-01-32', '2024/01/01', '2024-01-01x', '+02024-01-01', '２０２４-01-01', '2024-0a-01', '-024-01-01']) {
    t.strictSame(rejects(field, raw), ['Enter a valid date.'], JSON.stringify(raw))
  }
  t.strictSame(rejects(field, new Date('nonsense')), ['Enter a valid date.'], 'an invalid Date object')
})

t.test('date: the calendar of Python dates: leap years, and years 1 to 999 as themselves', async (t) => {
  const field = fields.date()
  for (const day of ['2000-02-29', '1600-02-29', '2024-12-31', '0001-01-01', '0050-03-01', '0099-12-31', '9999-12-31', '2023-04-30']) t.equal(field.clean(day), day)
  t.equal(field.clean(new Date('2024-03-05T23:00:00Z')), '2024-03-05', 'a Date gives its UTC day')
  t.equal((fields.datetime().clean('0050-01-02T03:04:05Z') as Date).toISOString(), '0050-01-02T03:04:05.000Z')
})

t.test('date in date mode gives a Date at UTC midnight', async (t) => {
  const value = fields.date({ mode: 'date' }).clean('2024-02-29')
  t.ok(value instanceof Date)
  t.equal((value as Date).toISOString(), '2024-02-29T00:00:00.000Z')
})

t.test('datetime: ISO date-times with Z, ±hh:mm, ±hhmm and ±hh offsets, read as UTC without one', async (t) => {
  const field = fields.datetime()
  const iso = (raw: string): string => (field.clean(raw) as Date).toISOString()
  t.equal(iso('2024-01-02T03:04:05Z'), '2024-01-02T03:04:05.000Z')
  t.equal(iso('2024-01-02T03:04:05+05:30'), '2024-01-01T21:34:05.000Z')
  t.equal(iso('2024-01-02T03:04:05-0800'), '2024-01-02T11:04:05.000Z')
  t.equal(iso('2024-01-02T03:04:05+01'), '2024-01-02T02:04:05.000Z')
  t.equal(iso('2024-01-02 03:04'), '2024-01-02T03:04:00.000Z')
  t.equal(iso('2024-01-02'), '2024-01-02T00:00:00.000Z')
  t.equal(iso('2024-01-02T03:04:05.123456Z'), '2024-01-02T03:04:05.123Z', 'microseconds are cut to milliseconds')
  t.equal(iso('2024-01-02t03:04:05z'), '2024-01-02T03:04:05.000Z')
})

t.test('datetime: the common shape (seconds, a fraction, Z or ±hh:mm) reads as the other shapes do', async (t) => {
  const field = fields.datetime()
  const iso = (raw: string): string => (field.clean(raw) as Date).toISOString()
  t.equal(iso('2024-01-02T03:04:05'), '2024-01-02T03:04:05.000Z', 'no offset: UTC')
  t.equal(iso('2024-01-02T03:04:05.1Z'), '2024-01-02T03:04:05.100Z')
  t.equal(iso('2024-01-02T03:04:05.12Z'), '2024-01-02T03:04:05.120Z')
  t.equal(iso('2024-01-02T03:04:05.123+00:00'), '2024-01-02T03:04:05.123Z')
  t.equal(iso('2024-01-02T03:04:05.999999999-00:00'), '2024-01-02T03:04:05.999Z', 'nine digits, cut to milliseconds')
  t.equal(iso('2024-01-01T00:00:00+23:59'), '2023-12-31T00:01:00.000Z')
  t.equal(iso('9999-12-31T23:59:59.999-23:59'), '+010000-01-01T23:58:59.999Z', 'the last day with the furthest offset')
  t.equal(iso('2024-02-29T12:00:00Z'), '2024-02-29T12:00:00.000Z')
  t.equal(iso('0100-01-01T00:00:00Z'), '0100-01-01T00:00:00.000Z')
  t.equal(iso('0099-12-31T23:59:59Z'), '0099-12-31T23:59:59.000Z', 'a year before 100 is itself, not 1999')
  t.equal(iso(' 2024-01-02T03:04:05Z '), '2024-01-02T03:04:05.000Z', 'stripped first')
  t.equal(iso('2024-01-02T03:04:05 Z'), '2024-01-02T03:04:05.000Z', 'a space before the offset')
  for (const raw of ['2023-02-29T00:00:00Z', '2024-04-31T00:00:00Z', '2024-13-01T00:00:00Z', '2024-01-02T24:00:00Z', '2024-01-02T23:60:00Z', '2024-01-02T23:59:60Z',
    '2024-01-02T03:04:05.Z', '2024-01-02T03:04:05.1234567890Z', '2024-01-02T03:04:05+24:00', '2024-01-02T03:04:05+12:60', '2024-01-02T03:04:05ZZ',
    '2024-01-02T03:04:05+05:3', '2024-01-02T03:04:05x', '2024-01-02T03:04:0a', '0000-01-01T00:00:00Z']) {
    t.strictSame(rejects(field, raw), ['Enter a valid date/time.'], raw)
  }
})
t.test('datetime: impossible days and times are invalid', async (t) => {
  const field = fields.datetime()
  for (const raw of ['2024-02-30T10:00:00Z', '2023-02-29T00:00', '2024-01-02T24:00', '2024-01-02T10:60', '2024-01-02T10:00:60', '2024-01-02T10', 'now', 1704164645000, ['2024-01-02']]) {
    t.strictSame(rejects(field, raw), ['Enter a valid date/time.'], JSON.stringify(raw))
  }
  t.strictSame(rejects(field, new Date('nonsense')), ['Enter a valid date/time.'], 'an invalid Date object')
})

t.test('datetime: a Date passes through; string mode gives ISO text', async (t) => {
  const when = new Date('2024-01-02T03:04:05.678Z')
  t.equal(fields.datetime().clean(when), when)
  t.equal(fields.datetime({ mode: 'string' }).clean('2024-01-02T03:04:05+05:30'), '2024-01-01T21:34:05.000Z')
})

t.test('time: HH:MM, HH:MM:SS and fractions; out-of-range parts are invalid', async (t) => {
  const field = fields.time()
  t.equal(field.clean('13:45'), '13:45:00')
  t.equal(field.clean('13:45:30'), '13:45:30')
  t.equal(field.clean('13:45:30.123456'), '13:45:30.123456')
  t.equal(field.clean('00:00'), '00:00:00')
  for (const raw of ['24:00', '12:60', '12:30:60', '1230', 'noon', '12:30:00Z', 1230]) t.strictSame(rejects(field, raw), ['Enter a valid time.'], JSON.stringify(raw))
})

t.test('uuid: hyphens, braces, urn prefix and case are normalised', async (t) => {
  const field = fields.uuid()
  const canonical = '6f9619ff-8b86-d011-b42d-00c04fc964ff'
  t.equal(field.clean('6F9619FF-8B86-D011-B42D-00C04FC964FF'), canonical)
  t.equal(field.clean('{6f9619ff-8b86-d011-b42d-00c04fc964ff}'), canonical)
  t.equal(field.clean('urn:uuid:6f9619ff-8b86-d011-b42d-00c04fc964ff'), canonical)
  t.equal(field.clean('6f9619ff8b86d011b42d00c04fc964ff'), canonical)
  for (const raw of ['not-a-uuid', '6f9619ff-8b86-d011-b42d-00c04fc964f', '6f9619ff-8b86-d011-b42d-00c04fc964fg', 123]) {
    t.strictSame(rejects(field, raw), ['Enter a valid UUID.'], JSON.stringify(raw))
  }
  t.strictSame(rejects(field, '  '), REQUIRED)
})

t.test('json: strings are parsed, other JSON values kept as they are', async (t) => {
  const field = fields.json()
  t.strictSame(field.clean('{"tags": ["a", "b"], "n": 1}'), { tags: ['a', 'b'], n: 1 })
  t.equal(field.clean('"text"'), 'text')
  t.equal(field.clean('42'), 42)
  t.equal(field.clean('false'), false)
  t.strictSame(field.clean({ a: [1, 2] }), { a: [1, 2] })
  t.strictSame(field.clean([1, 2]), [1, 2])
  t.strictSame(field.clean([]), [], 'an empty list is a value')
  t.strictSame(field.clean({}), {}, 'an empty object is a value')
  t.equal(field.clean(0), 0)
  t.strictSame(rejects(field, '{"a": '), ['Enter a valid JSON.'])
  t.strictSame(rejects(field, 'hello'), ['Enter a valid JSON.'])
})

t.test('json: empty values and JSON null', async (t) => {
  t.strictSame(rejects(fields.json(), ''), REQUIRED)
  t.strictSame(rejects(fields.json(), null), REQUIRED)
  t.strictSame(rejects(fields.json(), 'null'), REQUIRED, 'JSON null is no value for a required field')
  t.equal(fields.json({ required: false, nullable: true }).clean('null'), null)
  t.equal(fields.json({ required: false, nullable: true }).clean(''), null)
})

t.test('foreignKey: the key field converts the value; a bad key is an invalid choice', async (t) => {
  const field = fields.foreignKey({ keyField: fields.integer() })
  t.equal(field.clean('7'), 7)
  t.equal(field.clean(7), 7)
  t.strictSame(rejects(field, 'seven'), ['Select a valid choice. That choice is not one of the available choices.'])
  t.strictSame(rejects(field, 4.5), ['Select a valid choice. That choice is not one of the available choices.'])
  t.strictSame(rejects(field, ''), REQUIRED)
  t.equal(fields.foreignKey().clean('7'), '7', 'without a key field the value is kept as given')
  t.strictSame(rejects(fields.foreignKey({ keyField: fields.integer(), errorMessages: { invalidChoice: 'No such author.' } }), 'x'), ['No such author.'])
})

t.test('a field\'s own errorMessages replace the defaults and may use the placeholders', async (t) => {
  t.strictSame(rejects(fields.integer({ errorMessages: { invalid: 'Numbers only, please.' } }), 'x'), ['Numbers only, please.'])
  t.strictSame(rejects(fields.integer({ maxValue: 10, errorMessages: { maxValue: 'At most %(limit_value)s.' } }), 11), ['At most 10.'])
  t.strictSame(rejects(fields.string({ maxLength: 2, errorMessages: { maxLength: '%(show_value)d > %(limit_value)d' } }), 'abc'), ['3 > 2'])
  t.strictSame(rejects(fields.string({ errorMessages: { required: 'Name, please.' } }), ''), ['Name, please.'])
  t.strictSame(rejects(fields.choice({ choices: ['a'], errorMessages: { invalidChoice: '%(value)s? No.' } }), 'b'), ['b? No.'])
})

t.test('validators run on the converted value and may throw ValidationError', async (t) => {
  const seen: unknown[] = []
  const field = fields.integer({
    validators: [
      (value) => { seen.push(value) },
      (value) => { if (value % 2 === 1) throw new ValidationError('Even numbers only.') }
    ]
  })
  t.equal(field.clean('4'), 4)
  t.strictSame(rejects(field, '5'), ['Even numbers only.'])
  t.strictSame(seen, [4, 5])
  t.strictSame(rejects(fields.integer({ validators: [() => { throw new ValidationError('never') }] }), 'x'), ['Enter a whole number.'], 'validators do not run on an invalid value')
})

t.test('Field.error builds the ValidationError of a key with the field\'s messages', async (t) => {
  const error = fields.string({ errorMessages: { maxLength: 'Too long: %(show_value)d.' } }).error('maxLength', { limit_value: 1, show_value: 9 })
  t.ok(error instanceof ValidationError)
  t.strictSame(error.messages, ['Too long: 9.'])
  t.strictSame(fields.date().error('invalid').messages, ['Enter a valid date.'])
})

t.test('initialValue returns the initial value, calling a function each time', async (t) => {
  let calls = 0
  t.equal(fields.string({ initial: 'draft' }).initialValue(), 'draft')
  t.equal(fields.string().initialValue(), undefined)
  const field = fields.integer({ initial: () => ++calls })
  t.equal(field.initialValue(), 1)
  t.equal(field.initialValue(), 2)
})

t.test('extend returns a copy with options changed and leaves the original alone', async (t) => {
  const original = fields.string({ maxLength: 5, label: 'Name' })
  const copy = original.extend({ label: 'Writer', helpText: 'Full name', required: false })
  t.not(copy, original)
  t.ok(copy instanceof Field)
  t.equal(copy.kind, 'string')
  t.strictSame([copy.label, copy.helpText, copy.required, copy.options.maxLength], ['Writer', 'Full name', false, 5])
  t.strictSame([original.label, original.helpText, original.required], ['Name', undefined, true])
})

t.test('every field kind is required by default but boolean', async (t) => {
  for (const [name, make] of Object.entries(fields)) t.equal(make().required, name !== 'boolean', name)
})

t.test('schema: strings carry title, description, lengths, formats and choices', async (t) => {
  t.strictSame(plain(fields.string({ label: 'Name', helpText: 'Full name', maxLength: 200, minLength: 2 }).schema()),
    { type: 'string', title: 'Name', description: 'Full name', maxLength: 200, minLength: 2 })
  t.strictSame(plain(fields.choice({ choices: ['MR', ['MRS', 'Mrs.'], 3] }).schema()), { type: 'string', enum: ['MR', 'MRS', '3'] })
  t.strictSame(plain(fields.date().schema()), { type: 'string', format: 'date' })
  t.strictSame(plain(fields.datetime().schema()), { type: 'string', format: 'date-time' })
  t.strictSame(plain(fields.time().schema()), { type: 'string', format: 'time' })
  t.strictSame(plain(fields.uuid().schema()), { type: 'string', format: 'uuid' })
  t.strictSame(plain(fields.email().schema()), { type: 'string', format: 'email' })
  t.strictSame(plain(fields.url().schema()), { type: 'string', format: 'uri' })
  t.strictSame(plain(fields.slug().schema()), { type: 'string' })
})

t.test('schema: numbers, decimals, booleans, JSON and foreign keys', async (t) => {
  t.strictSame(plain(fields.integer({ minValue: 1, maxValue: 10 }).schema()), { type: 'integer', minimum: 1, maximum: 10 })
  t.strictSame(plain(fields.integer({ mode: 'bigint', minValue: -(2n ** 63n) }).schema()), { type: 'string', pattern: '^-?\\d+$' })
  t.strictSame(plain(fields.number({ minValue: 0, label: 'Price' }).schema()), { type: 'number', minimum: 0, title: 'Price' })
  t.strictSame(plain(fields.decimal().schema()), { type: 'string', pattern: '^-?\\d*\\.?\\d+$' })
  t.strictSame(plain(fields.boolean({ helpText: 'Tick to publish' }).schema()), { type: 'boolean', description: 'Tick to publish' })
  t.strictSame(plain(fields.json({ label: 'Data' }).schema()), { title: 'Data' })
  t.strictSame(plain(fields.foreignKey({ keyField: fields.integer({ minValue: 1 }), label: 'Author' }).schema()), { type: 'integer', minimum: 1, title: 'Author' })
  t.strictSame(plain(fields.foreignKey().schema()), {})
})

t.test('schema: a nullable field allows null', async (t) => {
  t.strictSame(plain(fields.string({ nullable: true, label: 'Title', maxLength: 3 }).schema()),
    { title: 'Title', anyOf: [{ type: 'string', maxLength: 3 }, { type: 'null' }] })
  t.strictSame(plain(fields.integer({ nullable: true }).schema()), { anyOf: [{ type: 'integer' }, { type: 'null' }] })
})
