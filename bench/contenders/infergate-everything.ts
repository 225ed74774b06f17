/**
 * infergate with every feature on: auth, route policy, scopes, rate limits, metrics and access logs.
 * Skipped until issues 3 and 4 land (JWT auth, src/observability/); then give it a `config`.
 */
import { infergate } from './infergate.js'

export const contender = infergate({
  name: 'infergate-everything',
  description: 'infergate, auth + policy + scopes + rate limits + metrics + access logs',
  requires: ['src/auth/jwt.ts', 'src/observability'],
  requiresNote: 'needs issue 3/4 features'
})
