/**
 * Documentation plugins registered after this one. @fastify/swagger (like every generator that
 * reads route schemas) collects routes with an `onRoute` hook, so it sees only the routes added
 * after it: registered after this plugin, it documented none of its routes, silently. Here the
 * plugin's routes are kept as their `onRoute` hooks saw them, and when the app is ready each
 * `onRoute` hook the app gained since the plugin was registered is run on them, as it would have
 * been had it been there first.
 */
import type { FastifyInstance, RouteOptions } from 'fastify'

type RouteHook = (this: FastifyInstance, route: RouteOptions) => void

/** Fastify keeps an instance's hooks under this symbol (lib/symbols.js `kHooks`); it has no public list of them. */
function onRouteHooks (app: FastifyInstance): RouteHook[] | undefined {
  const symbol = Object.getOwnPropertySymbols(app).find((s) => s.description === 'fastify.hooks')
  const hooks = symbol === undefined ? undefined : (app as unknown as Record<symbol, { onRoute?: unknown }>)[symbol]
  return Array.isArray(hooks?.onRoute) ? hooks.onRoute as RouteHook[] : undefined
}

/** What `watchLateRouteHooks` returns: the hook that keeps a context's routes. */
export interface LateRouteHooks {
  /** An `onRoute` hook to add to each of the plugin's contexts before its routes. */
  keep (route: RouteOptions): void
}

/**
 * Starts watching `app` (the instance the plugin is registered on) for `onRoute` hooks added
 * after now. Gets the instance; returns the hook that keeps the plugin's routes. When the app is
 * ready, every hook added since runs once on each kept route, in registration order. Does
 * nothing when Fastify's hooks cannot be read (another Fastify version): the documentation plugin
 * must then be registered first, as its own README says.
 */
export function watchLateRouteHooks (app: FastifyInstance): LateRouteHooks {
  const before = new Set(onRouteHooks(app) ?? [])
  const routes: RouteOptions[] = []
  app.addHook('onReady', function replay (done) {
    const late = (onRouteHooks(app) ?? []).filter((hook) => !before.has(hook))
    for (const hook of late) for (const route of routes) hook.call(app, route)
    routes.length = 0
    done()
  })
  return { keep: (route) => { routes.push(route) } }
}
