/** infergate verifying a RS256 JWT signature on every request (token cache off). */
import { infergate } from './infergate.js'
import { benchJwt } from './jwt.js'

const jwt = benchJwt('RS256')

export const contender = infergate({
  name: 'infergate-jwt-rs256-nocache',
  description: 'infergate, JWT RS256, verified per request',
  config: base => jwt.config(base, 0),
  clientHeaders: () => ({ authorization: `Bearer ${jwt.token}` })
})
