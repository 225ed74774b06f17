/** infergate as it is today: API-key auth, the framework's route allowlist, streaming forwarder. */
import { infergate } from './infergate.js'

export const contender = infergate({
  name: 'infergate-apikey',
  description: 'infergate, API key',
  config: base => base
})
