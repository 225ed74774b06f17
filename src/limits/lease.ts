/**
 * What one request holds: a concurrency slot and a token reservation. It hangs on
 * `context.lease` from the moment it is asked for, so that a request that ends while Redis is still
 * answering gives back what it got; it is released once, when the response is over (finished, cut
 * by the client, failed upstream, or refused after acquiring), after `context.usage` was read.
 * @module
 */
import type { Exchange, LimitLease } from '../exchange/exchange.js'
import type { TokenLimits } from './config.js'
import type { LimitStore, Reservation } from './store.js'

interface Slot {
  readonly key: string
  readonly lease: Promise<string | undefined>
}

interface Tokens {
  readonly key: string
  readonly reserved: number
  readonly windowMs: number
  readonly reservation: Promise<Reservation>
}

const ignore = (): void => {}

export class Lease implements LimitLease {
  readonly #store: LimitStore
  #slot: Slot | undefined
  #tokens: Tokens | undefined

  private constructor (store: LimitStore) {
    this.#store = store
  }

  static of (context: Exchange, store: LimitStore): Lease {
    if (context.lease instanceof Lease) return context.lease
    const lease = context.lease = new Lease(store)
    return lease
  }

  async holdSlot (key: string, max: number): Promise<boolean> {
    const slot = this.#slot = { key, lease: this.#store.acquire(key, max) }
    return await slot.lease !== undefined
  }

  async reserve (key: string, tokens: number, limits: TokenLimits): Promise<Reservation> {
    const held = this.#tokens = { key, reserved: tokens, windowMs: limits.windowMs, reservation: this.#store.reserve(key, tokens, limits.max, limits.windowMs) }
    return await held.reservation
  }

  release (context: Exchange): void {
    const slot = this.#slot
    if (slot !== undefined) {
      slot.lease.then(lease => lease === undefined ? undefined : this.#store.release(slot.key, lease)).catch(ignore)
    }
    const tokens = this.#tokens
    if (tokens !== undefined) {
      // Never forwarded: nothing was generated. Forwarded without usage (client gone, upstream
      // failed, no usage reported): charged as reserved, since tokens may have been generated.
      const used = context.forwardedAt === 0 ? 0 : context.usage?.completionTokens ?? tokens.reserved
      tokens.reservation.then(reservation => {
        const delta = used - tokens.reserved
        if (reservation.window === undefined || delta === 0) return undefined
        return this.#store.settle(tokens.key, reservation.window, delta, tokens.windowMs)
      }).catch(ignore)
    }
  }
}
