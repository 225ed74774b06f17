/**
 * Canonical request targets. Backends disagree with each other (and with us) about decoding,
 * dot segments, `//`, `;` and backslashes (Triton matches the raw path, TorchServe decodes it,
 * vLLM's auth once saw a different path than its router), so anything with more than one reading is
 * refused before routing or authentication. What passes is forwarded byte for byte.
 * @module
 */

const SLASH = 0x2f
const PERCENT = 0x25
const QUESTION = 0x3f
const DOT = 0x2e

// Path characters RFC 3986 allows (pchar and "/"), minus ";" (path parameters are read differently
// by different servers) and "%" (checked on its own).
const PATH_CHAR = new Uint8Array(128)
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&\'()*+,=:@/') {
  PATH_CHAR[c.charCodeAt(0)] = 1
}
// Query characters: printable ASCII but "#" (a fragment never belongs in a request target).
const QUERY_CHAR = new Uint8Array(128)
for (let c = 0x21; c < 0x7f; c++) QUERY_CHAR[c] = c === 0x23 ? 0 : 1

function hexValue (code: number, upperOnly: boolean): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30
  if (code >= 0x41 && code <= 0x46) return code - 0x37
  if (!upperOnly && code >= 0x61 && code <= 0x66) return code - 0x57
  return -1
}

function isUnreserved (byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) ||
    byte === 0x2d || byte === DOT || byte === 0x5f || byte === 0x7e
}

function describeEncoded (byte: number): string | undefined {
  if (byte === SLASH) return 'encoded "/"'
  if (byte === 0x5c) return 'encoded "\\"'
  if (byte === PERCENT) return 'encoded "%" (double encoding)'
  if (byte < 0x20 || byte === 0x7f) return 'encoded control character'
  if (isUnreserved(byte)) return 'percent-encoded unreserved character'
  return undefined
}

function describeRaw (code: number): string {
  if (code === 0) return 'NUL'
  if (code < 0x20 || code === 0x7f) return 'control character'
  if (code === 0x20) return 'space'
  if (code > 0x7f) return 'non-ASCII character'
  if (code === 0x5c) return 'backslash'
  if (code === 0x3b) return '";" parameter'
  if (code === 0x23) return 'fragment'
  return `character "${String.fromCharCode(code)}"`
}

function segmentProblem (target: string, start: number, end: number): string | undefined {
  const length = end - start
  if (length === 0) return 'empty path segment'
  if (target.charCodeAt(start) === DOT && (length === 1 || (length === 2 && target.charCodeAt(start + 1) === DOT))) {
    return 'dot segment'
  }
  return undefined
}

/**
 * Why `target` (the raw request target) is not a canonical origin-form path, or `undefined` when it is.
 * Refused: other forms (absolute, asterisk, authority), empty and dot segments, percent-encoded
 * unreserved characters, `/`, `\`, `%` or controls, lower-case or malformed escapes, backslashes,
 * `;`, controls, spaces, non-ASCII and targets over `maxBytes`.
 */
export function requestTargetProblem (target: string, maxBytes: number): string | undefined {
  if (target.length > maxBytes) return `longer than ${maxBytes} bytes`
  if (target.charCodeAt(0) !== SLASH) return 'not an origin-form path'
  let segmentStart = 1
  let i = 1
  for (; i < target.length; i++) {
    const code = target.charCodeAt(i)
    if (code === QUESTION) break
    if (code === SLASH) {
      const problem = segmentProblem(target, segmentStart, i)
      if (problem !== undefined) return problem
      segmentStart = i + 1
    } else if (code === PERCENT) {
      const high = hexValue(target.charCodeAt(i + 1), true)
      const low = hexValue(target.charCodeAt(i + 2), true)
      if (high < 0 || low < 0) return 'malformed or lower-case percent escape'
      const problem = describeEncoded(high * 16 + low)
      if (problem !== undefined) return problem
      i += 2
    } else if (code >= 128 || PATH_CHAR[code] !== 1) {
      return describeRaw(code)
    }
  }
  // "/" alone is the root; any other path must not end in an empty segment.
  if (i > 1) {
    const problem = segmentProblem(target, segmentStart, i)
    if (problem !== undefined) return problem
  }
  for (i++; i < target.length; i++) {
    const code = target.charCodeAt(i)
    if (code === PERCENT) {
      if (hexValue(target.charCodeAt(i + 1), false) < 0 || hexValue(target.charCodeAt(i + 2), false) < 0) {
        return 'malformed percent escape in the query'
      }
      i += 2
    } else if (code >= 128 || QUERY_CHAR[code] !== 1) {
      return `${describeRaw(code)} in the query`
    }
  }
  return undefined
}

/** Length of the path part of a canonical target (the index of "?" or the end). */
export function pathLength (target: string): number {
  const query = target.indexOf('?')
  return query === -1 ? target.length : query
}
