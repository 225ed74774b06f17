/**
 * The headers a backend receives: the client's, minus its credentials, hop-by-hop headers, anything
 * that would let it speak for the gateway or a proxy (src/proxy/client-headers.ts), names with `_`,
 * and those the guards strip (`dropped`); plus the request id, the trace context, the client address
 * and the backend's own credential from config.
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { HeaderFilter } from '../guards/index.js'
import { CLIENT_PROXY_NAMES, proxyPrefixed, underscored } from './client-headers.js'
import { connectionListed, HOP_BY_HOP } from '../lib/hop-by-hop.js'
import type { Upstream } from '../exchange/upstream.js'

const NEVER_FORWARDED: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP,
  // the client's credentials are for the gateway alone
  'authorization', 'x-api-key', 'proxy-authorization', 'cookie',
  // the backend gets its own Host; the body is re-framed with our Content-Length
  'host', 'content-length', 'expect',
  // set by the gateway: the request id and the trace context are forwarded only once checked
  'x-request-id', 'traceparent', 'tracestate', ...CLIENT_PROXY_NAMES
])

/** `[name, value, …]` for undici; repeated client headers stay repeated. */
export function upstreamRequestHeaders (
  raw: IncomingMessage, upstream: Upstream, requestId: string, contentLength: number | undefined,
  traceparent: string, tracestate: string | undefined, dropped: HeaderFilter | undefined
): string[] {
  const listed = connectionListed(raw.headers.connection)
  const rawHeaders = raw.rawHeaders
  const headers: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase()
    if (
      NEVER_FORWARDED.has(name) || underscored(name) || proxyPrefixed(name) ||
      upstream.configuredHeaderNames.has(name) || listed?.has(name) === true || dropped?.(name) === true
    ) continue
    headers.push(name, rawHeaders[i + 1] as string)
  }
  headers.push('x-request-id', requestId, 'x-forwarded-proto', 'http')
  const address = raw.socket.remoteAddress
  if (address !== undefined) headers.push('x-forwarded-for', address)
  if (contentLength !== undefined) headers.push('content-length', String(contentLength))
  headers.push('traceparent', traceparent)
  if (tracestate !== undefined) headers.push('tracestate', tracestate)
  for (const value of upstream.extraHeaders) headers.push(value)
  return headers
}
