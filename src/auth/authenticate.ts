import type { FastifyRequest } from 'fastify'
import { AuthUnavailableError, UnauthenticatedError } from '../errors.js'
import type { RequestContext } from '../server/request-context.js'
import type { ApiKeyStore } from './api-keys.js'
import { presentedCredential } from './credentials.js'
import { JwtRejectedError, looksLikeJwt, type JwtVerifier } from './jwt.js'
import type { Principal } from './principal.js'

const API_KEY_MESSAGES = { unknown: 'unknown credential', expired: 'API key expired', revoked: 'API key revoked' } as const

/**
 * Proves who calls, or refuses with 401 (the reason kept for the audit log and metrics). API keys and
 * cached JWTs answer synchronously; only a JWT seen for the first time costs a promise.
 */
export function createAuthenticator (apiKeys: ApiKeyStore, jwt: JwtVerifier) {
  function refuse (context: RequestContext, reason: string, message: string): never {
    context.refusalReason = reason
    throw new UnauthenticatedError(message)
  }

  return function authenticate (request: FastifyRequest, context: RequestContext): Principal | Promise<Principal> {
    const credential = presentedCredential(request.headers)
    if (!credential.ok) refuse(context, credential.reason, credential.message)
    const value = credential.value
    if (credential.bearer && jwt.enabled && looksLikeJwt(value)) {
      context.authMethod = 'jwt'
      const { key, principal } = jwt.cached(value)
      if (principal !== undefined) return principal
      return jwt.verify(value, key).catch((err: unknown) => {
        if (!(err instanceof JwtRejectedError)) throw err
        context.refusalReason = err.reason
        if (err.reason === 'jwks_unavailable') throw new AuthUnavailableError()
        throw new UnauthenticatedError(`invalid token (${err.reason})`)
      })
    }
    context.authMethod = 'api-key'
    const result = apiKeys.authenticate(value)
    if (typeof result === 'string') refuse(context, result, API_KEY_MESSAGES[result])
    return result
  }
}

export type Authenticate = ReturnType<typeof createAuthenticator>
