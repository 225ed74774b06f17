/** infergate authenticating a ES256 JWT, with the verified-token cache (the default). */
import { infergate } from './infergate.js'
import { benchJwt } from './jwt.js'

const jwt = benchJwt('ES256')

export const contender = infergate({
  name: 'infergate-jwt-es256',
  description: 'infergate, JWT ES256 (cached)',
  config: base => jwt.config(base),
  clientHeaders: () => ({ authorization: `Bearer ${jwt.token}` })
})
