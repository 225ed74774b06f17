/**
 * Request headers by which a client would speak for a proxy in front of the backend (its address, the
 * original URL, method or scheme, the user), as data.
 * @module
 */

/** One family of docs/security.md's header list. */
interface Family {
  readonly names?: readonly string[]
  /** Every name that starts with one of these. */
  readonly prefixes?: readonly string[]
}

/** Lower-case. Names with `_` are dropped besides (see `underscored`). */
const CLIENT_PROXY_HEADERS: readonly Family[] = [
  // proxy headers: only the gateway sets them
  {
    names: ['forwarded'],
    prefixes: ['x-forwarded-']
  },
  // client address claims, read by IP allowlists and logs
  {
    names: [
      'x-real-ip', 'true-client-ip', 'cf-connecting-ip', 'fastly-client-ip', 'x-client-ip',
      'x-cluster-client-ip', 'client-ip', 'x-original-forwarded-for', 'x-proxyuser-ip', 'x-remote-ip',
      'x-remote-addr', 'x-originating-ip'
    ]
  },
  // URL rewrites: the backend would route on a path the gateway never checked
  {
    names: ['x-original-url', 'x-original-uri', 'x-rewrite-url', 'x-original-host', 'x-host']
  },
  // scheme claims
  {
    names: ['x-scheme', 'x-url-scheme', 'front-end-https']
  },
  // user claims, which auth proxies (oauth2-proxy, Envoy ext_authz) set for the backend to trust;
  // Envoy's own request headers (a sidecar next to the backend would obey them)
  {
    names: ['x-remote-user', 'remote-user', 'x-auth-request-user', 'x-auth-request-email', 'x-user', 'x-authenticated-user'],
    prefixes: ['x-envoy-']
  },
  // method overrides: the backend would run a method the gateway never checked
  {
    names: ['x-http-method-override', 'x-http-method', 'x-method-override', 'x-original-method']
  }
]

/** The exact names of `CLIENT_PROXY_HEADERS`, for one Set lookup with the other names never forwarded. */
export const CLIENT_PROXY_NAMES: readonly string[] = CLIENT_PROXY_HEADERS.flatMap(family => family.names ?? [])
const PREFIXES: readonly string[] = CLIENT_PROXY_HEADERS.flatMap(family => family.prefixes ?? [])

/** True for a lower-case name under a prefix of `CLIENT_PROXY_HEADERS`. */
export function proxyPrefixed (name: string): boolean {
  for (const prefix of PREFIXES) if (name.startsWith(prefix)) return true
  return false
}

/**
 * Names with `_` never pass (nginx's `underscores_in_headers off`): WSGI and ASGI servers read
 * `X_Api_Key` as `X-Api-Key`, so it would smuggle any name past a list of dash spellings.
 */
export const underscored = (name: string): boolean => name.includes('_')
