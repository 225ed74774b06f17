/**
 * Every error infergate answers with or exits on, as one table: status, whether retrying can help
 * (it drives `Retry-After`), the audit event a refusal writes, the upstream failure kind, and the
 * `type` each client envelope gives it (src/server/error-envelope.ts). Codes are part of the public
 * contract: they appear in error bodies, logs and metrics, so a code MUST NOT be reused for another
 * meaning once released. docs/errors.md is rendered from these tables (`npm run docs`).
 *
 * Refusals are created without a stack trace: they are expected outcomes on hot paths (a flood of
 * bad keys must not cost a stack capture each).
 * @module
 */
import createError, { type FastifyErrorConstructor } from '@fastify/error'

const SHOWN_CHARS = 64

function escaped (code: number): string | undefined {
  if (code === 0x22 || code === 0x5c) return `\\${String.fromCharCode(code)}`
  // Controls, and the zero-width, line and bidi formatting characters that can garble or disguise a
  // line shown in a terminal or a log viewer.
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x2028 && code <= 0x202e) || (code >= 0x2060 && code <= 0x206f) || code === 0xfeff) {
    return `\\u${code.toString(16).padStart(4, '0')}`
  }
  return undefined
}

/**
 * Client input (a path, a model name, a header) as an error message may show it: quotes, backslashes
 * and invisible characters escaped, and at most 64 characters of that. Callers pass a path without its
 * query string.
 */
export function shown (input: string): string {
  let text = ''
  for (let i = 0; i < input.length; i++) {
    const piece = escaped(input.charCodeAt(i)) ?? input[i] as string
    if (text.length + piece.length > SHOWN_CHARS) return `${text}…`
    text += piece
  }
  return text
}

/** How each client family names the kind of error (`e.type` in the OpenAI and Anthropic SDKs). */
export interface ErrorKind {
  readonly openai: string
  readonly anthropic: string
}

const INVALID: ErrorKind = { openai: 'invalid_request_error', anthropic: 'invalid_request_error' }
const TOO_LARGE: ErrorKind = { openai: 'invalid_request_error', anthropic: 'request_too_large' }
const UNAUTHENTICATED: ErrorKind = { openai: 'authentication_error', anthropic: 'authentication_error' }
const FORBIDDEN: ErrorKind = { openai: 'permission_error', anthropic: 'permission_error' }
const NOT_FOUND: ErrorKind = { openai: 'not_found_error', anthropic: 'not_found_error' }
const RATE_LIMITED: ErrorKind = { openai: 'rate_limit_error', anthropic: 'rate_limit_error' }
const SERVER: ErrorKind = { openai: 'server_error', anthropic: 'api_error' }
const UNAVAILABLE: ErrorKind = { openai: 'server_error', anthropic: 'overloaded_error' }
const TIMEOUT: ErrorKind = { openai: 'timeout_error', anthropic: 'timeout_error' }

export type AuditEvent =
  | 'auth.failure' | 'route.refused' | 'scope.refused' | 'request.refused' | 'cors.refused' | 'rate.limited' | 'guard.refused'

export interface HttpErrorSpec {
  /** The HTTP status; 0 for a connection closed unanswered. */
  readonly status: number
  /** A `util.format` template; client input in it is bounded and escaped by the caller. */
  readonly message: string
  readonly kind: ErrorKind
  /** The same request may succeed later: the answer carries `Retry-After`. Otherwise it never does. */
  readonly retryable: boolean
  readonly audit?: AuditEvent
  /** `infergate_upstream_errors_total{kind}` for failures of the upstream. */
  readonly upstream?: string
  /** The request field it is about, for the OpenAI envelope's `param`. */
  readonly param?: string
  /** A body may still be arriving: the connection cannot be reused for another request. */
  readonly closesConnection?: boolean
  /** When it happens, for docs/errors.md. */
  readonly when: string
}

