/**
 * Message catalogs and the language a message is given in. The field core asks `localize()`
 * for a default message; which language that is comes from a source the server sets per request
 * (lib/i18n/context.ts), so this file imports nothing server-side. English is Django's text
 * itself; a catalog maps each English text to its translation.
 */
import { ru } from './ru.ts'

/** A catalog: by English text, the translation, or `[one, few, many]` for a plural. */
export type Catalog = Readonly<Record<string, string | readonly [string, string, string]>>

/** The languages the package ships, by their primary language subtag. */
export const CATALOGS: Readonly<Record<string, Catalog>> = { en: {}, ru }

/** The language of messages when nothing else says: English. */
export const DEFAULT_LOCALE = 'en'

let source: () => string = () => DEFAULT_LOCALE

/** Sets where the current language comes from (the server's per-request context). */
export function setLocaleSource (get: () => string): void {
  source = get
}

/** The language messages are given in now. */
export function currentLocale (): string {
  return source()
}

/** A language the package ships for a tag (`ru-RU` → `ru`), or `undefined`. */
export function supportedLocale (tag: string): string | undefined {
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0]
  return Object.hasOwn(CATALOGS, primary) ? primary : undefined
}

/** The first language of an `Accept-Language` header the package ships, by quality; `undefined` when none. */
export function negotiateLocale (header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined
  const ranked = header.split(',').map((part, i) => {
    const [tag, ...params] = part.split(';')
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    return { tag: tag.trim(), q: q === undefined ? 1 : Number(q.slice(2)), i }
  }).filter((entry) => entry.tag !== '' && entry.q > 0).sort((a, b) => b.q - a.q || a.i - b.i)
  for (const { tag } of ranked) {
    const found = supportedLocale(tag)
    if (found !== undefined) return found
  }
  return undefined
}

const pluralRules = new Map<string, Intl.PluralRules>()

/**
 * A default message in the current language: `template` (English, or Django's `[one, other,
 * by]` plural) looked up in the language's catalog, the plural chosen by `params[by]` with that
 * language's rules; the English text when the catalog lacks it.
 */
export function localize (template: string | readonly [string, string, string], params: Readonly<Record<string, unknown>> = {}): string {
  const locale = source()
  const english = typeof template === 'string' ? template : Number(params[template[2]]) === 1 ? template[0] : template[1]
  if (locale === DEFAULT_LOCALE) return english
  const entry = CATALOGS[locale]?.[typeof template === 'string' ? template : template[0]]
  if (entry === undefined) return english
  if (typeof entry === 'string') return entry
  let rules = pluralRules.get(locale)
  if (rules === undefined) pluralRules.set(locale, rules = new Intl.PluralRules(locale))
  const form = rules.select(Number(typeof template === 'string' ? 0 : params[template[2]]))
  return form === 'one' ? entry[0] : form === 'few' ? entry[1] : entry[2]
}
