/**
 * Media URLs a multimodal vLLM would fetch (CVE-2026-24779, CVE-2026-22778): `data:` URLs within a
 * size cap, or http(s) URLs whose host an operator allowlisted and which resolves only to public
 * addresses. Anything two URL parsers could read differently is refused outright: backslashes
 * (vLLM's allowlist bypass), userinfo (`http://allowed@evil/`), percent signs in the authority,
 * whitespace, control and non-ASCII characters. IP literals are compared after WHATWG
 * normalisation, so `2130706433`, `0x7f.1` and `[::ffff:127.0.0.1]` are all 127.0.0.1.
 * @module
 */
import { isIP } from 'node:net'
import { isBlockedAddress } from './address-policy.js'
import { LookupFailed, resolveAll } from './resolve.js'

export interface MediaPolicy {
  readonly allowedHosts: ReadonlySet<string>
  readonly dataBytes: number
  readonly lookupTimeoutMs: number
}

const PRINTABLE_ASCII = /^[\x21-\x7e]*$/
const DATA_URL = /^data:/i
const HTTP_URL = /^https?:\/\//i

/** The problem with `url`, `undefined` when it may be fetched; a Promise when that takes a lookup. */
export function mediaUrlProblem (url: string, policy: MediaPolicy): string | undefined | Promise<string | undefined> {
  const shown = JSON.stringify(url.slice(0, 64))
  if (DATA_URL.test(url)) return url.length > policy.dataBytes ? `a data: URL is longer than ${policy.dataBytes} bytes` : undefined
  if (!PRINTABLE_ASCII.test(url)) return `media URL ${shown} has whitespace, control or non-ASCII characters`
  if (url.includes('\\')) return `media URL ${shown} has a backslash`
  if (!HTTP_URL.test(url)) return `media URL ${shown} is neither data: nor http(s):`
  const authority = url.slice(url.indexOf('//') + 2).split(/[/?#]/, 1)[0] as string
  if (authority.includes('@')) return `media URL ${shown} has a userinfo part`
  if (authority.includes('%')) return `media URL ${shown} has a percent-encoded host`
  let host: string
  try {
    host = new URL(url).hostname
  } catch {
    return `media URL ${shown} is not a valid URL`
  }
  if (!policy.allowedHosts.has(host)) return `media host ${host} is not allowlisted`
  const literal = host.startsWith('[') ? host.slice(1, -1) : host
  if (isIP(literal) !== 0) return isBlockedAddress(literal) ? `media host ${host} is a private or reserved address` : undefined
  return resolvedProblem(host, policy.lookupTimeoutMs)
}

async function resolvedProblem (host: string, timeoutMs: number): Promise<string | undefined> {
  let addresses: string[]
  try {
    addresses = await resolveAll(host, timeoutMs)
  } catch (err) {
    if (err instanceof LookupFailed) return err.message
    throw err
  }
  const bad = addresses.find(isBlockedAddress)
  return bad === undefined ? undefined : `media host ${host} resolves to ${bad}, a private or reserved address`
}