export const HTTP_ERRORS = {
  // Request target, framing and headers
  IG_ERR_BAD_REQUEST: { status: 400, message: 'malformed HTTP request', kind: INVALID, retryable: false, audit: 'request.refused', when: 'malformed HTTP (from the parser), or a request the framework refused' },
  IG_ERR_PATH_NONCANONICAL: { status: 400, message: 'request target is not a canonical path: %s', kind: INVALID, retryable: false, audit: 'request.refused', when: 'request target not canonical (docs/security.md)' },
  IG_ERR_HOST_INVALID: { status: 400, message: 'Host header must be one hostname[:port]', kind: INVALID, retryable: false, audit: 'request.refused', when: 'missing, bad or repeated Host' },
  IG_ERR_FRAMING: { status: 400, message: 'request framing is refused: %s', kind: INVALID, retryable: false, audit: 'request.refused', closesConnection: true, when: 'HTTP version other than 1.0/1.1, Transfer-Encoding on HTTP/1.0 or other than a lone `chunked`' },
  IG_ERR_EXPECTATION_FAILED: { status: 417, message: 'the only Expect supported is 100-continue', kind: INVALID, retryable: false, audit: 'request.refused', closesConnection: true, when: 'an `Expect` other than `100-continue`' },
  IG_ERR_TOO_MANY_CONNECTIONS: { status: 0, message: 'too many connections from this address', kind: UNAVAILABLE, retryable: true, when: 'a connection over `server.maxConnectionsPerClient` from one address: closed as it is accepted, unanswered (counted only)' },
  IG_ERR_HEADERS_TOO_LARGE: { status: 431, message: 'request headers exceed the limit', kind: TOO_LARGE, retryable: false, audit: 'request.refused', when: 'headers over `limits.headerBytes`' },
  IG_ERR_REQUEST_TIMEOUT: { status: 408, message: 'the request was not received in time', kind: TIMEOUT, retryable: true, audit: 'request.refused', closesConnection: true, when: 'headers not complete within `server.headersTimeout`, or the whole request within `server.requestTimeout`' },
  // Bodies
  IG_ERR_BODY_NOT_ALLOWED: { status: 400, message: '%s requests must not carry a body', kind: INVALID, retryable: false, closesConnection: true, when: 'a body on a GET route' },
  IG_ERR_BODY_INVALID: { status: 400, message: 'request body is invalid: %s', kind: INVALID, retryable: false, closesConnection: true, when: 'JSON body unreadable, not an object, or a key given twice' },
  IG_ERR_BODY_TOO_LARGE: { status: 413, message: 'request body exceeds %d bytes', kind: TOO_LARGE, retryable: false, closesConnection: true, when: "body over the upstream's `limits.bodyBytes` (or the global one)" },
  IG_ERR_MEDIA_TYPE: { status: 415, message: 'this route takes %s, not %s', kind: INVALID, retryable: false, closesConnection: true, when: 'JSON route without a JSON content type, form route (audio) without `multipart/form-data`, either with a Content-Encoding' },
  IG_ERR_FORM_INVALID: { status: 400, message: 'multipart form is invalid: %s', kind: INVALID, retryable: false, closesConnection: true, when: 'a multipart form with more than one reading (Security model): bad boundary, preamble, epilogue, bare LF, `name*=`, `model` twice or with a filename, …' },
  IG_ERR_MODEL_REQUIRED: { status: 400, message: 'request body must name a "model" (a string)', kind: INVALID, retryable: false, param: 'model', when: 'a JSON body or form naming no model' },
  // Identity and access
  IG_ERR_UNAUTHENTICATED: { status: 401, message: '%s', kind: UNAUTHENTICATED, retryable: false, audit: 'auth.failure', when: 'missing, malformed, unknown, expired or revoked credential; invalid token' },
  IG_ERR_AUTH_UNAVAILABLE: { status: 503, message: "the token issuer's keys cannot be fetched; try again later", kind: UNAVAILABLE, retryable: true, audit: 'auth.failure', when: "no JWKS could be fetched yet for the token's issuer" },
  IG_ERR_ROUTE_NOT_ALLOWED: { status: 404, message: 'no inference route %s %s', kind: NOT_FOUND, retryable: false, audit: 'route.refused', when: "route not on the framework's allowlist (also a CORS preflight for one)" },
  IG_ERR_ORIGIN_NOT_ALLOWED: { status: 403, message: 'this origin is not allowed by cors.origins', kind: FORBIDDEN, retryable: false, audit: 'cors.refused', when: 'a CORS preflight from an origin not in `cors.origins`' },
  IG_ERR_MODEL_NOT_ALLOWED: { status: 403, message: 'model "%s" is not allowed for this identity', kind: FORBIDDEN, retryable: false, param: 'model', audit: 'scope.refused', when: "model outside the identity's scope" },
  IG_ERR_MODEL_NOT_FOUND: { status: 404, message: 'no upstream serves model "%s"', kind: NOT_FOUND, retryable: false, param: 'model', when: 'no upstream serves the model' },
  // Limits per identity (rateLimit)
  IG_ERR_RATE_LIMITED: { status: 429, message: 'more than %d requests in this window; retry in %s', kind: RATE_LIMITED, retryable: true, audit: 'rate.limited', when: 'more requests than `rateLimit.max` in the window' },
  IG_ERR_CONCURRENCY_LIMITED: { status: 429, message: 'this identity already has %d requests in flight', kind: RATE_LIMITED, retryable: true, audit: 'rate.limited', when: 'more requests in flight than `rateLimit.concurrency`' },
  IG_ERR_TOKEN_LIMITED: { status: 429, message: 'reserving %d tokens would exceed the budget of %d tokens in this window', kind: RATE_LIMITED, retryable: true, audit: 'rate.limited', when: 'the token budget of the window is spent' },
  IG_ERR_TOKEN_REQUEST_TOO_LARGE: { status: 400, message: 'this request reserves %d tokens, more than the whole budget of %d tokens per window: lower max_tokens', kind: INVALID, retryable: false, param: 'max_tokens', audit: 'rate.limited', when: "the request's `max_tokens` (or `defaultMaxTokens`) exceeds the identity's whole token budget per window" },
  IG_ERR_LIMITS_UNAVAILABLE: { status: 503, message: 'rate limits cannot be checked right now', kind: UNAVAILABLE, retryable: true, when: 'Redis unreachable with `rateLimit.redis.onError: closed`' },
  // Advisory guards (src/guards, `upstreams[].guards`)
  IG_ERR_GUARD_REFUSED: { status: 400, message: 'refused by guard %s (%s): %s', kind: INVALID, retryable: false, audit: 'guard.refused', when: 'an advisory guard refused the request (the message names the rule)' },
  IG_ERR_GUARD_UNCHECKABLE: { status: 415, message: 'the guards cannot read this body (%s); send it uncompressed', kind: INVALID, retryable: false, audit: 'guard.refused', when: 'a body the guards must read is compressed' },
  // Upstream
  IG_ERR_UPSTREAM_UNREACHABLE: { status: 502, message: 'upstream %s refused or reset the connection', kind: SERVER, retryable: true, upstream: 'unreachable', when: 'upstream refused or reset the connection' },
  IG_ERR_UPSTREAM_BAD_RESPONSE: { status: 502, message: 'upstream %s sent an invalid response', kind: SERVER, retryable: false, upstream: 'bad_response', when: 'upstream sent something unusable' },
  IG_ERR_UPSTREAM_UPGRADE: { status: 502, message: 'upstream %s switched protocols (101), which the gateway never asks for', kind: SERVER, retryable: false, upstream: 'upgrade', when: 'upstream answered 101 Switching Protocols (never tunnelled)' },
  IG_ERR_UPSTREAM_UNRESOLVABLE: { status: 503, message: 'upstream %s cannot be resolved', kind: UNAVAILABLE, retryable: true, upstream: 'unresolvable', when: 'upstream host does not resolve' },
  IG_ERR_UPSTREAM_TIMEOUT: { status: 504, message: 'upstream %s did not answer in time', kind: TIMEOUT, retryable: true, upstream: 'timeout', when: 'connect or first-byte timeout' },
  IG_ERR_SHUTTING_DOWN: { status: 503, message: 'the gateway is shutting down', kind: UNAVAILABLE, retryable: true, when: 'the gateway is draining' },
  // Anything not foreseen: the message is never shown to clients (the error is logged).
  IG_ERR_INTERNAL: { status: 500, message: 'internal error', kind: SERVER, retryable: false, when: 'a bug: the error is logged, the client sees only this' }
} as const satisfies Record<string, HttpErrorSpec>

