/** Where uploads go: a folder such as `'avatars/'`, or a function of the client's file name giving one. */
export type UploadTo = string | ((filename: string) => string)

// flydrive refuses keys outside [A-Za-z0-9-_!/. ]; keys here stay inside [A-Za-z0-9._-] per segment
const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/
const MAX_STEM = 64
const MAX_EXTENSION = 16

/**
 * Returns a new storage key for an uploaded file: `<folder><safe-name>-<random><.ext>`.
 *
 * Gets the folder (`uploadTo`, or a function of `filename` returning it) and the file name the
 * client sent. The name's last path segment is kept (so `../../etc/passwd` becomes
 * `passwd-<random>`), folded to ASCII, anything but letters, digits, `.`, `_` and `-` turned
 * into `-`, leading dots dropped, cut to 64 characters; an extension of up to 16 letters or
 * digits is kept, lower-cased. A name left empty becomes `file`. The random part is 16 hex
 * digits, so two uploads of one name never share a key.
 *
 * Throws an `Error` when the folder is not relative and safe: a segment `..` or `.`, a
 * backslash, or characters outside `[A-Za-z0-9._-]`. That is a setting of the app, not a
 * request failure.
 */
export function uniqueKey (uploadTo: UploadTo, filename: string): string {
  const folder = folderOf(typeof uploadTo === 'function' ? uploadTo(filename) : uploadTo)
  const { stem, extension } = safeName(filename)
  return `${folder}${stem}-${randomHex()}${extension}`
}

/** 16 random hex digits (Web Crypto: no server module, so field definitions can check folders anywhere). */
function randomHex (): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(8))
  let hex = ''
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0')
  return hex
}

/** The folder as `a/b/` (or `''`), after checking every segment; throws on traversal. */
function folderOf (uploadTo: string): string {
  if (typeof uploadTo !== 'string') throw new TypeError('uploadTo must be a string or a function returning one')
  const segments = uploadTo.split('/').filter(segment => segment !== '')
  for (const segment of segments) {
    if (segment === '.' || segment === '..' || !SAFE_SEGMENT.test(segment)) {
      throw new Error(`uploadTo ${JSON.stringify(uploadTo)} is not a safe relative folder: use segments of letters, digits, '.', '_' and '-' (no '..'), such as 'avatars/'`)
    }
  }
  return segments.length === 0 ? '' : segments.join('/') + '/'
}

/** The client's file name reduced to a safe stem and a lower-case extension (with its dot, or `''`). */
function safeName (filename: string): { stem: string, extension: string } {
  const base = String(filename).split(/[/\\]/).pop() ?? ''
  const dot = base.lastIndexOf('.')
  const extension = dot > 0 ? base.slice(dot + 1) : ''
  const keepsExtension = extension.length <= MAX_EXTENSION && /^[A-Za-z0-9]+$/.test(extension)
  const stem = safeStem(keepsExtension ? base.slice(0, dot) : base)
  return { stem: stem === '' ? 'file' : stem, extension: keepsExtension ? '.' + extension.toLowerCase() : '' }
}

/** Letters folded to ASCII, runs of anything unsafe as one `-`, no leading dot, at most 64 characters. */
function safeStem (name: string): string {
  return name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-').replace(/-{2,}/g, '-').replace(/^[.-]+/, '')
    .slice(0, MAX_STEM).replace(/[.-]+$/, '')
}
