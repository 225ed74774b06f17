// hostname (RFC 1123 labels; "_" tolerated for internal names) or a bracketed IPv6 literal, then an
// optional port. Anything else ("/", "?", "#", "@", spaces) once let a client shift the path that vLLM's
// auth middleware saw (CVE-2026-48746); the backend never sees the client's Host anyway.
const HOST = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/

/**
 * Whether a Host header value is `hostname[:port]`. Absent, it is valid only where `optional`
 * (HTTP/1.0); HTTP/1.1 requires it (RFC 9112 3.2), and node's own check is off so that this one
 * answers in the gateway's error shape.
 */
export function isValidHost (host: string | undefined, optional: boolean): boolean {
  return host === undefined ? optional : host.length <= 261 && HOST.test(host)
}

/**
 * Whether the request has more than one Host line (RFC 9112 3.2: answer 400). Node keeps only the
 * first in `headers.host`, so the raw list is counted.
 */
export function hasRepeatedHost (rawHeaders: readonly string[]): boolean {
  let seen = false
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    if (name.length === 4 && name.toLowerCase() === 'host') {
      if (seen) return true
      seen = true
    }
  }
  return false
}
