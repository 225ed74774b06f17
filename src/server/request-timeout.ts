/**
 * Slow clients. node's HTTP server enforces `server.headersTimeout` (request line and headers) and
 * `server.requestTimeout` (the whole request, body included, from its first byte); both are checked
 * every `connectionsCheckingInterval`, which is set here to a fraction of the smaller bound so a
 * request is cut within a second of it rather than within node's default 30 s. The expiry reaches
 * the gateway as a client error: a request the gateway already holds is answered 408 through its
 * reply (so it is logged and counted like any refusal) and its upstream exchange aborted, since its
 * body will never be complete; a request still in its headers gets a raw 408; where a response has
 * started, the socket is cut.
 * @module
 */
import type { Socket } from 'node:net'
import { RequestTimeoutError } from '../errors.js'
import type { GatewayMetrics } from '../observability/metrics.js'
import type { RequestContext } from './request-context.js'

// Bounds on how often node walks the connections still receiving a request: a check each second is
// precise enough for timeouts of seconds; shorter (test-sized) timeouts are checked at a quarter of
// their length, never more often than this floor.
const MAX_CHECK_MS = 1000
const MIN_CHECK_MS = 50
// How long a refused socket may take to flush its 408 before it is destroyed regardless.
const LINGER_MS = 1000

const TIMEOUT_CODE = 'IG_ERR_REQUEST_TIMEOUT'
const TIMEOUT_BODY = JSON.stringify({ error: { code: TIMEOUT_CODE, message: new RequestTimeoutError().message } })
const TIMEOUT_RESPONSE = 'HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\n' +
  `Content-Length: ${Buffer.byteLength(TIMEOUT_BODY)}\r\nConnection: close\r\n\r\n${TIMEOUT_BODY}`

/** node's `connectionsCheckingInterval` for these bounds (0 = that bound is off). */
export function checkingIntervalMs (headersTimeoutMs: number, requestTimeoutMs: number): number {
  const bounds = [headersTimeoutMs, requestTimeoutMs].filter(ms => ms > 0)
  if (bounds.length === 0) return MAX_CHECK_MS
  return Math.min(MAX_CHECK_MS, Math.max(MIN_CHECK_MS, Math.floor(Math.min(...bounds) / 4)))
}

const IN_FLIGHT = Symbol('infergate.request')
interface TrackedSocket extends Socket {
  [IN_FLIGHT]?: RequestContext | undefined
}

/** Records the request being received on its socket (the latest one, with pipelining), until it ends. */
export function trackRequest (context: RequestContext): void {
  const socket = context.request.raw.socket as TrackedSocket | null
  if (socket !== null) socket[IN_FLIGHT] = context
}

export function untrackRequest (context: RequestContext): void {
  const socket = context.request.raw.socket as TrackedSocket | null
  if (socket !== null && socket[IN_FLIGHT] === context) socket[IN_FLIGHT] = undefined
}

/** The request the gateway holds on `socket`, if any. */
export function requestOn (socket: Socket): RequestContext | undefined {
  return (socket as TrackedSocket)[IN_FLIGHT]
}

type ClientErrorHandler = (err: NodeJS.ErrnoException, socket: Socket) => void

/**
 * node's client errors: request timeouts are answered here; parser errors by `parserError`, unless
 * a response to the request in flight already started (a refusal sent before its body turned out
 * malformed): a second response would corrupt the stream, so the socket is only cut.
 */
export function createSocketErrorHandler (metrics: GatewayMetrics, parserError: ClientErrorHandler): ClientErrorHandler {
  const requestTimedOut = createRequestTimeoutHandler(metrics)
  return function socketError (err, socket) {
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') requestTimedOut(socket)
    else if (requestOn(socket)?.reply.raw.headersSent === true) socket.destroy()
    else parserError(err, socket)
  }
}

function createRequestTimeoutHandler (metrics: GatewayMetrics) {
  return function requestTimedOut (socket: Socket): void {
    const context = requestOn(socket)
    if (context === undefined) {
      metrics.refusals.labels(TIMEOUT_CODE).inc()
      if (!socket.writable) {
        socket.destroy()
        return
      }
      socket.setTimeout(LINGER_MS, () => { socket.destroy() })
      socket.end(TIMEOUT_RESPONSE, () => { socket.destroy() })
      return
    }
    const { reply } = context
    if (reply.sent || reply.raw.headersSent) {
      socket.destroy()
      return
    }
    // The body will never be complete: no connection reuse, and the upstream stops waiting for it.
    reply.header('connection', 'close').send(new RequestTimeoutError())
    context.relay?.clientGone()
  }
}
