/**
 * What the gateway does while the shared limits store (Redis) is unreachable: refuse (closed, 503
 * IG_ERR_LIMITS_UNAVAILABLE) or let requests through unlimited (open). An outage is logged once
 * when it starts and once when it ends, never per request, and shown by a gauge.
 * @module
 */
import type { FastifyBaseLogger } from 'fastify'
import { LimitsUnavailableError } from '../errors.js'
import type { GatewayMetrics } from '../observability/metrics.js'

export class Availability {
  readonly #log: FastifyBaseLogger
  readonly #metrics: GatewayMetrics
  readonly #failOpen: boolean
  #up = true

  constructor (log: FastifyBaseLogger, metrics: GatewayMetrics, onError: 'open' | 'closed') {
    this.#log = log
    this.#metrics = metrics
    this.#failOpen = onError === 'open'
    metrics.limitsStoreUp.set(1)
  }

  /** `operation`'s result; when the store fails: `fallback` (open) or LimitsUnavailableError (closed). */
  async check<T> (limit: string, operation: Promise<T>, fallback: T): Promise<T> {
    try {
      const result = await operation
      this.up()
      return result
    } catch (err) {
      this.down(err)
      if (!this.#failOpen) throw new LimitsUnavailableError()
      this.#metrics.limitsUnenforced.inc({ limit })
      return fallback
    }
  }

  /** For operations after the response (release, settle, refresh): nobody to refuse, nothing to wait for. */
  quietly (operation: Promise<unknown>): void {
    operation.then(() => { this.up() }, (err: unknown) => { this.down(err) })
  }

  up (): void {
    if (this.#up) return
    this.#up = true
    this.#metrics.limitsStoreUp.set(1)
    this.#log.info('limits store (redis) reachable again: limits are enforced')
  }

  down (err: unknown): void {
    if (!this.#up) return
    this.#up = false
    this.#metrics.limitsStoreUp.set(0)
    this.#log.error({ err: { message: err instanceof Error ? err.message : String(err) } },
      this.#failOpen
        ? 'limits store (redis) unreachable: requests pass WITHOUT limits until it is back (rateLimit.redis.onError: open)'
        : 'limits store (redis) unreachable: requests are refused with 503 until it is back (rateLimit.redis.onError: closed)')
  }
}
