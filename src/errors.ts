/**
 * Every error infergate answers with or exits on. Codes are part of the public contract: they appear in
 * JSON error bodies and logs, so a code MUST NOT be reused for another meaning once released.
 *
 * Refusals are created without a stack trace: they are expected outcomes on hot paths (a flood of
 * bad keys must not cost a stack capture each).
 * @module
 */
import createError from '@fastify/error'

const noStack = false

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

/** Config and CLI */
export const ConfigInvalidError = createError<'IG_ERR_CONFIG_INVALID', 1, [string]>(
  'IG_ERR_CONFIG_INVALID', 'invalid configuration:\n%s', 1)
export const ConfigReadError = createError<'IG_ERR_CONFIG_READ', 1, [string, string]>(
  'IG_ERR_CONFIG_READ', 'cannot read config %s: %s', 1)
export const ListenError = createError<'IG_ERR_LISTEN', 1, [string, string, string]>(
  'IG_ERR_LISTEN', '%s cannot listen on %s: %s', 1, undefined, noStack)

/** Request target and headers */
export const PathNonCanonicalError = createError<'IG_ERR_PATH_NONCANONICAL', 400, [string]>(
  'IG_ERR_PATH_NONCANONICAL', 'request target is not a canonical path: %s', 400, undefined, noStack)
export const HostInvalidError = createError<'IG_ERR_HOST_INVALID', 400>(
  'IG_ERR_HOST_INVALID', 'Host header must be one hostname[:port]', 400, undefined, noStack)
export const ExpectationFailedError = createError<'IG_ERR_EXPECTATION_FAILED', 417>(
  'IG_ERR_EXPECTATION_FAILED', 'the only Expect supported is 100-continue', 417, undefined, noStack)
export const BodyNotAllowedError = createError<'IG_ERR_BODY_NOT_ALLOWED', 400, [string]>(
  'IG_ERR_BODY_NOT_ALLOWED', '%s requests must not carry a body', 400, undefined, noStack)
export const BodyInvalidError = createError<'IG_ERR_BODY_INVALID', 400, [string]>(
  'IG_ERR_BODY_INVALID', 'request body is invalid: %s', 400, undefined, noStack)
export const BodyTooLargeError = createError<'IG_ERR_BODY_TOO_LARGE', 413, [number]>(
  'IG_ERR_BODY_TOO_LARGE', 'request body exceeds %d bytes', 413, undefined, noStack)
export const FramingInvalidError = createError<'IG_ERR_FRAMING', 400, [string]>(
  'IG_ERR_FRAMING', 'request framing is refused: %s', 400, undefined, noStack)
// Answered from the socket when node's headersTimeout/requestTimeout fires, or through the reply.
export const RequestTimeoutError = createError<'IG_ERR_REQUEST_TIMEOUT', 408>(
  'IG_ERR_REQUEST_TIMEOUT', 'the request was not received in time', 408, undefined, noStack)
export const MediaTypeUnsupportedError = createError<'IG_ERR_MEDIA_TYPE', 415, [string]>(
  'IG_ERR_MEDIA_TYPE', 'this route takes application/json, not %s', 415, undefined, noStack)

/** Identity and access */
export const UnauthenticatedError = createError<'IG_ERR_UNAUTHENTICATED', 401, [string]>(
  'IG_ERR_UNAUTHENTICATED', '%s', 401, undefined, noStack)
export const AuthUnavailableError = createError<'IG_ERR_AUTH_UNAVAILABLE', 503>(
  'IG_ERR_AUTH_UNAVAILABLE', 'the token issuer\'s keys cannot be fetched; try again later', 503, undefined, noStack)
export const RouteNotAllowedError = createError<'IG_ERR_ROUTE_NOT_ALLOWED', 404, [string, string]>(
  'IG_ERR_ROUTE_NOT_ALLOWED', 'no inference route %s %s', 404, undefined, noStack)
export const OriginNotAllowedError = createError<'IG_ERR_ORIGIN_NOT_ALLOWED', 403>(
  'IG_ERR_ORIGIN_NOT_ALLOWED', 'this origin is not allowed by cors.origins', 403, undefined, noStack)
export const ModelRequiredError = createError<'IG_ERR_MODEL_REQUIRED', 400>(
  'IG_ERR_MODEL_REQUIRED', 'request body must name a "model" (a string)', 400, undefined, noStack)
