import type { ModelMatcher } from '../lib/model-patterns.js'

/** Who is calling, once proven. Never holds the credential itself. */
export interface Principal {
  readonly id: string
  readonly method: 'api-key' | 'jwt'
  readonly mayUse: ModelMatcher
}
