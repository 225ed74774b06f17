/** infergate authenticating a RS256 JWT, with the verified-token cache (the default). */
import { infergate } from './infergate.js'
import { benchJwt } from './jwt.js'

const jwt = benchJwt('RS256')

export const contender = infergate({
  name: 'infergate-jwt-rs256',
  description: 'infergate, JWT RS256 (cached)',
  config: base => jwt.config(base),
  clientHeaders: () => ({ authorization: `Bearer ${jwt.token}` })
})
