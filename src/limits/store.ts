/**
 * Where limit counters live: this process (memory-store.ts) or Redis, shared by every replica
 * (redis-store.ts). Keys are per identity and kind of limit; every operation is atomic.
 * @module
 */

export interface WindowCount {
  /** Hits in the current window, this one included. */
  readonly count: number
  /** Until the window ends. */
  readonly resetMs: number
}

export interface Reservation {
  readonly granted: boolean
  /** The window charged, for settlement; undefined when nothing was charged. */
  readonly window: string | undefined
  /** Refused: until the window ends. */
  readonly retryMs: number
}

export interface LimitStore {
  /** Counts one request in `key`'s fixed window (started by its first request). */
  hit (key: string, windowMs: number): Promise<WindowCount>
  /** Takes one of `max` slots: a lease id, or undefined when all are taken. */
  acquire (key: string, max: number): Promise<string | undefined>
  release (key: string, lease: string): Promise<void>
  /** Charges `tokens` to `key`'s window unless that would take it over `max`. */
  reserve (key: string, tokens: number, max: number, windowMs: number): Promise<Reservation>
  /**
   * Corrects a reservation by `delta` (usage minus reserved) in the window it was charged to. When
   * that window is over, only an excess (delta > 0) is charged, to the current window: tokens
   * reserved in an expired window are not refunded into a new one.
   */
  settle (key: string, window: string, delta: number, windowMs: number): Promise<void>
  /** Connects (Redis); resolves whatever the outcome, which the store reports itself. */
  open (): Promise<void>
  close (): Promise<void>
}
