import type { IncomingHttpHeaders } from 'node:http'

/** Longer API keys are refused before hashing: no key infergate issues comes near it. */
export const MAX_API_KEY_LENGTH = 4096

/** Why a credential was refused: a bounded set, used as a metric label. */
export type CredentialProblem = 'missing' | 'malformed' | 'conflicting' | 'too_long'

export type CredentialResult =
  | { readonly ok: true, readonly value: string, readonly bearer: boolean }
  | { readonly ok: false, readonly reason: CredentialProblem, readonly message: string }

const BEARER = /^Bearer +([\x21-\x7e]+) *$/i

/**
 * The credential a request presents: `Authorization: Bearer …` or `x-api-key`, never the query string.
 * Both at once must agree, so that no component can read a different one than the gateway checked.
 * A value longer than `maxLength` (the longest any credential kind accepts) is refused before
 * anything else reads it; each kind then holds it to its own cap.
 */
export function presentedCredential (headers: IncomingHttpHeaders, maxLength: number): CredentialResult {
  const authorization = headers.authorization
  const apiKey = headers['x-api-key']
  let bearer: string | undefined
  if (authorization !== undefined) {
    const found = BEARER.exec(authorization)
    if (found === null) return { ok: false, reason: 'malformed', message: 'Authorization must be "Bearer <credential>"' }
    bearer = found[1] as string
  }
  if (Array.isArray(apiKey)) return { ok: false, reason: 'malformed', message: 'more than one x-api-key header' }
  if (bearer !== undefined && apiKey !== undefined && bearer !== apiKey) {
    return { ok: false, reason: 'conflicting', message: 'Authorization and x-api-key disagree' }
  }
  const value = bearer ?? apiKey
  if (value === undefined || value.length === 0) return { ok: false, reason: 'missing', message: 'missing credential' }
  if (value.length > maxLength) return { ok: false, reason: 'too_long', message: 'credential too long' }
  return { ok: true, value, bearer: bearer !== undefined }
}
