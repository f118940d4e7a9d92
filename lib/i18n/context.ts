/**
 * The language of each request: the first `Accept-Language` the package ships, else the
 * plugin's `locale`, else English; kept for the request's handler and everything it awaits in
 * an `AsyncLocalStorage`, which the catalogs read (lib/i18n/catalog.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { FastifyRequest } from 'fastify'
import { DEFAULT_LOCALE, negotiateLocale, setLocaleSource, supportedLocale } from './catalog.ts'

const store = new AsyncLocalStorage<string>()
setLocaleSource(() => store.getStore() ?? DEFAULT_LOCALE)

/** Runs `fn` with messages in `locale` (a language the package ships). */
export function inLocale<T> (locale: string, fn: () => T): T {
  return store.run(locale, fn)
}

/** The plugin's `locale` as a language the package ships: English for none or one it does not ship. */
export function pluginLocale (locale: string | undefined): string {
  return locale === undefined ? DEFAULT_LOCALE : supportedLocale(locale) ?? DEFAULT_LOCALE
}

/**
 * The language `request` is answered in, when it must be set: its first `Accept-Language` the
 * package ships, else `fallback` (the plugin's `locale`); `undefined` for English under an English
 * plugin outside any language already set, which costs nothing more. Each of the plugin's route
 * handlers runs in it (lib/handlers.ts `answered`) rather than behind a `preHandler` hook, whose
 * runner costs Fastify a few closures per request. The plugin's error and not-found answers carry
 * no catalog's messages.
 */
export function requestLocale (request: FastifyRequest, fallback: string): string | undefined {
  const locale = negotiateLocale(request.headers['accept-language']) ?? fallback
  return locale === DEFAULT_LOCALE && store.getStore() === undefined ? undefined : locale
}
