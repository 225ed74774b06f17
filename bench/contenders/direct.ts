/** The limit: clients talk to the backend itself, with no proxy process in between. */
import type { Contender } from '../lib/contender.js'

export const contender: Contender = {
  name: 'direct',
  description: 'no proxy: the backend itself',
  policy: false,
  unavailable: () => undefined,
  clientHeaders: backend => backend.headers
}
