/**
 * An upstream as the gateway uses it: its profile, a keep-alive connection pool sized for thousands of
 * concurrent token streams, and the headers that carry its own credential.
 * @module
 */
import { Pool } from 'undici'
import { durationMs } from '../lib/duration.js'
import type { Config, UpstreamConfig } from '../config/schema.js'
import { profiles } from '../profiles/index.js'
import type { Profile } from '../profiles/types.js'
import { headerKey } from '../lib/header-key.js'
import { compileModelPatterns, type ModelMatcher } from '../lib/model-patterns.js'

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

export function createUpstream (config: UpstreamConfig, limits: Config['limits']): Upstream {
  const pool = new Pool(config.url, {
    connections: config.pool.connections,
    pipelining: 1,
    keepAliveTimeout: durationMs(config.pool.keepAlive),
    connect: { timeout: durationMs(config.timeouts.connect) },
    headersTimeout: durationMs(config.timeouts.firstByte),
    bodyTimeout: durationMs(config.timeouts.idle),
    strictContentLength: true
  })
  const headerEntries = Object.entries(config.headers)
  return {
    name: config.name,
    config,
    profile: profiles[config.framework],
    pool,
    servesModel: compileModelPatterns(config.models),
    bodyBytes: config.limits.bodyBytes ?? limits.bodyBytes,
    extraHeaders: headerEntries.flat(),
    configuredHeaderNames: new Set(headerEntries.map(([name]) => headerKey(name)))
  }
}
