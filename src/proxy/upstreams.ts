/**
 * An upstream as the gateway uses it: its profile, a keep-alive connection pool sized for thousands of
 * concurrent token streams, and the headers that carry its own credential.
 * @module
 */
import { Pool } from 'undici'
import { durationMs } from '../lib/duration.js'
import type { Config, UpstreamConfig } from '../config/schema.js'
import { profiles } from '../profiles/index.js'
import { headerKey } from '../lib/header-key.js'
import { compileModelPatterns } from '../lib/model-patterns.js'
import type { Upstream } from '../exchange/upstream.js'

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