export const ModelNotAllowedError = createError<'IG_ERR_MODEL_NOT_ALLOWED', 403, [string]>(
  'IG_ERR_MODEL_NOT_ALLOWED', 'model "%s" is not allowed for this identity', 403, undefined, noStack)
export const ModelNotFoundError = createError<'IG_ERR_MODEL_NOT_FOUND', 404, [string]>(
  'IG_ERR_MODEL_NOT_FOUND', 'no upstream serves model "%s"', 404, undefined, noStack)

/** Upstream */
export const UpstreamUnreachableError = createError<'IG_ERR_UPSTREAM_UNREACHABLE', 502, [string]>(
  'IG_ERR_UPSTREAM_UNREACHABLE', 'upstream %s refused or reset the connection', 502, undefined, noStack)
export const UpstreamUnresolvableError = createError<'IG_ERR_UPSTREAM_UNRESOLVABLE', 503, [string]>(
  'IG_ERR_UPSTREAM_UNRESOLVABLE', 'upstream %s cannot be resolved', 503, undefined, noStack)
export const UpstreamTimeoutError = createError<'IG_ERR_UPSTREAM_TIMEOUT', 504, [string]>(
  'IG_ERR_UPSTREAM_TIMEOUT', 'upstream %s did not answer in time', 504, undefined, noStack)
export const UpstreamBadResponseError = createError<'IG_ERR_UPSTREAM_BAD_RESPONSE', 502, [string]>(
  'IG_ERR_UPSTREAM_BAD_RESPONSE', 'upstream %s sent an invalid response', 502, undefined, noStack)
// The gateway never asks for an upgrade: a 101 would turn the connection into a tunnel it cannot check.
export const UpstreamUpgradeError = createError<'IG_ERR_UPSTREAM_UPGRADE', 502, [string]>(
  'IG_ERR_UPSTREAM_UPGRADE', 'upstream %s switched protocols (101), which the gateway never asks for', 502, undefined, noStack)
export const ShuttingDownError = createError<'IG_ERR_SHUTTING_DOWN', 503>(
  'IG_ERR_SHUTTING_DOWN', 'the gateway is shutting down', 503, undefined, noStack)

/** Anything not foreseen: the message is never shown to clients. */
export const InternalError = createError<'IG_ERR_INTERNAL', 500>(
  'IG_ERR_INTERNAL', 'internal error', 500)

/** Limits per identity (rateLimit) */
export const RateLimitedError = createError<'IG_ERR_RATE_LIMITED', 429, [number, string]>(
  'IG_ERR_RATE_LIMITED', 'more than %d requests in this window; retry in %s', 429, undefined, noStack)
export const ConcurrencyLimitedError = createError<'IG_ERR_CONCURRENCY_LIMITED', 429, [number]>(
  'IG_ERR_CONCURRENCY_LIMITED', 'this identity already has %d requests in flight', 429, undefined, noStack)
export const TokenLimitedError = createError<'IG_ERR_TOKEN_LIMITED', 429, [number, number]>(
  'IG_ERR_TOKEN_LIMITED', 'reserving %d tokens would exceed the budget of %d tokens in this window', 429, undefined, noStack)
// Not a 429: no Retry-After would ever make it fit, and SDKs retry 429s.
export const TokenRequestTooLargeError = createError<'IG_ERR_TOKEN_REQUEST_TOO_LARGE', 400, [number, number]>(
  'IG_ERR_TOKEN_REQUEST_TOO_LARGE', 'this request reserves %d tokens, more than the whole budget of %d tokens per window: lower max_tokens', 400, undefined, noStack)
export const LimitsUnavailableError = createError<'IG_ERR_LIMITS_UNAVAILABLE', 503>(
  'IG_ERR_LIMITS_UNAVAILABLE', 'rate limits cannot be checked right now', 503, undefined, noStack)

/** Advisory guards (src/guards, `upstreams[].guards`) */
export const GuardRefusedError = createError<'IG_ERR_GUARD_REFUSED', 400, [string, string, string]>(
  'IG_ERR_GUARD_REFUSED', 'refused by guard %s (%s): %s', 400, undefined, noStack)
export const GuardUncheckableError = createError<'IG_ERR_GUARD_UNCHECKABLE', 415, [string]>(
  'IG_ERR_GUARD_UNCHECKABLE', 'the guards cannot read this body (%s); send it uncompressed', 415, undefined, noStack)
