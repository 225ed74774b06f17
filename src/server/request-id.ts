import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/
// Unique, not secret: a random prefix per process (replicas never collide) and a counter, which
// costs nothing per request, unlike a UUID's random bytes.
const PREFIX = randomBytes(6).toString('hex')
let counter = 0

/** A client's `x-request-id` when it is safe to log and forward as is, else a new id. */
export function requestIdFor (request: IncomingMessage): string {
  const id = request.headers['x-request-id']
  return typeof id === 'string' && SAFE_ID.test(id) ? id : newRequestId()
}

/** A new id, for requests without a usable one (and refusals made before a request exists). */
export function newRequestId (): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER
  return `${PREFIX}-${counter.toString(36)}`
}
