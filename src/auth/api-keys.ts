/**
 * API keys, stored only as SHA-256 digests. The presented key is hashed and the digest looked up; the
 * lookup itself can only leak timing about a digest the caller cannot steer, and the final comparison
 * is constant-time anyway.
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { ApiKeyConfig } from '../config/schema.js'
import { compileModelPatterns } from '../routing/model-patterns.js'
import type { Principal } from './principal.js'

export function hashKey (key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

/** A new random key: 32 bytes from the CSPRNG, base64url, with a prefix that secret scanners can spot. */
export function generateKey (): string {
  return 'ig_' + randomBytes(32).toString('base64url')
}

interface StoredKey {
  readonly digest: Buffer
  readonly principal: Principal
}

export class ApiKeyStore {
  readonly #byDigest = new Map<string, StoredKey>()

  constructor (keys: readonly ApiKeyConfig[]) {
    for (const key of keys) {
      this.#byDigest.set(key.sha256, {
        digest: Buffer.from(key.sha256, 'hex'),
        principal: Object.freeze({ id: key.id, method: 'api-key', mayUse: compileModelPatterns(key.models) })
      })
    }
  }

  authenticate (presented: string): Principal | undefined {
    const digest = createHash('sha256').update(presented).digest()
    const stored = this.#byDigest.get(digest.toString('hex'))
    if (stored === undefined || !timingSafeEqual(stored.digest, digest)) return undefined
    return stored.principal
  }
}
