/**
 * Limit counters in this process: fixed windows and slot sets in maps. Expired windows are swept
 * periodically, so identities that stop calling (JWT subjects are unbounded) do not accumulate.
 * @module
 */
import type { LimitStore, Reservation, WindowCount } from './store.js'

interface Window {
  readonly id: string
  readonly endsAt: number
  used: number
}

const SWEEP_MS = 60_000

export class MemoryStore implements LimitStore {
  readonly #windows = new Map<string, Window>()
  readonly #slots = new Map<string, Set<string>>()
  #sequence = 0
  readonly #sweeper = setInterval(() => this.#sweep(), SWEEP_MS).unref()

  #current (key: string, now: number): Window | undefined {
    const window = this.#windows.get(key)
    return window !== undefined && window.endsAt > now ? window : undefined
  }

  #open (key: string, windowMs: number, used: number, now: number): Window {
    const window = { id: String(++this.#sequence), endsAt: now + windowMs, used }
    this.#windows.set(key, window)
    return window
  }

  async hit (key: string, windowMs: number): Promise<WindowCount> {
    const now = Date.now()
    const window = this.#current(key, now)
    if (window === undefined) return { count: 1, resetMs: this.#open(key, windowMs, 1, now).endsAt - now }
    return { count: ++window.used, resetMs: window.endsAt - now }
  }

  async acquire (key: string, max: number): Promise<string | undefined> {
    let slots = this.#slots.get(key)
    if (slots === undefined) this.#slots.set(key, slots = new Set())
    if (slots.size >= max) return undefined
    const lease = String(++this.#sequence)
    slots.add(lease)
    return lease
  }

  async release (key: string, lease: string): Promise<void> {
    const slots = this.#slots.get(key)
    if (slots?.delete(lease) === true && slots.size === 0) this.#slots.delete(key)
  }

  async reserve (key: string, tokens: number, max: number, windowMs: number): Promise<Reservation> {
    const now = Date.now()
    const window = this.#current(key, now)
    const used = window?.used ?? 0
    if (used + tokens > max) return { granted: false, window: undefined, retryMs: window === undefined ? windowMs : window.endsAt - now }
    if (window === undefined) return { granted: true, window: this.#open(key, windowMs, tokens, now).id, retryMs: 0 }
    window.used += tokens
    return { granted: true, window: window.id, retryMs: 0 }
  }

  async settle (key: string, windowId: string, delta: number, windowMs: number): Promise<void> {
    const now = Date.now()
    const window = this.#current(key, now)
    if (window?.id === windowId) window.used = Math.max(0, window.used + delta)
    else if (delta > 0) {
      if (window === undefined) this.#open(key, windowMs, delta, now)
      else window.used += delta
    }
  }

  async open (): Promise<void> {}

  async close (): Promise<void> {
    clearInterval(this.#sweeper)
  }

  #sweep (): void {
    const now = Date.now()
    for (const [key, window] of this.#windows) if (window.endsAt <= now) this.#windows.delete(key)
  }
}
