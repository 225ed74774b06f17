/** Transport failures before a response started, as the JSON error the client gets. */
import {
  UpstreamBadResponseError, UpstreamTimeoutError, UpstreamUnreachableError, UpstreamUnresolvableError,
  UpstreamUpgradeError
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

// undici destroys the socket of a response it will not take with a SocketError, the code of a reset
// too; the message tells which: a 101 (with Upgrade) to a request that asked for none, a 100 to one
// without Expect.
const SOCKET_ERRORS_BY_MESSAGE: ReadonlyMap<unknown, ErrorFactory> = new Map<string, ErrorFactory>([
  ['bad upgrade', name => new UpstreamUpgradeError(name)],
  ['bad response', name => new UpstreamBadResponseError(name)]
])

export function upstreamError (err: unknown, upstream: string): Error {
  const { code, message } = err as { code?: unknown, message?: unknown }
  const factory = (code === 'UND_ERR_SOCKET' ? SOCKET_ERRORS_BY_MESSAGE.get(message) : undefined) ??
    (typeof code === 'string' ? BY_CODE[code] : undefined)
  return factory === undefined ? new UpstreamBadResponseError(upstream) : factory(upstream)
}
