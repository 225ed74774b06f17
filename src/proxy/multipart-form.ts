/**
 * multipart/form-data bodies (vLLM's audio routes) as the gateway checks them: the text fields it
 * needs (`model`, `stream`), read from the bytes already received, which are then forwarded as they
 * are. Hand-written rather than busboy or formidable: those accept, each its own way, exactly what a
 * gateway must refuse, because the backend (Starlette over python-multipart) may read it otherwise.
 * A field given twice (which one wins?), a `model` part with a `filename` (a file to Starlette),
 * RFC 2231 `name*=` / `boundary*=` parameters (decoded by Python's email parser, unseen by a naive
 * one), a `charset` on the form (Starlette decodes fields with it), a Content-Transfer-Encoding
 * (python-multipart decodes base64 and quoted-printable), backslash escapes in quoted strings,
 * header lines ended by a bare LF, a preamble, transport padding, an epilogue or a missing closing
 * delimiter: each is refused, so that only one reading of the form exists. The scan is `indexOf` over
 * the body Buffer; only part headers and the wanted fields' values become strings.
 * @module
 */
import { FormInvalidError, MediaTypeUnsupportedError, shown } from '../errors.js'

export const FORM_MEDIA_TYPE = 'multipart/form-data'

const CR = 0x0d
const LF = 0x0a
const DASH = 0x2d
const HEADERS_END = Buffer.from('\r\n\r\n')
const MAX_BOUNDARY = 70

