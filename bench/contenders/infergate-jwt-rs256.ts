/**
 * infergate authenticating a RS256-signed JWT per request. Skipped until issue 3 adds src/auth/jwt.ts;
 * then give it a `config` (a JWKS or key file in `auth`) and `clientHeaders` (a token signed here).
 */
import { infergate } from './infergate.js'

export const contender = infergate({
  name: 'infergate-jwt-rs256',
  description: 'infergate, JWT RS256',
  requires: ['src/auth/jwt.ts'],
  requiresNote: 'needs issue 3/4 features'
})
