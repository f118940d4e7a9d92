/**
 * `uploadedFile()`: an `UploadedFile` for a file on disk, for forms used without an app
 * (Django's `SimpleUploadedFile`), as the plugin's multipart parsing makes one for a request.
 */
import { open } from 'node:fs/promises'
import { basename } from 'node:path'
import type { UploadedFile } from './fields/index.ts'

/**
 * Describes the file at `path` as an upload: its size and first bytes read now, its name
 * `filename` (default: the path's last segment) and its media type `mimetype` (default
 * `application/octet-stream`). The file is read again when the form is saved, and never removed.
 * Rejects when the file cannot be read.
 */
export async function uploadedFile (path: string, { filename = basename(path), mimetype = 'application/octet-stream' }: { filename?: string, mimetype?: string } = {}): Promise<UploadedFile> {
  const handle = await open(path, 'r')
  try {
    const { size } = await handle.stat()
    const head = Buffer.alloc(16)
    const { bytesRead } = await handle.read(head, 0, 16, 0)
    return { filename, mimetype, size, path, head: head.subarray(0, bytesRead) }
  } finally {
    await handle.close()
  }
}
