import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { UnauthenticatedError } from '../errors.js'
import type { ApiKeyStore } from './api-keys.js'
import { presentedCredential } from './credentials.js'
import type { Principal } from './principal.js'

/** Proves who calls, or refuses with 401. */
export function createAuthenticator (apiKeys: ApiKeyStore) {
  return function authenticate (request: FastifyRequest): Principal {
    const credential = presentedCredential(request.headers)
    if (!credential.ok) throw new UnauthenticatedError(credential.reason)
    const principal = apiKeys.authenticate(credential.value)
    if (principal === undefined) throw new UnauthenticatedError('unknown credential')
    return principal
  }
}

export type Authenticate = ReturnType<typeof createAuthenticator>
export type Hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void
