import type { Principal } from '../exchange/principal.js'

interface Entry {
  readonly principal: Principal
  readonly expiresAt: number
}

/**
 * Verified JWTs, keyed by the hash of the WHOLE token (never a part of it), held until the token
 * expires and bounded in size: the hot path skips the signature check for tokens it has seen.
 */
export class TokenCache {
  readonly #entries = new Map<string, Entry>()
  readonly #max: number

  constructor (maxEntries: number) {
    this.#max = maxEntries
  }

  get (key: string, now: number): Principal | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= now) {
      this.#entries.delete(key)
      return undefined
    }
    return entry.principal
  }

  set (key: string, principal: Principal, expiresAt: number): void {
    if (this.#max === 0) return
    if (this.#entries.size >= this.#max) {
      // Oldest first: Map iterates in insertion order.
      this.#entries.delete(this.#entries.keys().next().value as string)
    }
    this.#entries.set(key, { principal, expiresAt })
  }
}
