/** Which refusals are audit events, and the upstream failure kinds, by error code. */
const AUDIT_EVENTS: Readonly<Record<string, string>> = {
  IG_ERR_UNAUTHENTICATED: 'auth.failure',
  IG_ERR_AUTH_UNAVAILABLE: 'auth.failure',
  IG_ERR_ROUTE_NOT_ALLOWED: 'route.refused',
  IG_ERR_MODEL_NOT_ALLOWED: 'scope.refused',
  IG_ERR_PATH_NONCANONICAL: 'request.refused',
  IG_ERR_HOST_INVALID: 'request.refused',
  IG_ERR_ORIGIN_NOT_ALLOWED: 'cors.refused',
  IG_ERR_FRAMING: 'request.refused',
  IG_ERR_REQUEST_TIMEOUT: 'request.refused',
  IG_ERR_BAD_REQUEST: 'request.refused',
  IG_ERR_HEADERS_TOO_LARGE: 'request.refused',
  IG_ERR_EXPECTATION_FAILED: 'request.refused',
  IG_ERR_RATE_LIMITED: 'rate.limited',
  IG_ERR_CONCURRENCY_LIMITED: 'rate.limited',
  IG_ERR_TOKEN_LIMITED: 'rate.limited',
  IG_ERR_TOKEN_REQUEST_TOO_LARGE: 'rate.limited',
  IG_ERR_GUARD_REFUSED: 'guard.refused',
  IG_ERR_GUARD_UNCHECKABLE: 'guard.refused'
}

const UPSTREAM_ERROR_KINDS: Readonly<Record<string, string>> = {
  IG_ERR_UPSTREAM_UNREACHABLE: 'unreachable',
  IG_ERR_UPSTREAM_UNRESOLVABLE: 'unresolvable',
  IG_ERR_UPSTREAM_TIMEOUT: 'timeout',
  IG_ERR_UPSTREAM_BAD_RESPONSE: 'bad_response',
  IG_ERR_UPSTREAM_UPGRADE: 'upgrade'
}

export function auditEventFor (code: string | undefined): string | undefined {
  return code === undefined ? undefined : AUDIT_EVENTS[code]
}

export function upstreamErrorKind (code: string | undefined): string | undefined {
  return code === undefined ? undefined : UPSTREAM_ERROR_KINDS[code]
}
