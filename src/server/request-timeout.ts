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
import type { ObserveRefusedConnection } from '../observability/observer.js'
import type { OpenRequests } from './open-requests.js'
import { rawErrorResponse } from './raw-response.js'
import { newRequestId } from './request-id.js'

// Bounds on how often node walks the connections still receiving a request: a check each second is
// precise enough for timeouts of seconds; shorter (test-sized) timeouts are checked at a quarter of
// their length, never more often than this floor.
const MAX_CHECK_MS = 1000
const MIN_CHECK_MS = 50
// How long a refused socket may take to flush its 408 before it is destroyed regardless.
const LINGER_MS = 1000

/** node's `connectionsCheckingInterval` for these bounds (0 = that bound is off). */
export function checkingIntervalMs (headersTimeoutMs: number, requestTimeoutMs: number): number {
  const bounds = [headersTimeoutMs, requestTimeoutMs].filter(ms => ms > 0)
  if (bounds.length === 0) return MAX_CHECK_MS
  return Math.min(MAX_CHECK_MS, Math.max(MIN_CHECK_MS, Math.floor(Math.min(...bounds) / 4)))
}

/** node's `ERR_HTTP_REQUEST_TIMEOUT` on `socket`: headers or body not received within the bounds. */
export function createRequestTimeoutHandler (openRequests: OpenRequests, observe: ObserveRefusedConnection) {
  return function requestTimedOut (socket: Socket): void {
    const context = openRequests.latest(socket)
    if (context?.request.raw.complete === true) {
      // What timed out is a request pipelined behind this complete one, not yet the gateway's: the
      // responses in flight finish, then the connection closes.
      observe({ requestId: newRequestId(), code: 'IG_ERR_REQUEST_TIMEOUT', status: 0, reason: 'timeout', remoteAddress: socket.remoteAddress })
      openRequests.closeWhenDone(socket)
      return
    }
    if (context === undefined) {
      const requestId = newRequestId()
      observe({ requestId, code: 'IG_ERR_REQUEST_TIMEOUT', status: socket.writable ? 408 : 0, reason: 'timeout', remoteAddress: socket.remoteAddress })
      if (!socket.writable) {
        socket.destroy()
        return
      }
      socket.setTimeout(LINGER_MS, () => { socket.destroy() })
      socket.end(rawErrorResponse('IG_ERR_REQUEST_TIMEOUT', requestId), () => { socket.destroy() })
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
