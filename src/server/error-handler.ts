/**
 * Every refusal and failure as one small JSON body: `{"error":{"code","message","requestId"}}` (the
 * id is in `x-request-id` too, set when the request's context opened). Codes are infergate's (`IG_ERR_*`); framework errors are mapped, with
 * messages of infergate's own (fastify's echo the target or a header); unexpected errors are logged
 * and shown only as `IG_ERR_INTERNAL`.
 * @module
 */
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { PathNonCanonicalError } from '../errors.js'
import type { ObserveRefusedConnection } from '../observability/observer.js'
import type { RepeatLimiter } from '../observability/repeat-limiter.js'
import { awaitsContinue } from './expect-continue.js'
import type { OpenRequests } from './open-requests.js'
import type { RequestContext } from './request-context.js'
import { newRequestId } from './request-id.js'
import { createRequestTimeoutHandler } from './request-timeout.js'

interface Shown {
  readonly code: string
  readonly message: string
}

const FRAMEWORK_ERRORS: Readonly<Record<string, Shown>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'IG_ERR_MEDIA_TYPE', message: 'unsupported media type' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'IG_ERR_BODY_TOO_LARGE', message: 'request body exceeds the limit' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'IG_ERR_BODY_INVALID', message: 'request body does not match its Content-Length' },
  // The router could not decode the path: escapes that are not UTF-8 (overlong forms such as %c0%af).
  FST_ERR_BAD_URL: { code: 'IG_ERR_PATH_NONCANONICAL', message: new PathNonCanonicalError('percent escapes that are not UTF-8').message }
}
const BAD_REQUEST: Shown = { code: 'IG_ERR_BAD_REQUEST', message: 'malformed request' }

// A refused body may still be arriving, or (after `Expect: 100-continue`) may never come: the
// connection cannot be reused for another request.
const CLOSE_CONNECTION: ReadonlySet<string> = new Set(['IG_ERR_BODY_TOO_LARGE', 'IG_ERR_BODY_INVALID', 'IG_ERR_MEDIA_TYPE', 'IG_ERR_EXPECTATION_FAILED'])

export function createErrorHandler (repeats: RepeatLimiter) {
  return function errorHandler (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    const context = request.gate as RequestContext
    // The parser refused the request midway and answered it; what fails after is the consequence.
    if (context.parserStatus !== undefined) return
    const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500
    let shown: Shown
    if (error.code?.startsWith('IG_ERR_') && error.code !== 'IG_ERR_INTERNAL') {
      shown = error
    } else if (status < 500) {
      shown = FRAMEWORK_ERRORS[error.code] ?? BAD_REQUEST
    } else if (request.raw.destroyed) {
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
      shown = { code: 'IG_ERR_INTERNAL', message: 'internal error' }
    }
    const code = shown.code
    context.refusal = code
    if (status === 401) reply.header('www-authenticate', 'Bearer realm="infergate"')
    if (CLOSE_CONNECTION.has(code) || awaitsContinue(request.raw)) reply.header('connection', 'close')
    reply.code(status).type('application/json; charset=utf-8')
      .send({ error: { code, message: shown.message, requestId: request.id } })
  }
}

interface ParserRefusal extends Shown {
  readonly status: number
  readonly statusText: string
}

// What node's parser refuses, by its error code; anything else is a malformed request.
const PARSER_REFUSALS: Readonly<Record<string, ParserRefusal>> = {
  HPE_HEADER_OVERFLOW: { status: 431, statusText: 'Request Header Fields Too Large', code: 'IG_ERR_HEADERS_TOO_LARGE', message: 'request headers exceed the limit' }
}
const CLIENT_LEFT: ReadonlySet<string> = new Set(['ECONNRESET', 'HPE_INVALID_EOF_STATE'])
const MALFORMED: ParserRefusal = { status: 400, statusText: 'Bad Request', code: 'IG_ERR_BAD_REQUEST', message: 'malformed HTTP request' }

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
    const refusal = PARSER_REFUSALS[err.code ?? ''] ?? MALFORMED
    const open = openRequests.count(socket)
    const latest = openRequests.latest(socket)
    if (open === 1 && latest !== undefined && !latest.request.raw.complete && !latest.reply.raw.headersSent) {
      latest.refusal = refusal.code
      latest.refusalReason = err.code
      latest.parserStatus = refusal.status
      socket.end(rawErrorResponse(refusal, latest.request.id))
      return
    }
    const requestId = newRequestId()
    observe({ requestId, code: refusal.code, status: open === 0 ? refusal.status : 0, reason: err.code, remoteAddress: socket.remoteAddress })
    if (open === 0) socket.end(rawErrorResponse(refusal, requestId))
    else openRequests.closeWhenDone(socket)
  }
}

function rawErrorResponse (refusal: ParserRefusal, requestId: string): string {
  const body = JSON.stringify({ error: { code: refusal.code, message: refusal.message, requestId } })
  return `HTTP/1.1 ${refusal.status} ${refusal.statusText}\r\ncontent-type: application/json; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`
}
