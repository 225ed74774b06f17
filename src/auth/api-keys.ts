/**
 * API keys, stored only as SHA-256 digests. The presented key is hashed and the digest looked up; the
 * lookup itself can only leak timing about a digest the caller cannot steer, and the final comparison
 * is constant-time anyway. The whole set is replaced at once when a key file is reloaded.
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { ApiKeyConfig } from '../config/schema.js'
import { compileModelPatterns } from '../lib/model-patterns.js'
import type { Principal } from '../exchange/principal.js'

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
  readonly expiresAt: number
  readonly disabled: boolean
}

export type ApiKeyResult = Principal | 'unknown' | 'expired' | 'revoked'

export class ApiKeyStore {
  #byDigest = new Map<string, StoredKey>()

  constructor (keys: readonly ApiKeyConfig[]) {
    this.replace(keys)
  }

  get size (): number {
    return this.#byDigest.size
  }

  /** Swaps in a new set at once: requests already admitted keep going. */
  replace (keys: readonly ApiKeyConfig[]): void {
    const next = new Map<string, StoredKey>()
    for (const key of keys) {
      next.set(key.sha256, {
        digest: Buffer.from(key.sha256, 'hex'),
        principal: Object.freeze({ id: key.id, method: 'api-key', mayUse: compileModelPatterns(key.models) }),
        expiresAt: key.expiresAt === undefined ? Infinity : Date.parse(key.expiresAt),
        disabled: key.disabled
      })
    }
    this.#byDigest = next
  }

  authenticate (presented: string): ApiKeyResult {
    const digest = createHash('sha256').update(presented).digest()
    const stored = this.#byDigest.get(digest.toString('hex'))
    if (stored === undefined || !timingSafeEqual(stored.digest, digest)) return 'unknown'
    if (stored.disabled) return 'revoked'
    if (stored.expiresAt <= Date.now()) return 'expired'
    return stored.principal
  }
}
