/**
 * Every refusal and failure as one small JSON body in its client's envelope (error-envelope.ts), from
 * the one error table (src/errors.ts): status, `Retry-After` when retrying can help, never when it
 * cannot, `Connection: close` when a body may still be arriving. The request id is in `x-request-id`
 * too (set when the request's exchange opened). Framework errors are mapped, with messages of
 * infergate's own (fastify's echo the target or a header); anything unforeseen is logged and shown
 * only as `IG_ERR_INTERNAL`.
 * @module
 */
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import {
  BadRequestError, HTTP_ERRORS, InternalError, isHttpErrorCode, PathNonCanonicalError, type HttpErrorCode, type HttpErrorSpec
} from '../errors.js'
import type { ObserveRefusedConnection } from '../observability/observer.js'
import type { RepeatLimiter } from '../observability/repeat-limiter.js'
import type { ErrorEnvelope } from '../profiles/types.js'
import { errorBody } from './error-envelope.js'
import { awaitsContinue } from '../policy/expect-continue.js'
import { endConnection, type OpenRequests } from './open-requests.js'
import { rawErrorResponse } from './raw-response.js'
import { exchangeOf } from '../exchange/exchange.js'
import { newRequestId } from './request-id.js'
import { createRequestTimeoutHandler } from './request-timeout.js'

interface Shown {
  readonly code: HttpErrorCode
  readonly message: string
}

const shownAs = (error: { code: HttpErrorCode, message: string }): Shown => ({ code: error.code, message: error.message })

// Fastify's own refusals that can reach the handler (its body parsers are replaced by ours).
const FRAMEWORK_ERRORS: Readonly<Record<string, Shown>> = {
  // The router could not decode the path: escapes that are not UTF-8 (overlong forms such as %c0%af).
  FST_ERR_BAD_URL: shownAs(new PathNonCanonicalError('percent escapes that are not UTF-8'))
}
const BAD_REQUEST = shownAs(new BadRequestError())
const INTERNAL = shownAs(new InternalError())
// A retryable refusal whose stage named no better time (a limiter does).
const RETRY_AFTER_S = '1'

/** `envelopeFor`: the error shape for a target no route matched yet (RouteTable.envelopeFor). */
export function createErrorHandler (repeats: RepeatLimiter, openRequests: OpenRequests, envelopeFor: (target: string) => ErrorEnvelope) {
  return function errorHandler (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    const context = exchangeOf(request)
    // The parser refused the request midway and answered it; what fails after is the consequence.
    if (context.parserStatus !== undefined) return
    let shown: Shown
    if (error.code !== undefined && isHttpErrorCode(error.code) && error.code !== 'IG_ERR_INTERNAL') {
      shown = { code: error.code, message: error.message }
    } else if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      shown = FRAMEWORK_ERRORS[error.code] ?? BAD_REQUEST
    } else if (reply.raw.destroyed) {
      // The connection is gone (the client left mid-body, or the gateway cut it for malformed bytes):
      // the client's doing, and any client could fill the error log with it.
      // Nothing can be sent; the access line says 499.
      const suppressed = repeats.admit(`client:${error.code}`)
      if (suppressed !== undefined) {
        request.log.warn({ reqId: request.id, code: error.code, reason: error.message, suppressed: suppressed || undefined }, 'client fault')
      }
      return
    } else {
      request.log.error({ err: error, reqId: request.id }, 'unexpected error')
      shown = INTERNAL
    }
    const { code } = shown
    const spec: HttpErrorSpec = HTTP_ERRORS[code]
    context.refusal = code
    if (spec.status === 401) reply.header('www-authenticate', 'Bearer realm="infergate"')
    if (spec.closesConnection === true || awaitsContinue(request.raw)) {
      reply.header('connection', 'close')
      // Requests already pipelined behind this one are not served either.
      const socket = request.raw.socket as Socket | null
      if (socket !== null) openRequests.closeWhenDone(socket)
    }
    if (!spec.retryable) reply.removeHeader('retry-after')
    else if (!reply.hasHeader('retry-after')) reply.header('retry-after', RETRY_AFTER_S)
    const envelope = context.match?.route.envelope ?? envelopeFor(request.raw.url as string)
    // Anthropic's SDKs read the request id of an error (APIError.requestID) from `request-id`.
    if (envelope === 'anthropic') reply.header('request-id', request.id)
    reply.code(spec.status).type('application/json; charset=utf-8')
      .send(errorBody(envelope, code, spec, shown.message, request.id))
  }
}

// What node's parser refuses, by its error code; anything else is a malformed request.
const PARSER_REFUSALS: Readonly<Record<string, HttpErrorCode>> = {
  HPE_HEADER_OVERFLOW: 'IG_ERR_HEADERS_TOO_LARGE'
}
const CLIENT_LEFT: ReadonlySet<string> = new Set(['ECONNRESET', 'HPE_INVALID_EOF_STATE'])

/**
 * Requests the HTTP parser refused (malformed, smuggling attempts, headers over the limit). Answered
 * in the JSON shape when nothing is in flight on the connection: then the refusal has no request
 * object and is observed on its own (counted, an access line and an audit event, rate-limited); or
 * when the parser failed inside the one request being read (its framing, its chunked body): then that
 * request is the one refused, on its own access line. Otherwise a response is in flight (a pipelined
 * request's, a stream's): a message written now would be read as that response or land inside its
 * body, so nothing is written: the responses in flight finish, nothing more is read as a request,
 * the connection closes after them, and the refusal is observed with status 0.
 */
export function createClientErrorHandler (openRequests: OpenRequests, observe: ObserveRefusedConnection) {
  const requestTimedOut = createRequestTimeoutHandler(openRequests, observe)
  return function clientErrorHandler (err: NodeJS.ErrnoException, socket: Socket): void {
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      requestTimedOut(socket)
      return
    }
    // The client left (a reset, or its end of the connection closed midway), or the connection was
    // already ended (the parser reports each further packet): nothing new was refused.
    if (CLIENT_LEFT.has(err.code ?? '') || !socket.writable) {
      socket.destroy()
      return
    }
    // Every packet after the parser failed is reported again: the first one was observed.
    if (openRequests.isClosing(socket)) return
    const code = PARSER_REFUSALS[err.code ?? ''] ?? 'IG_ERR_BAD_REQUEST'
    const open = openRequests.count(socket)
    const latest = openRequests.latest(socket)
    if (open === 1 && latest !== undefined && !latest.request.raw.complete && !latest.reply.raw.headersSent) {
      latest.refusal = code
      latest.refusalReason = err.code
      latest.parserStatus = HTTP_ERRORS[code].status
      openRequests.closeWhenDone(socket)
      endConnection(socket, rawErrorResponse(code, latest.request.id, latest.match?.route.envelope))
      return
    }
    const requestId = newRequestId()
    observe({ requestId, code, status: open === 0 ? HTTP_ERRORS[code].status : 0, reason: err.code, remoteAddress: socket.remoteAddress })
    if (open === 0) endConnection(socket, rawErrorResponse(code, requestId))
    else openRequests.closeWhenDone(socket)
  }
}
