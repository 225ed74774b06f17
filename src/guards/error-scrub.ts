/**
 * Upstream error bodies without the internal details exploit chains start from: heap addresses
 * (CVE-2026-22778 leaked one through a PIL error), Triton python-backend shared-memory region names
 * (CVE-2025-23320), file system paths and Python traceback file names. Only small, complete,
 * uncompressed error bodies are read (status ≥ 400 with a Content-Length up to the cap); successful,
 * streamed, compressed and larger bodies pass through untouched. Bytes are handled as latin1, so
 * everything the patterns do not match is forwarded byte for byte.
 * @module
 */
type Headers = Record<string, string | string[] | undefined>

const REPLACEMENTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\btriton_python_backend_shm_region_[\w-]*/g, '[shm-region]'],
  [/\bFile "[^"\\]*"/g, 'File "[path]"'],
  [/(?<![\w.:/-])\/(?:home|opt|usr|tmp|root|var|srv|workspace|app)\/[^\s"'\\<>()[\],;]*/g, '[path]'],
  [/\b0x[0-9a-fA-F]{8,}\b/g, '0x[address]']
]

export function scrubText (text: string): string {
  let scrubbed = text
  for (const [pattern, replacement] of REPLACEMENTS) scrubbed = scrubbed.replace(pattern, replacement)
  return scrubbed
}

/** Whether this response's body is one to scrub. */
export function scrubs (status: number, headers: Headers, maxBytes: number): boolean {
  if (status < 400) return false
  const encoding = headers['content-encoding']
  if (encoding !== undefined && encoding !== 'identity') return false
  const length = Number(headers['content-length'])
  return headers['content-length'] !== undefined && Number.isSafeInteger(length) && length <= maxBytes
}

/** The (small, bounded by its Content-Length) body scrubbed; `changed` when anything was removed. */
export function scrubbedBody (body: Buffer): { body: Buffer, changed: boolean } {
  const text = body.toString('latin1')
  const scrubbed = scrubText(text)
  return { body: Buffer.from(scrubbed, 'latin1'), changed: scrubbed !== text }
}
