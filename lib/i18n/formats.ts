/**
 * Localized input (Django's `localize` / `localized_fields`): numbers and dates as a language
 * writes them, turned into the form the field kinds read (Russian `1,5` → `1.5`, `1 000` → `1000`,
 * `01.02.2024` → `2024-02-01`; English `02/01/2024` → `2024-02-01`). What does not match a language's formats is left as sent, for the kind to read
 * or refuse.
 */
import { currentLocale } from './catalog.ts'

/** A language's input formats: its decimal mark, thousands separators and date order. */
interface Formats {
  readonly decimal: string
  readonly thousands: RegExp
  /** `D.M.Y` (`01.02.2024`) or `M/D/Y` (`02/01/2024`). */
  readonly date: RegExp
  readonly order: 'dmy' | 'mdy'
}

const FORMATS: Readonly<Record<string, Formats>> = {
  ru: { decimal: ',', thousands: /[\s\u00a0\u202f]/g, date: /^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?:[ T](\d{1,2}:\d{2}(?::\d{2})?))?$/, order: 'dmy' },
  // English as Django reads it without USE_THOUSAND_SEPARATOR: no separator taken out
  en: { decimal: '.', thousands: /(?!)/g, date: /^(\d{1,2})\/(\d{1,2})\/(\d{4}|\d{2})(?:[ T](\d{1,2}:\d{2}(?::\d{2})?))?$/, order: 'mdy' }
}

const NUMBER_KINDS = new Set(['integer', 'number', 'decimal'])
const DATE_KINDS = new Set(['date', 'datetime'])
const pad = (n: string): string => n.padStart(2, '0')

/** A raw value of a localized field of `kind`, as the kind reads it, in the current language. */
export function delocalize (kind: string, raw: unknown): unknown {
  if (typeof raw !== 'string') return raw
  const formats = FORMATS[currentLocale()]
  if (formats === undefined) return raw
  const text = raw.trim()
  if (NUMBER_KINDS.has(kind)) {
    const plain = text.replace(formats.thousands, '')
    return formats.decimal === '.' ? plain : plain.replace(formats.decimal, '.')
  }
  if (DATE_KINDS.has(kind)) {
    const match = formats.date.exec(text)
    if (match === null) return raw
    const [, a, b, y, time] = match
    const [day, month] = formats.order === 'dmy' ? [a, b] : [b, a]
    // two-digit years as Python's %y reads them: 69–99 → 19xx, 00–68 → 20xx
    const year = y.length === 4 ? y : `${Number(y) >= 69 ? '19' : '20'}${y}`
    const date = `${year}-${pad(month)}-${pad(day)}`
    if (time === undefined) return date
    const [h, m, s = '00'] = time.split(':')
    return kind === 'date' ? raw : `${date}T${pad(h)}:${m}:${s}`
  }
  return raw
}
