import type { FastifyRequest } from 'fastify'
import { AuthUnavailableError, UnauthenticatedError } from '../errors.js'
import type { Exchange } from '../exchange/exchange.js'
import type { ApiKeyStore } from './api-keys.js'
import { MAX_API_KEY_LENGTH, presentedCredential } from './credentials.js'
import { JwtRejectedError, looksLikeJwt, type JwtVerifier } from './jwt.js'
import type { Principal } from '../exchange/principal.js'

const API_KEY_MESSAGES = { unknown: 'unknown credential', expired: 'API key expired', revoked: 'API key revoked' } as const
const invalidToken = (reason: string) => `invalid token (${reason})`

/**
 * Proves who calls, or refuses with 401 (the reason kept for the audit log and metrics). API keys and
 * cached JWTs answer synchronously; only a JWT seen for the first time costs a promise.
 */
export function createAuthenticator (apiKeys: ApiKeyStore, jwt: JwtVerifier) {
  // Byte lengths: both headers only carry visible ASCII (Bearer) or latin1 (x-api-key), one byte a character.
  const maxCredential = Math.max(MAX_API_KEY_LENGTH, jwt.maxTokenBytes)

  function refuse (context: Exchange, reason: string, message: string): never {
    context.refusalReason = reason
    throw new UnauthenticatedError(message)
  }

  return function authenticate (request: FastifyRequest, context: Exchange): Principal | Promise<Principal> {
    const credential = presentedCredential(request.headers, maxCredential)
    if (!credential.ok) refuse(context, credential.reason, credential.message)
    const value = credential.value
    if (credential.bearer && jwt.enabled && looksLikeJwt(value)) {
      context.authMethod = 'jwt'
      // Before the cache's hash: a token longer than every issuer's cap costs nothing more.
      if (value.length > jwt.maxTokenBytes) refuse(context, 'too_long', invalidToken('too_long'))
      const { key, principal } = jwt.cached(value)
      if (principal !== undefined) return principal
      return jwt.verify(value, key).catch((err: unknown) => {
        if (!(err instanceof JwtRejectedError)) throw err
        context.refusalReason = err.reason
        if (err.reason === 'jwks_unavailable') throw new AuthUnavailableError()
        throw new UnauthenticatedError(invalidToken(err.reason))
      })
    }
    context.authMethod = 'api-key'
    if (value.length > MAX_API_KEY_LENGTH) refuse(context, 'too_long', 'credential too long')
    const result = apiKeys.authenticate(value)
    if (typeof result === 'string') refuse(context, result, API_KEY_MESSAGES[result])
    return result
  }
}

export type Authenticate = ReturnType<typeof createAuthenticator>
