import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { Disk } from 'flydrive'
import { FSDriver } from 'flydrive/drivers/fs'
import type { S3DriverOptions } from 'flydrive/drivers/s3/types'

export { uniqueKey, type UploadTo } from './storage-keys.ts'

/** Where the plugin keeps uploaded files: a flydrive disk seen through four operations. */
export interface FileStorage {
  /** Stores a file from a local path (a temp file) under `key`, streamed; resolves when stored. */
  put (key: string, sourcePath: string, options?: { contentType?: string }): Promise<void>
  /** Removes the file under `key`; resolves without error when there is none. */
  delete (key: string): Promise<void>
  /** Whether a file is stored under `key`. */
  exists (key: string): Promise<boolean>
  /**
   * The URL an item serializes for `key`: absolute for S3 (or a configured public base), a
   * path such as `/uploads/<key>` for local disk, which the plugin makes absolute per request.
   */
  url (key: string): string
}

/** Local-disk storage, with the folder it writes to, the URL prefix it answers with and its flydrive disk (which the plugin serves files from). */
export type LocalStorage = FileStorage & { root: string, urlPrefix: string, disk: Disk }

/** Options of {@link s3Storage}. */
export interface S3StorageOptions {
  /** The bucket files go to. */
  bucket: string
  /** The bucket's region; the SDK's own default (`AWS_REGION`, config files) when left out. */
  region?: string
  /** An S3-compatible server's URL, such as `http://127.0.0.1:9000`; AWS when left out. */
  endpoint?: string
  /** Address the bucket in the path (`<endpoint>/<bucket>/<key>`) instead of the host name. */
  forcePathStyle?: boolean
  /** Access keys; the SDK's default chain (environment, config files, instance role) when left out. */
  credentials?: { accessKeyId: string, secretAccessKey: string, sessionToken?: string }
  /** The public base URL of the bucket (a CDN, a custom domain); `url()` is `<publicUrl>/<key>`. */
  publicUrl?: string
  /** Send `public-read` or `private` ACLs with each upload; off by default (AWS disables ACLs on new buckets). */
  acl?: 'public-read' | 'private'
  /** More S3 client settings, passed to the SDK's `S3Client` as they are (they win over the above). */
  clientConfig?: Record<string, unknown>
}

/** The path of `key` with each segment percent-encoded. */
function encodeKey (key: string): string {
  return key.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/')
}

/** One FileStorage over a disk that may be built on first use; `removePartial` for drivers that write in place. */
function diskStorage (getDisk: () => Disk | Promise<Disk>, urlOf: (key: string) => string, removePartial: boolean): FileStorage {
  return {
    async put (key, sourcePath, options = {}) {
      const { size } = await stat(sourcePath)
      const disk = await getDisk()
      const stream = createReadStream(sourcePath)
      try {
        // a known length lets S3 take a plain PutObject instead of a chunked upload
        await disk.putStream(key, stream, { contentType: options.contentType, contentLength: size })
      } catch (error) {
        // the disk driver writes the file in place: a failed write leaves a partial one behind
        if (removePartial) await disk.delete(key).catch(() => {})
        throw error
      } finally {
        stream.destroy()
      }
    },
    async delete (key) {
      await (await getDisk()).delete(key)
    },
    async exists (key) {
      return (await getDisk()).exists(key)
    },
    url: urlOf
  }
}

/**
 * Returns a FileStorage over any flydrive `Disk` (a GCS disk, a disk with its own driver options).
 *
 * Gets the disk and `urlOf`, the URL an item serializes for a key (flydrive's own `getUrl` is
 * asynchronous, so it cannot serve here); by default `/uploads/<key>`.
 */
export function flydriveStorage (disk: Disk, urlOf: (key: string) => string = (key) => '/uploads/' + encodeKey(key)): FileStorage {
  return diskStorage(() => disk, urlOf, false)
}

