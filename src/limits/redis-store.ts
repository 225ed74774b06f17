/**
 * Limit counters in Redis, shared by every gateway replica: one Lua script per operation
 * (redis-scripts.ts). Concurrency leases are sorted-set members scored by their expiry and refreshed
 * while their request lives, so the leases of a replica that dies expire after `leaseTtl`.
 *
 * Commands never queue while Redis is away (no offline queue, no retries per request, bounded
 * connect and command timeouts): an outage answers at once, as `onError` says (availability.ts).
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { Redis } from 'ioredis'
import { durationMs } from '../lib/duration.js'
import type { GatewayMetrics } from '../observability/metrics.js'
import { Availability } from './availability.js'
import type { RateLimitConfig } from './config.js'
import { SCRIPTS, type ScriptCommands } from './redis-scripts.js'
import type { LimitStore, Reservation, WindowCount } from './store.js'

const RECONNECT_MAX_MS = 2000
const UNCHARGED: Reservation = { granted: true, window: undefined, retryMs: 0 }

export class RedisStore implements LimitStore {
  readonly #redis: Redis & ScriptCommands
  readonly #availability: Availability
  readonly #leaseTtlMs: number
  /** Leases this replica holds, by key: refreshed together, a few times per TTL. */
  readonly #leases = new Map<string, Set<string>>()
  readonly #prefix = `${randomUUID()}:`
  #sequence = 0
  readonly #refresher: NodeJS.Timeout

  constructor (config: NonNullable<RateLimitConfig['redis']>, log: FastifyBaseLogger, metrics: GatewayMetrics) {
    const timeout = durationMs(config.timeout)
    this.#leaseTtlMs = durationMs(config.leaseTtl)
    this.#availability = new Availability(log, metrics, config.onError)
    const redis = new Redis(config.url, {
      keyPrefix: config.keyPrefix,
      lazyConnect: true,
      connectTimeout: timeout,
      commandTimeout: timeout,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, RECONNECT_MAX_MS)
    })
    for (const [name, script] of Object.entries(SCRIPTS)) redis.defineCommand(name, script)
    // Failures surface on commands (and are logged once per outage there); 'error' must have a listener.
    redis.on('error', () => {})
    redis.on('ready', () => { this.#availability.up() })
    this.#redis = redis as Redis & ScriptCommands
    this.#refresher = setInterval(() => this.#refresh(), Math.max(1, Math.floor(this.#leaseTtlMs / 3))).unref()
  }

  async hit (key: string, windowMs: number): Promise<WindowCount> {
    const [count, resetMs] = await this.#availability.check('requests', this.#redis.igHit(key, windowMs), [0, windowMs])
    return { count, resetMs }
  }

  async acquire (key: string, max: number): Promise<string | undefined> {
    const lease = `${this.#prefix}${++this.#sequence}`
    // -1: Redis is away and onError is open; the request goes on holding nothing.
    const taken = await this.#availability.check('concurrency', this.#redis.igAcquire(key, lease, max, this.#leaseTtlMs), -1)
    if (taken === 0) return undefined
    if (taken === -1) return lease
    let held = this.#leases.get(key)
    if (held === undefined) this.#leases.set(key, held = new Set())
    held.add(lease)
    return lease
  }

  async release (key: string, lease: string): Promise<void> {
    const held = this.#leases.get(key)
    if (held?.delete(lease) === true && held.size === 0) this.#leases.delete(key)
    this.#availability.quietly(this.#redis.zrem(key, lease))
  }

  async reserve (key: string, tokens: number, max: number, windowMs: number): Promise<Reservation> {
    // -1: Redis is away and onError is open; nothing is charged, nothing will be settled.
    const [granted, window, retryMs] = await this.#availability.check('tokens', this.#redis.igReserve(key, tokens, max, windowMs), [-1, '', 0])
    if (granted === -1) return UNCHARGED
    return granted === 1 ? { granted: true, window, retryMs: 0 } : { granted: false, window: undefined, retryMs }
  }

  async settle (key: string, window: string, delta: number, windowMs: number): Promise<void> {
    this.#availability.quietly(this.#redis.igSettle(key, window, delta, windowMs))
  }

  async open (): Promise<void> {
    try {
      await this.#redis.connect()
    } catch (err) {
      // It keeps reconnecting; until then requests follow `onError`.
      this.#availability.down(err)
    }
  }

  async close (): Promise<void> {
    clearInterval(this.#refresher)
    this.#redis.disconnect()
  }

  #refresh (): void {
    for (const [key, leases] of this.#leases) {
      this.#availability.quietly(this.#redis.igRefresh(key, this.#leaseTtlMs, ...leases))
    }
  }
}
