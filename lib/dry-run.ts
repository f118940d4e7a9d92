/**
 * Dry runs (`?dry-run=1`): what a request says about them, and their answer. A dry run takes
 * every stage of its request but the write (the form plan's `dryRun` variant, lib/form-request.ts;
 * for a formset, `handleFormSetRequest` stops before saving), so it is advice, not a reservation:
 * a value free during the dry run may be taken before the real request.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { HandleFormRequestArgs } from './form-request.ts'
import { then, type MaybePromise } from './maybe.ts'
import { onlyList, trimItem } from './responses.ts'
import type { ResourceRoute } from './routes.ts'
import type { Row } from './db/index.ts'

/** Whether the request asks for a dry run: `?dry-run=1` (or `true`). */
export function isDryRun (request: FastifyRequest): boolean {
  const value = (request.query as Record<string, unknown> | undefined)?.['dry-run']
  return value === '1' || value === 'true'
}

/** A form request's arguments with a dry run's own when the request is one (`dryRun`, and the `only-fields` whose errors count); `args` itself, changed in place. */
export function withDryRun (request: FastifyRequest, args: HandleFormRequestArgs<any>): HandleFormRequestArgs<any> {
  if (!isDryRun(request)) return args
  args.dryRun = true
  const only = onlyList(request.query as Record<string, unknown>, 'only-fields')
  if (only !== undefined) args.onlyFields = only
  return args
}

/** The row of a dry run as the answer carries it: `serializeObject`'s fields trimmed by `only-fields`, without links (a row not written has no URL). */
export function dryRunItem (route: ResourceRoute, request: FastifyRequest, row: Row): MaybePromise<Record<string, unknown>> {
  return then(route.resource.serializeObject(row, { request }), (out) => {
    const { links: _, ...item } = trimItem(out, {}, onlyList(request.query as Record<string, unknown>, 'only-fields'))
    return item
  })
}

/** Answers a dry run: 200 `{stat: "ok", dry_run: true, <key>: value}` (JSON whatever the request asked for). */
export function sendDryRun (reply: FastifyReply, key: string, value: unknown, extra?: Record<string, unknown>): void {
  reply.code(200).serializer(JSON.stringify).send({ stat: 'ok', dry_run: true, [key]: value, ...extra })
}