/**
 * Returns a FileStorage on the local disk, through flydrive's `FSDriver`.
 *
 * Gets `root`, the folder files are written under (default `./uploads`, resolved against the
 * working directory now), and `urlPrefix`, the URL path they are served at (default `/uploads/`;
 * a trailing slash is added). The returned object carries both, resolved, so the app can serve
 * `root` at `urlPrefix` (with `@fastify/static`, say). Keys are flydrive keys: `..` and
 * characters outside `[A-Za-z0-9-_!/. ]` are refused, as {@link uniqueKey} never makes.
 */
export function localStorage (options: { root?: string, urlPrefix?: string } = {}): LocalStorage {
  const root = resolve(options.root ?? './uploads')
  const prefix = options.urlPrefix ?? '/uploads/'
  const urlPrefix = prefix.endsWith('/') ? prefix : prefix + '/'
  const disk = new Disk(new FSDriver({ location: root, visibility: 'public' }))
  return { ...diskStorage(() => disk, (key) => urlPrefix + encodeKey(key), true), root, urlPrefix, disk }
}

/** The public URL of a key in a bucket, without asking the SDK (whose endpoint resolution is asynchronous). */
function s3Url (options: S3StorageOptions, key: string): string {
  if (options.publicUrl !== undefined) return options.publicUrl.replace(/\/+$/, '') + '/' + encodeKey(key)
  if (options.endpoint !== undefined) {
    const endpoint = new URL(options.endpoint)
    const base = endpoint.href.replace(/\/+$/, '')
    if (options.forcePathStyle === true) return `${base}/${encodeURIComponent(options.bucket)}/${encodeKey(key)}`
    return `${endpoint.protocol}//${options.bucket}.${endpoint.host}${endpoint.pathname.replace(/\/+$/, '')}/${encodeKey(key)}`
  }
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1'
  if (options.forcePathStyle === true) return `https://s3.${region}.amazonaws.com/${encodeURIComponent(options.bucket)}/${encodeKey(key)}`
  return `https://${options.bucket}.s3.${region}.amazonaws.com/${encodeKey(key)}`
}

/**
 * Returns a FileStorage on S3 or an S3-compatible server, through flydrive's `S3Driver`.
 *
 * Gets the bucket and the client settings of {@link S3StorageOptions}. The AWS SDK
 * (`@aws-sdk/client-s3`, `@aws-sdk/s3-request-presigner`) is an optional peer dependency,
 * loaded on the first operation. Uploads send their length and no streaming checksum trailer
 * (`requestChecksumCalculation: 'WHEN_REQUIRED'`), which S3-compatible servers often refuse;
 * `clientConfig` can turn it back on.
 *
 * Throws at once when the bucket is missing or the SDK is not installed, naming the fix.
 */
export function s3Storage (options: S3StorageOptions): FileStorage {
  if (typeof options?.bucket !== 'string' || options.bucket === '') throw new Error('s3Storage needs a bucket: s3Storage({ bucket: \'my-bucket\', region: \'eu-west-1\' })')
  const require = createRequire(import.meta.url)
  for (const name of ['@aws-sdk/client-s3', '@aws-sdk/s3-request-presigner']) {
    try {
      require.resolve(name)
    } catch {
      throw new Error(`s3Storage needs the AWS SDK: npm install @aws-sdk/client-s3 @aws-sdk/s3-request-presigner (${name} is missing)`)
    }
  }
  const { bucket, region, endpoint, forcePathStyle, credentials, acl, clientConfig } = options
  const driverOptions = {
    bucket,
    visibility: acl === 'private' ? 'private' : 'public',
    supportsACL: acl !== undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(region !== undefined && { region }),
    ...(endpoint !== undefined && { endpoint }),
    ...(forcePathStyle !== undefined && { forcePathStyle }),
    ...(credentials !== undefined && { credentials }),
    ...clientConfig
  } as S3DriverOptions
  let disk: Promise<Disk> | undefined
  const getDisk = () => (disk ??= import('flydrive/drivers/s3').then(({ S3Driver }) => new Disk(new S3Driver(driverOptions))))
  return diskStorage(getDisk, (key) => s3Url(options, key), false)
}
