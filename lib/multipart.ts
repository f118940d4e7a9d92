/**
 * `multipart/form-data` bodies, parsed by @fastify/multipart in a context of their own inside the
 * plugin's: each resource's write routes have a twin there, chosen by the router only for a
 * multipart request (a route constraint on the content type), so the multipart plugin's hooks
 * never run for JSON or URL-encoded requests. Files stream to temporary files in a folder made
 * for the request, never whole into memory, and that folder is removed before the response is
 * sent, and again when the response ends or the client goes away.
 */
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import multipart from '@fastify/multipart'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { MALFORMED_BODY, REQUEST_TOO_LARGE, type WebAPIError } from './errors.ts'
import type { UploadedFile } from './fields/index.ts'
import { FormList } from './form-values.ts'
import { sendError } from './responses.ts'
import { codes } from './setup-errors.ts'

/** Limits of multipart bodies (busboy's, as @fastify/multipart passes them), and where files wait. */
export interface MultipartOptions {
  /** Largest file in bytes; past it, 413. Default 10 MiB (10,485,760). */
  fileSize?: number
  /** Most files in one request; past it, 413. Default 10. */
  files?: number
  /** Most parts (fields and files) in one request; past it, 413. Default 1,000. */
  parts?: number
  /** Largest text field in bytes; a longer one is 413, never cut short. Default 1 MiB (1,048,576). */
  fieldSize?: number
  /** The folder each request's temporary folder is made in; default the system's (`os.tmpdir()`). */
  tmpdir?: string
}

/** The limits in force, every one set. */
export type MultipartLimits = Required<MultipartOptions>

const DEFAULTS: MultipartLimits = { fileSize: 10 * 1024 * 1024, files: 10, parts: 1000, fieldSize: 1024 * 1024, tmpdir: '' }
const HEAD_BYTES = 16
const STRATEGY = 'ffrMultipart'
const kUploads = Symbol('ffrUploads')
/** The route constraint of the multipart twins. */
export const MULTIPART_CONSTRAINT = { [STRATEGY]: 'multipart' } as const

/** Checks the options and fills in the defaults; throws `FFR_ERR_MULTIPART_LIMIT` for a limit that is not a positive whole number. */
export function multipartLimits (options: MultipartOptions = {}): MultipartLimits {
  const limits = { ...DEFAULTS, tmpdir: tmpdir() }
  for (const key of ['fileSize', 'files', 'parts', 'fieldSize'] as const) {
    const value = options[key]
    if (value === undefined) continue
    if (!Number.isSafeInteger(value) || value < 1) throw new codes.FFR_ERR_MULTIPART_LIMIT(key)
    limits[key] = value
  }
  if (options.tmpdir !== undefined) limits.tmpdir = options.tmpdir
  return limits
}

/** A multipart request's temporary folder and files. */
class Uploads {
  readonly files: Record<string, UploadedFile> = Object.create(null)
  private dir?: Promise<string>
  private closed = false
  private next = 0

  constructor (private readonly parent: string) {}

  /** A new temporary file's path, in the request's folder (made on first use); throws once the request is over. */
  async path (): Promise<string> {
    if (this.closed) throw new Error('the response has ended')
    const dir = await (this.dir ??= mkdtemp(join(this.parent, 'ffr-upload-')))
    if (this.closed) throw new Error('the response has ended')
    return join(dir, String(this.next++))
  }

  /** Removes the folder and every file in it; later calls (and `path()`) know the request is over. Never rejects. */
  async remove (): Promise<void> {
    this.closed = true
    if (this.dir === undefined) return
    const dir = await this.dir.catch(() => undefined)
    if (dir !== undefined) await rm(dir, { recursive: true, force: true, maxRetries: 2 }).catch(() => {})
  }
}

/** The uploaded files of a request, by field name; `undefined` for a request that is not multipart. */
export function uploadsOf (request: FastifyRequest): Record<string, UploadedFile> | undefined {
  return (request as unknown as { [kUploads]: Uploads | null })[kUploads]?.files
}

/** Streams one file part to a temporary file, counting its bytes and keeping its first ones. */
async function saveFile (part: { file: NodeJS.ReadableStream & { truncated?: boolean } }, path: string): Promise<{ size: number, head: Uint8Array, truncated: boolean }> {
  let size = 0
  let head = Buffer.alloc(0)
  const measure = new Transform({
    transform (chunk: Buffer, _encoding, done) {
      if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)])
      size += chunk.length
      done(null, chunk)
    }
  })
  await pipeline(part.file, measure, createWriteStream(path, { flags: 'wx' }))
  return { size, head, truncated: part.file.truncated === true }
}

