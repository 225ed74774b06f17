/**
 * A refusal written straight to a socket, for requests node's parser (or its timeouts) refused:
 * there is no reply object to send it through. The same table entry and envelope as every other
 * refusal (src/errors.ts, error-envelope.ts); the connection closes after it.
 * @module
 */
import { STATUS_CODES } from 'node:http'
import { HTTP_ERRORS, type HttpErrorCode } from '../errors.js'
import type { ErrorEnvelope } from '../profiles/types.js'
import { errorBody } from './error-envelope.js'

export function rawErrorResponse (code: HttpErrorCode, requestId: string, envelope: ErrorEnvelope = 'openai'): string {
  const spec = HTTP_ERRORS[code]
  const body = JSON.stringify(errorBody(envelope, code, spec, spec.message, requestId))
  const retry = spec.retryable ? 'retry-after: 1\r\n' : ''
  return `HTTP/1.1 ${spec.status} ${STATUS_CODES[spec.status] ?? ''}\r\ncontent-type: application/json; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\n${retry}connection: close\r\n\r\n${body}`
}
