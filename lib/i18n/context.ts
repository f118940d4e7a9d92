/**
 * The language of each request: the first `Accept-Language` the package ships, else the
 * plugin's `locale`, else English; kept for the request's handler and everything it awaits in
 * an `AsyncLocalStorage`, which the catalogs read (lib/i18n/catalog.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
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
 * Adds the hook that gives each request of `app` (the plugin's context) its language, before its
 * handler: a request in English under an English plugin pays nothing.
 */
export function addLocaleHook (app: FastifyInstance, fallback: string): void {
  app.addHook('preHandler', function setLocale (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
    const locale = negotiateLocale(request.headers['accept-language']) ?? fallback
    if (locale === DEFAULT_LOCALE && store.getStore() === undefined) return done()
    store.run(locale, done)
  })
}
