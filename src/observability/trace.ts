import { randomFillSync } from 'node:crypto'

// W3C Trace Context: version 00, 32 hex trace id, 16 hex parent id, 2 hex flags; all-zero ids are invalid.
const TRACEPARENT = /^00-(?!0{32})([0-9a-f]{32})-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/

/** The trace id of a valid `traceparent`, or `undefined`. */
export function traceIdOf (traceparent: string | string[] | undefined): string | undefined {
  if (typeof traceparent !== 'string') return undefined
  return TRACEPARENT.exec(traceparent)?.[1]
}

const ID_BYTES = 24
// Random bytes for 256 ids at a time: one call into the CSPRNG per 256 requests, not one each.
const entropy = Buffer.allocUnsafe(ID_BYTES * 256)
let used = entropy.length

/** A new `traceparent` for a request that came without one, so upstream logs can be joined to ours. */
export function newTraceparent (): string {
  if (used === entropy.length) {
    randomFillSync(entropy)
    used = 0
  }
  const ids = entropy.toString('hex', used, used += ID_BYTES)
  return `00-${ids.slice(0, 32)}-${ids.slice(32)}-01`
}
