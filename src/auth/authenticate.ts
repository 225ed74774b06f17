import type { FastifyRequest } from 'fastify'
import { UnauthenticatedError } from '../errors.js'
import type { RequestContext } from '../server/request-context.js'
import type { ApiKeyStore } from './api-keys.js'
import { presentedCredential } from './credentials.js'
import type { Principal } from './principal.js'

/** Proves who calls, or refuses with 401 (the reason kept for the audit log and metrics). */
export function createAuthenticator (apiKeys: ApiKeyStore) {
  return function authenticate (request: FastifyRequest, context: RequestContext): Principal {
    const credential = presentedCredential(request.headers)
    if (!credential.ok) {
      context.refusalReason = credential.reason
      throw new UnauthenticatedError(credential.message)
    }
    const principal = apiKeys.authenticate(credential.value)
    if (principal === undefined) {
      context.refusalReason = 'unknown'
      throw new UnauthenticatedError('unknown credential')
    }
    return principal
  }
}

export type Authenticate = ReturnType<typeof createAuthenticator>
