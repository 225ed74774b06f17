/**
 * W3C Trace Context (level 1): which client `traceparent` and `tracestate` are forwarded, and fresh
 * trace ids for requests whose `traceparent` is missing or invalid.
 * @module
 */
import { randomFillSync } from 'node:crypto'

// version-traceid-parentid-flags, lower-case hex; all-zero ids and version ff are invalid.
const TRACEPARENT = /^(?!ff)[0-9a-f]{2}-(?!0{32})([0-9a-f]{32})-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}/
const TRACEPARENT_LENGTH = 55
// A later version may add fields after a dash; version 00 has exactly these 55 characters.
const VERSION_00 = '00'

/**
 * The `traceparent` to forward for the client's header: the header when it is one valid version 00
 * value, the first 55 characters as version 00 for a valid later version (bounded, and what the
 * backend understands), otherwise `undefined`. Two headers arrive joined with ", ": invalid.
 */
export function forwardedTraceparent (value: string | string[] | undefined): string | undefined {
  if (typeof value !== 'string' || value.length < TRACEPARENT_LENGTH || !TRACEPARENT.test(value)) return undefined
  if (value.startsWith(VERSION_00)) return value.length === TRACEPARENT_LENGTH ? value : undefined
  if (value.length > TRACEPARENT_LENGTH && value[TRACEPARENT_LENGTH] !== '-') return undefined
  return VERSION_00 + value.slice(2, TRACEPARENT_LENGTH)
}

/** The trace id of a valid `traceparent`, or `undefined`. */
export function traceIdOf (traceparent: string | string[] | undefined): string | undefined {
  return forwardedTraceparent(traceparent)?.slice(3, 35)
}

const MAX_MEMBERS = 32
const MAX_TRACESTATE = 512
// key = simple-key / tenant-id "@" system-id; value = up to 256 printable characters but "," and
// "=", not ending in a space.
const MEMBER = /^(?:[a-z][a-z0-9_*/-]{0,255}|[a-z0-9][a-z0-9_*/-]{0,240}@[a-z][a-z0-9_*/-]{0,13})=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/
const OWS = /^[ \t]+|[ \t]+$/g

/**
 * The `tracestate` to forward: its list members (several headers arrive joined), empty ones left
 * out, when there are at most 32, each valid, with no key twice, within 512 characters; else
 * `undefined`, as for an empty list.
 */
export function forwardedTracestate (value: string | string[] | undefined): string | undefined {
  // Spaces and empty members may pad a valid list, but not to twice the bound.
  if (typeof value !== 'string' || value.length > MAX_TRACESTATE * 2) return undefined
  const members: string[] = []
  const keys = new Set<string>()
  for (const part of value.split(',')) {
    const member = part.replace(OWS, '')
    if (member === '') continue
    if (members.length === MAX_MEMBERS || !MEMBER.test(member)) return undefined
    const key = member.slice(0, member.indexOf('='))
    if (keys.has(key)) return undefined
    keys.add(key)
    members.push(member)
  }
  const forwarded = members.join(',')
  return forwarded === '' || forwarded.length > MAX_TRACESTATE ? undefined : forwarded
}

const ID_BYTES = 24
// Random bytes for 256 ids at a time: one call into the CSPRNG per 256 requests, not one each.
const entropy = Buffer.allocUnsafe(ID_BYTES * 256)
let used = entropy.length

/** A new `traceparent` for a request without a valid one, so upstream logs can be joined to ours. */
export function newTraceparent (): string {
  if (used === entropy.length) {
    randomFillSync(entropy)
    used = 0
  }
  const ids = entropy.toString('hex', used, used += ID_BYTES)
  return `00-${ids.slice(0, 32)}-${ids.slice(32)}-01`
}
