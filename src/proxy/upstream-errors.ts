/** Transport failures before a response started, as the JSON error the client gets. */
import {
  UpstreamBadResponseError, UpstreamTimeoutError, UpstreamUnreachableError, UpstreamUnresolvableError
} from '../errors.js'

type ErrorFactory = (upstream: string) => Error

const BY_CODE: Readonly<Record<string, ErrorFactory>> = {
  ECONNREFUSED: name => new UpstreamUnreachableError(name),
  ECONNRESET: name => new UpstreamUnreachableError(name),
  EPIPE: name => new UpstreamUnreachableError(name),
  EHOSTUNREACH: name => new UpstreamUnreachableError(name),
  ENETUNREACH: name => new UpstreamUnreachableError(name),
  UND_ERR_SOCKET: name => new UpstreamUnreachableError(name),
  UND_ERR_CLOSED: name => new UpstreamUnreachableError(name),
  ENOTFOUND: name => new UpstreamUnresolvableError(name),
  EAI_AGAIN: name => new UpstreamUnresolvableError(name),
  UND_ERR_CONNECT_TIMEOUT: name => new UpstreamTimeoutError(name),
  UND_ERR_HEADERS_TIMEOUT: name => new UpstreamTimeoutError(name),
  ETIMEDOUT: name => new UpstreamTimeoutError(name)
}

export function upstreamError (err: unknown, upstream: string): Error {
  const code = (err as { code?: unknown }).code
  const factory = typeof code === 'string' ? BY_CODE[code] : undefined
  return factory === undefined ? new UpstreamBadResponseError(upstream) : factory(upstream)
}
