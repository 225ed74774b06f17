import { connectionListed, HOP_BY_HOP } from '../lib/hop-by-hop.js'

type Headers = Record<string, string | string[] | undefined>

const NEVER_RELAYED: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP,
  // the backend's software and version: the client talks to the gateway, which names none
  'server',
  // a challenge and its answer for the proxy hop next to the backend, never the client's (RFC 9110 11.7)
  'proxy-authenticate', 'proxy-authentication-info'
])
// The gateway's `cors` is the only CORS policy: vLLM, for one, allows every origin by default.
const UPSTREAM_CORS = 'access-control-'

/**
 * The backend's response headers as the client gets them: hop-by-hop headers, `Server`, the
 * proxy-authentication headers and Access-Control-* removed (in place; the object is the gateway's
 * own), everything else (Content-Type, Content-Encoding, Content-Length,
 * Inference-Header-Content-Length …) untouched.
 */
export function clientResponseHeaders (headers: Headers): Headers {
  const listed = connectionListed(headers['connection'])
  for (const name of Object.keys(headers)) {
    if (NEVER_RELAYED.has(name) || listed?.has(name) === true || name.startsWith(UPSTREAM_CORS)) delete headers[name]
  }
  return headers
}

/**
 * `headers` with the ones the gateway set on the reply (RateLimit-*, CORS) over them: the gateway's
 * own word wins, except `Vary`, which lists what both responses depend on.
 */
export function withGatewayHeaders (headers: Headers, own: Record<string, string | number | string[] | undefined>): Headers {
  for (const name in own) {
    const value = own[name] as string | string[]
    const upstream = headers[name]
    headers[name] = name === 'vary' && upstream !== undefined ? `${String(upstream)}, ${String(value)}` : value
  }
  return headers
}