export type HttpErrorCode = keyof typeof HTTP_ERRORS

export const EXIT_ERRORS = {
  IG_ERR_CONFIG_INVALID: { message: 'invalid configuration:\n%s', when: 'the config does not validate (every problem named)' },
  IG_ERR_CONFIG_READ: { message: 'cannot read config %s: %s', when: 'the config file cannot be read or parsed' },
  IG_ERR_LISTEN: { message: '%s cannot listen on %s: %s', when: 'the gateway or metrics listener cannot listen (port in use, permission denied, address not on this machine, host that does not resolve)' }
} as const satisfies Record<string, { message: string, when: string }>

export type ExitErrorCode = keyof typeof EXIT_ERRORS

export const isHttpErrorCode = (code: string): code is HttpErrorCode => Object.hasOwn(HTTP_ERRORS, code)

type Refusal<Args extends unknown[]> = FastifyErrorConstructor<{ code: HttpErrorCode, statusCode: number }, Args>

function refusal<Args extends unknown[] = []> (code: HttpErrorCode, stack = false): Refusal<Args> {
  const spec: HttpErrorSpec = HTTP_ERRORS[code]
  return createError<HttpErrorCode, number, Args>(code, spec.message, spec.status, undefined, stack)
}

function exitError<Args extends unknown[]> (code: ExitErrorCode): FastifyErrorConstructor<{ code: ExitErrorCode, statusCode: 1 }, Args> {
  return createError<ExitErrorCode, 1, Args>(code, EXIT_ERRORS[code].message, 1, undefined, false)
}

