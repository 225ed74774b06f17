/**
 * Every refusal and failure as one small JSON body: `{"error":{"code","message","requestId"}}`.
 * Codes are infergate's (`IG_ERR_*`); framework errors are mapped; unexpected errors are logged and
 * shown only as `IG_ERR_INTERNAL`.
 * @module
 */
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { GatewayMetrics } from '../observability/metrics.js'
import { contextOf } from './request-context.js'

const FRAMEWORK_CODES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'IG_ERR_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'IG_ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'IG_ERR_BODY_INVALID',
  FST_ERR_BAD_URL: 'IG_ERR_PATH_NONCANONICAL'
}

// A refused body may still be arriving: the connection cannot be reused for another request.
const CLOSE_CONNECTION: ReadonlySet<string> = new Set(['IG_ERR_BODY_TOO_LARGE', 'IG_ERR_BODY_INVALID', 'IG_ERR_MEDIA_TYPE'])

export function errorHandler (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500
  let code: string
  let message: string
  if (error.code?.startsWith('IG_ERR_') && error.code !== 'IG_ERR_INTERNAL') {
    code = error.code
    message = error.message
  } else if (status < 500) {
    code = FRAMEWORK_CODES[error.code] ?? 'IG_ERR_BAD_REQUEST'
    message = error.message
  } else {
    request.log.error({ err: error, reqId: request.id }, 'unexpected error')
    code = 'IG_ERR_INTERNAL'
    message = 'internal error'
  }
  const context = contextOf(request, reply)
  context.refusal = code
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="infergate"')
  if (CLOSE_CONNECTION.has(code)) reply.header('connection', 'close')
  reply.code(status).type('application/json; charset=utf-8').send({ error: { code, message, requestId: request.id } })
}

/**
 * Requests the HTTP parser refused (malformed, smuggling attempts, headers over the limit): no
 * request object exists, so they are only counted.
 */
export function createClientErrorHandler (metrics: GatewayMetrics) {
  return function clientErrorHandler (err: NodeJS.ErrnoException, socket: Socket): void {
    if (!socket.writable) {
      socket.destroy()
      return
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW'
    metrics.refusals.labels(tooLarge ? 'IG_ERR_HEADERS_TOO_LARGE' : 'IG_ERR_BAD_REQUEST').inc()
    socket.end(rawErrorResponse(tooLarge))
  }
}

function rawErrorResponse (tooLarge: boolean): string {
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'
  const body = JSON.stringify({
    error: tooLarge
      ? { code: 'IG_ERR_HEADERS_TOO_LARGE', message: 'request headers exceed the limit' }
      : { code: 'IG_ERR_BAD_REQUEST', message: 'malformed HTTP request' }
  })
  return `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
}