const MEDIA_TYPE = /^multipart\/form-data(?=[\t ;]|$)/iy
const DISPOSITION = /^form-data(?=[\t ;]|$)/iy
// `; name=token` or `; name="quoted"`: no backslash escapes (quoted-pair), no controls.
const PARAM = /[\t ]*;[\t ]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)=(?:([!#$%&'*+.^_`|~0-9A-Za-z-]+)|"([\t\x20\x21\x23-\x5b\x5d-\x7e\x80-\xff]*)")/y
const TRAILING_SPACE = /[\t ]*$/y
// RFC 2046 5.1.1 bchars, no space at the end. An unquoted value held token characters only (PARAM),
// so it passes only with the bchars that are also token characters, as the RFC wants.
const BOUNDARY_CHARS = /^[0-9A-Za-z'()+_,\-./:=? ]*[0-9A-Za-z'()+_,\-./:=?]$/
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[\t ]*(.*?)[\t ]*$/
const UTF8 = /^utf-8$/i
const FIELD_TYPE = /^text\/plain(?:[\t ]*;[\t ]*charset="?utf-8"?)?$/i
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

const invalid = (problem: string) => new FormInvalidError(problem)

/** Controls other than HTAB (CR and LF included: a header line has none). */
function hasControl (text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true
  }
  return false
}

/** A header value's parameters, lower-cased names, each at most once; an Error naming what is wrong. */
function parameters (value: string, from: number, what: string): Map<string, string> | Error {
  const params = new Map<string, string>()
  PARAM.lastIndex = from
  for (let match = PARAM.exec(value); match !== null; match = PARAM.exec(value)) {
    const name = (match[1] as string).toLowerCase()
    if (params.has(name)) return invalid(`${what} gives "${shown(name)}" twice`)
    params.set(name, match[2] ?? match[3] as string)
    from = PARAM.lastIndex
  }
  TRAILING_SPACE.lastIndex = from
  TRAILING_SPACE.exec(value)
  if (TRAILING_SPACE.lastIndex !== value.length) {
    return invalid(`${what} is malformed at "${shown(value.slice(from))}" (parameters are name=token or name="text" without backslash escapes)`)
  }
  return params
}

/**
 * The delimiter (`--` and the boundary) of a multipart/form-data Content-Type: 415 for another media
 * type, 400 for a missing or invalid boundary or a parameter other than `boundary` and `charset=utf-8`.
 */
export function formDelimiter (contentType: string | undefined): Buffer | Error {
  MEDIA_TYPE.lastIndex = 0
  if (contentType === undefined || !MEDIA_TYPE.test(contentType)) {
    return new MediaTypeUnsupportedError(FORM_MEDIA_TYPE, shown(contentType ?? 'a body without Content-Type'))
  }
  const params = parameters(contentType, MEDIA_TYPE.lastIndex, 'the Content-Type')
  if (params instanceof Error) return params
  let boundary: string | undefined
  for (const [name, value] of params) {
    if (name === 'boundary') boundary = value
    else if (name !== 'charset' || !UTF8.test(value)) return invalid(`the Content-Type parameter ${shown(name)}=${shown(value)} is not accepted (only boundary, and charset=utf-8)`)
  }
  if (boundary === undefined) return invalid('the Content-Type has no boundary')
  if (boundary.length === 0 || boundary.length > MAX_BOUNDARY) return invalid(`the boundary must be 1 to ${MAX_BOUNDARY} characters`)
  if (!BOUNDARY_CHARS.test(boundary)) return invalid(`the boundary "${shown(boundary)}" has characters RFC 2046 does not allow`)
  return Buffer.from(`--${boundary}`, 'latin1')
}

interface PartHead {
  readonly name: string
  readonly file: boolean
  readonly contentType: string | undefined
}

/** A part's header lines (CRLF-separated, no bare CR or LF): its Content-Disposition name and whether it is a file. */
function partHead (headers: string): PartHead | Error {
  let disposition: string | undefined
  let contentType: string | undefined
  for (const line of headers.split('\r\n')) {
    if (line.includes('\r') || line.includes('\n')) return invalid('a part header line ends with a bare CR or LF, not CRLF')
    const match = hasControl(line) ? null : HEADER_LINE.exec(line)
    if (match === null) return invalid(`the part header line "${shown(line)}" is malformed`)
    const name = (match[1] as string).toLowerCase()
    const value = match[2] as string
    if (name === 'content-transfer-encoding') return invalid('a part has a Content-Transfer-Encoding (RFC 7578 deprecates it; send the bytes as they are)')
    if (name === 'content-disposition') {
      if (disposition !== undefined) return invalid('a part has two Content-Disposition headers')
      disposition = value
    } else if (name === 'content-type') {
      if (contentType !== undefined) return invalid('a part has two Content-Type headers')
      contentType = value
    }
  }
  DISPOSITION.lastIndex = 0
  if (disposition === undefined || !DISPOSITION.test(disposition)) return invalid('a part has no Content-Disposition: form-data')
  const params = parameters(disposition, DISPOSITION.lastIndex, 'a Content-Disposition')
  if (params instanceof Error) return params
  for (const key of params.keys()) {
    if (key.includes('*') && key !== 'filename*') return invalid(`a Content-Disposition parameter ${shown(key)} is RFC 2231 encoding, which is not accepted`)
  }
  const name = params.get('name')
  if (name === undefined) return invalid('a part has no name')
  return { name, file: params.has('filename') || params.has('filename*'), contentType }
}

/**
 * The values of the `wanted` text fields of a form whose parts `delimiter` separates (from
 * formDelimiter), each at most `maxChars` characters of UTF-8; absent fields are absent. The body must
 * be exactly: the delimiter, CRLF, a part, (CRLF delimiter CRLF part)*, CRLF delimiter "--", an
 * optional CRLF. A wanted field given twice, or as a file, is refused.
 */
export function readFormFields (body: Buffer, delimiter: Buffer, wanted: readonly string[], maxChars: number): Map<string, string> | Error {
  if (delimiter.compare(body, 0, delimiter.length) !== 0) return invalid('the body does not start with the boundary delimiter (a preamble is not accepted)')
  const fields = new Map<string, string>()
  let at = delimiter.length
  for (let parts = 0; ; parts++) {
    if (body[at] === DASH && body[at + 1] === DASH) {
      const rest = body.length - at - 2
      if (rest !== 0 && (rest !== 2 || body[at + 2] !== CR || body[at + 3] !== LF)) return invalid('bytes follow the closing delimiter (an epilogue is not accepted)')
      if (parts === 0) return invalid('the form has no parts')
      return fields
    }
    if (body[at] !== CR || body[at + 1] !== LF) {
      return invalid(at >= body.length ? 'the closing delimiter is missing' : 'a delimiter is followed by something other than CRLF or "--" (transport padding is not accepted)')
    }
    const start = at + 2
    if (body[start] === CR && body[start + 1] === LF) return invalid('a part has no Content-Disposition: form-data')
    const headersEnd = body.indexOf(HEADERS_END, start)
    const next = body.indexOf(delimiter, start)
    if (next === -1) return invalid('the closing delimiter is missing')
    if (headersEnd === -1 || next < headersEnd) return invalid('a part\'s headers do not end with an empty line before the next delimiter')
    const contentStart = headersEnd + HEADERS_END.length
    if (next < contentStart + 2 || body[next - 2] !== CR || body[next - 1] !== LF) return invalid('the boundary appears inside a part')
    const head = partHead(body.toString('latin1', start, headersEnd))
    if (head instanceof Error) return head
    if (wanted.includes(head.name)) {
      const field = head.name
      if (fields.has(field)) return invalid(`the field "${field}" is given twice`)
      if (head.file) return invalid(`the field "${field}" has a filename: it must be a text field`)
      if (head.contentType !== undefined && !FIELD_TYPE.test(head.contentType)) return invalid(`the field "${field}" has Content-Type "${shown(head.contentType)}" (text/plain in UTF-8 only)`)
      const value = fieldValue(body.subarray(contentStart, next - 2), maxChars)
      if (value === undefined) return invalid(`the field "${field}" is not UTF-8 text of at most ${maxChars} characters`)
      fields.set(field, value)
    }
    at = next + delimiter.length
  }
}

function fieldValue (bytes: Buffer, maxChars: number): string | undefined {
  // A UTF-8 character takes at most 4 bytes: a longer value is too long without decoding it.
  if (bytes.length > maxChars * 4) return undefined
  try {
    const value = decoder.decode(bytes)
    return value.length > maxChars ? undefined : value
  } catch {
    return undefined
  }
}