/** Config and CLI */
export const ConfigInvalidError = exitError<[string]>('IG_ERR_CONFIG_INVALID')
export const ConfigReadError = exitError<[string, string]>('IG_ERR_CONFIG_READ')
export const ListenError = exitError<[string, string, string]>('IG_ERR_LISTEN')

export const BadRequestError = refusal('IG_ERR_BAD_REQUEST')
export const PathNonCanonicalError = refusal<[string]>('IG_ERR_PATH_NONCANONICAL')
export const HostInvalidError = refusal('IG_ERR_HOST_INVALID')
export const ExpectationFailedError = refusal('IG_ERR_EXPECTATION_FAILED')
export const FramingInvalidError = refusal<[string]>('IG_ERR_FRAMING')
export const HeadersTooLargeError = refusal('IG_ERR_HEADERS_TOO_LARGE')
export const RequestTimeoutError = refusal('IG_ERR_REQUEST_TIMEOUT')
export const BodyNotAllowedError = refusal<[string]>('IG_ERR_BODY_NOT_ALLOWED')
export const BodyInvalidError = refusal<[string]>('IG_ERR_BODY_INVALID')
export const BodyTooLargeError = refusal<[number]>('IG_ERR_BODY_TOO_LARGE')
export const MediaTypeUnsupportedError = refusal<[string, string]>('IG_ERR_MEDIA_TYPE')
export const FormInvalidError = refusal<[string]>('IG_ERR_FORM_INVALID')
export const ModelRequiredError = refusal('IG_ERR_MODEL_REQUIRED')
export const UnauthenticatedError = refusal<[string]>('IG_ERR_UNAUTHENTICATED')
export const AuthUnavailableError = refusal('IG_ERR_AUTH_UNAVAILABLE')
export const RouteNotAllowedError = refusal<[string, string]>('IG_ERR_ROUTE_NOT_ALLOWED')
export const OriginNotAllowedError = refusal('IG_ERR_ORIGIN_NOT_ALLOWED')
export const ModelNotAllowedError = refusal<[string]>('IG_ERR_MODEL_NOT_ALLOWED')
export const ModelNotFoundError = refusal<[string]>('IG_ERR_MODEL_NOT_FOUND')
export const RateLimitedError = refusal<[number, string]>('IG_ERR_RATE_LIMITED')
export const ConcurrencyLimitedError = refusal<[number]>('IG_ERR_CONCURRENCY_LIMITED')
export const TokenLimitedError = refusal<[number, number]>('IG_ERR_TOKEN_LIMITED')
export const TokenRequestTooLargeError = refusal<[number, number]>('IG_ERR_TOKEN_REQUEST_TOO_LARGE')
export const LimitsUnavailableError = refusal('IG_ERR_LIMITS_UNAVAILABLE')
export const GuardRefusedError = refusal<[string, string, string]>('IG_ERR_GUARD_REFUSED')
export const GuardUncheckableError = refusal<[string]>('IG_ERR_GUARD_UNCHECKABLE')
export const UpstreamUnreachableError = refusal<[string]>('IG_ERR_UPSTREAM_UNREACHABLE')
export const UpstreamBadResponseError = refusal<[string]>('IG_ERR_UPSTREAM_BAD_RESPONSE')
export const UpstreamUpgradeError = refusal<[string]>('IG_ERR_UPSTREAM_UPGRADE')
export const UpstreamUnresolvableError = refusal<[string]>('IG_ERR_UPSTREAM_UNRESOLVABLE')
export const UpstreamTimeoutError = refusal<[string]>('IG_ERR_UPSTREAM_TIMEOUT')
export const ShuttingDownError = refusal('IG_ERR_SHUTTING_DOWN')
/** The unforeseen: created with a stack, which is logged; the client sees only the code. */
export const InternalError = refusal('IG_ERR_INTERNAL', true)
