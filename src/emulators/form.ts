/**
 * multipart/form-data as vLLM's Starlette reads it, leniently: a preamble and an epilogue are skipped,
 * a field given twice keeps its last value, a part with a `filename` is a file. Deliberately not the
 * gateway's strict reader (src/proxy/multipart-form.ts): the emulator shows what the backend makes of
 * the bytes the gateway let through.
 * @module
 */

export interface FormPart {
  readonly name: string
  /** Present on file parts. */
  readonly filename: string | undefined
  readonly data: Buffer
}

const BOUNDARY = /;\s*boundary=(?:"([^"]*)"|([^;\s]+))/i
const NAME = /;\s*name="([^"]*)"/i
const FILENAME = /;\s*filename="([^"]*)"/i
const HEADERS_END = Buffer.from('\r\n\r\n')

/** The parts of a form body, in order; `undefined` when it is no multipart body at all. */
export function formParts (contentType: string | undefined, body: Buffer): FormPart[] | undefined {
  const match = contentType === undefined || !/^multipart\/form-data\s*;/i.test(contentType) ? null : BOUNDARY.exec(contentType)
  const boundary = match?.[1] ?? match?.[2]
  if (boundary === undefined || boundary === '') return undefined
  const delimiter = Buffer.from(`--${boundary}`)
  const separator = Buffer.from(`\r\n--${boundary}`)
  const parts: FormPart[] = []
  let at = body.indexOf(delimiter)
  if (at === -1) return undefined
  for (;;) {
    at += delimiter.length
    if (body.subarray(at, at + 2).toString() === '--') return parts
    const headersEnd = body.indexOf(HEADERS_END, at)
    const next = body.indexOf(separator, at)
    if (headersEnd === -1 || next === -1 || headersEnd > next) return undefined
    const headers = body.toString('latin1', at, headersEnd)
    const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? ''
    const name = NAME.exec(disposition)?.[1]
    if (name !== undefined) {
      parts.push({ name, filename: FILENAME.exec(disposition)?.[1], data: body.subarray(headersEnd + HEADERS_END.length, next) })
    }
    at = next + 2
  }
}

/** The text fields, the last value of each name winning (Starlette's FormData.get). */
export function formFields (parts: readonly FormPart[]): Map<string, string> {
  const fields = new Map<string, string>()
  for (const part of parts) if (part.filename === undefined) fields.set(part.name, part.data.toString())
  return fields
}

// pydantic's str → bool
const TRUE: ReadonlySet<string> = new Set(['1', 'on', 't', 'true', 'y', 'yes'])

export function formFlag (value: string | undefined): boolean {
  return value !== undefined && TRUE.has(value.toLowerCase())
}
