/**
 * An upstream as a request sees it, once chosen: its config, profile and connection pool
 * (created by proxy/upstreams.ts).
 * @module
 */
import type { Pool } from 'undici'
import type { UpstreamConfig } from '../config/schema.js'
import type { ModelMatcher } from '../lib/model-patterns.js'
import type { Profile } from '../profiles/types.js'

export interface Upstream {
  readonly name: string
  readonly config: UpstreamConfig
  readonly profile: Profile
  readonly pool: Pool
  readonly servesModel: ModelMatcher
  /** Largest request body: its own `limits.bodyBytes`, else the global one. */
  readonly bodyBytes: number
  /** `[name, value, …]` appended to every forwarded request (config `headers`). */
  readonly extraHeaders: readonly string[]
  /** Client headers of these names (as `headerKey` gives them) are dropped: the configured value wins. */
  readonly configuredHeaderNames: ReadonlySet<string>
}
