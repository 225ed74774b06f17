import { randomBytes } from 'node:crypto'

// W3C Trace Context: version 00, 32 hex trace id, 16 hex parent id, 2 hex flags; all-zero ids are invalid.
const TRACEPARENT = /^00-(?!0{32})([0-9a-f]{32})-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/

/** The trace id of a valid `traceparent`, or `undefined`. */
export function traceIdOf (traceparent: string | string[] | undefined): string | undefined {
  if (typeof traceparent !== 'string') return undefined
  return TRACEPARENT.exec(traceparent)?.[1]
}

/** A new `traceparent` for a request that came without one, so upstream logs can be joined to ours. */
export function newTraceparent (): string {
  const bytes = randomBytes(24).toString('hex')
  return `00-${bytes.slice(0, 32)}-${bytes.slice(32)}-01`
}