/** A parsing failure as an error to answer: 413 past a limit, 400 for a body that is not multipart as it says, else `undefined` (a server error). */
function answerOf (error: unknown, limits: MultipartLimits): WebAPIError | undefined {
  const { code, message, syscall } = error as { code?: string, message?: string, syscall?: string }
  if (error instanceof TooLarge) return REQUEST_TOO_LARGE.with({ detail: error.message })
  switch (code) {
    case 'FST_PARTS_LIMIT': case 'FST_FIELDS_LIMIT': return REQUEST_TOO_LARGE.with({ detail: `The body has more than ${limits.parts} parts.` })
    case 'FST_FILES_LIMIT': return REQUEST_TOO_LARGE.with({ detail: `The body has more than ${limits.files} files.` })
    case 'FST_REQ_FILE_TOO_LARGE': return REQUEST_TOO_LARGE.with({ detail: `A file is larger than the limit of ${limits.fileSize} bytes.` })
    case 'FST_PROTO_VIOLATION': return MALFORMED_BODY.with({ detail: 'A field is named after a property every object has ("__proto__", "constructor", ...); such names are refused.' })
    case 'FST_INVALID_JSON_FIELD_ERROR': return MALFORMED_BODY.with({ detail: 'A field sent as application/json is not valid JSON.' })
  }
  if (syscall !== undefined) return undefined
  return MALFORMED_BODY.with({ detail: `The multipart body could not be parsed: ${message ?? String(error)}` })
}

class TooLarge extends Error {}

/** The `preValidation` hook of the multipart twins: the fields as the body (a field sent twice as a `FormList`), the files in temporary files. */
function parseHook (limits: MultipartLimits) {
  return async function parseMultipart (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const uploads = new Uploads(limits.tmpdir)
    ;(request as unknown as { [kUploads]: Uploads })[kUploads] = uploads
    // the client may go away at any time: whatever was written is removed then too
    reply.raw.once('close', () => { uploads.remove().catch(() => {}) })
    const fields: Record<string, unknown> = Object.create(null)
    try {
      for await (const part of request.parts()) {
        if (part.type === 'field') {
          if (part.valueTruncated) throw new TooLarge(`The field "${part.fieldname}" is longer than the limit of ${limits.fieldSize} bytes.`)
          const before = fields[part.fieldname]
          fields[part.fieldname] = before === undefined ? part.value : before instanceof FormList ? (before.push(part.value), before) : FormList.fromValues([before, part.value])
          continue
        }
        // a file input left empty: browsers send a part without a file name, which Django skips too
        if (part.filename === '') {
          part.file.resume()
          continue
        }
        const path = await uploads.path()
        const { size, head, truncated } = await saveFile(part, path)
        if (truncated) throw new TooLarge(`The file "${part.fieldname}" is larger than the limit of ${limits.fileSize} bytes.`)
        // as Django's MultiValueDict.get: the last file of a name
        uploads.files[part.fieldname] = { filename: part.filename, mimetype: part.mimetype, size, path, head }
      }
    } catch (error) {
      await uploads.remove()
      const answer = answerOf(error, limits)
      if (answer === undefined) throw error
      // the rest of the body is not read: close the connection once answered, rather than wait for it
      request.raw.unpipe()
      request.raw.resume()
      // the reply, returned: Fastify goes no further (an async onSend is still running, so `reply.sent` is not yet true)
      return sendError(reply.header('connection', 'close'), answer)
    }
    request.body = fields
  }
}

/** Removes the request's temporary files (a no-op for a request that is not multipart). */
async function removeUploads (request: FastifyRequest): Promise<void> {
  await (request as unknown as { [kUploads]: Uploads | null })[kUploads]?.remove()
}

/**
 * Sets up multipart bodies in the plugin's context `app`: the router's content-type constraint
 * (once per server), a child context with @fastify/multipart and the parsing and cleaning hooks,
 * in which `routes` registers each resource's multipart twins (with `MULTIPART_CONSTRAINT`).
 */
export async function registerMultipart (app: FastifyInstance, limits: MultipartLimits, routes: (context: FastifyInstance) => void): Promise<void> {
  if (!app.hasConstraintStrategy(STRATEGY)) {
    app.addConstraintStrategy({
      name: STRATEGY,
      storage () {
        const handlers = new Map<string, unknown>()
        return { get: (value: string) => handlers.get(value) ?? null, set: (value: string, store: unknown) => { handlers.set(value, store) } }
      },
      deriveConstraint (request: { headers: Record<string, string | string[] | undefined> }) {
        const type = request.headers['content-type']
        return typeof type === 'string' && /^multipart\/form-data/i.test(type) ? 'multipart' : undefined
      }
    } as Parameters<FastifyInstance['addConstraintStrategy']>[0])
  }
  app.decorateRequest(kUploads as unknown as string, null)
  await app.register(async (context) => {
    const { fileSize, files, parts, fieldSize } = limits
    await context.register(multipart, { limits: { fileSize, files, parts, fields: parts, fieldSize }, throwFileSizeLimit: true })
    context.addHook('preValidation', parseHook(limits))
    // gone before the answer is sent: the handler is done with them by then
    context.addHook('onSend', async (request, _reply, payload) => {
      await removeUploads(request)
      return payload
    })
    context.addHook('onResponse', removeUploads)
    routes(context)
  })
}
