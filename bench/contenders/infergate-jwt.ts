/**
 * infergate authenticating JWTs, RS256 and ES256, each with the verified-token cache (the default)
 * and with it off (a signature check per request).
 */
import type { Contender } from '../lib/contender.js'
import { infergate } from './infergate.js'
import { benchJwt } from './jwt.js'

function jwtContender (alg: 'RS256' | 'ES256', cached: boolean): Contender {
  const jwt = benchJwt(alg)
  return infergate({
    name: `infergate-jwt-${alg.toLowerCase()}${cached ? '' : '-nocache'}`,
    description: `infergate, JWT ${alg}${cached ? ' (cached)' : ', verified per request'}`,
    config: base => jwt.config(base, cached ? undefined : 0),
    clientHeaders: () => ({ authorization: `Bearer ${jwt.token}` }),
    // A token is checked once per request: past that (streams included), these forward as
    // infergate-apikey does.
    scenarios: ['chat', 'refusals']
  })
}

export const jwtContenders: readonly Contender[] = [
  jwtContender('RS256', true), jwtContender('RS256', false), jwtContender('ES256', true), jwtContender('ES256', false)
]
