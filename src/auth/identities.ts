/**
 * The identities a gateway knows: API keys from the config and from `auth.apiKeysFile` (reloaded on
 * SIGHUP and on change), and JWT issuers. Reloads and JWKS refreshes are logged as audit events and
 * counted.
 * @module
 */
import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config/schema.js'
import { ConfigInvalidError } from '../errors.js'
import type { GatewayMetrics } from '../observability/metrics.js'
import { ApiKeyFileWatcher } from './api-key-file.js'
import { ApiKeyStore } from './api-keys.js'
import { createAuthenticator, type Authenticate } from './authenticate.js'
import { JwtVerifier } from './jwt.js'

export interface Identities {
  readonly authenticate: Authenticate
  /** Re-reads the key file (SIGHUP); a bad file keeps the keys in force. */
  reloadKeys (reason: string): Promise<void>
  stop (): void
}

export async function createIdentities (config: Config, metrics: GatewayMetrics, log: FastifyBaseLogger): Promise<Identities> {
  const configured = config.auth.apiKeys
  const store = new ApiKeyStore(configured)
  const file = config.auth.apiKeysFile
  const watcher = file === undefined
    ? undefined
    : new ApiKeyFileWatcher(file, {
      onLoaded: (keys, reason) => {
        store.replace([...configured, ...keys])
        metrics.configReloads.inc({ result: 'success' })
        log.warn({ event: 'keys.reloaded', reason, keys: store.size }, 'audit')
      },
      onFailed: (error, reason) => {
        metrics.configReloads.inc({ result: 'failure' })
        log.error({ event: 'keys.reload_failed', reason, error: error.message }, 'audit: the key file is invalid; the keys in force stay')
      }
    })
  if (watcher !== undefined) {
    try {
      store.replace([...configured, ...await watcher.load()])
    } catch (err) {
      throw new ConfigInvalidError(`auth.apiKeysFile: ${file as string}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
    watcher.start()
  }
  const jwt = new JwtVerifier(config.auth.jwt, config.auth.tokenCache.maxEntries, {
    onJwksRefresh: (issuer, outcome, error) => {
      metrics.jwksRefreshes.inc({ issuer, result: outcome })
      if (error !== undefined) {
        log.error({ event: 'jwks.refresh_failed', issuer, error: error.message }, 'audit: JWKS refresh failed; verifying with the cached keys')
      }
    }
  })
  return {
    authenticate: createAuthenticator(store, jwt),
    reloadKeys: reason => watcher?.reload(reason) ?? Promise.resolve(),
    stop: () => watcher?.stop()
  }
}
