import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** A client's `x-request-id` when it is safe to log and forward as is, else a new UUID. */
export function requestIdFor (request: IncomingMessage): string {
  const id = request.headers['x-request-id']
  return typeof id === 'string' && SAFE_ID.test(id) ? id : randomUUID()
}
