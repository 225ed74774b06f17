/**
 * At most `perSecond` log lines a second for each key (an error code), so that one client cannot fill
 * the logs with the same line; what was left out is counted and reported on the next line written.
 * Keys are a bounded set (codes), and so is the map.
 * @module
 */
export class RepeatLimiter {
  readonly #perSecond: number
  readonly #now: () => number
  readonly #keys = new Map<string, { second: number, written: number, suppressed: number }>()

  constructor (perSecond: number, now: () => number = Date.now) {
    this.#perSecond = perSecond
    this.#now = now
  }

  /** `undefined`: leave this line out. Otherwise write it, with the number of lines left out since the last one. */
  admit (key: string): number | undefined {
    const second = Math.floor(this.#now() / 1000)
    let state = this.#keys.get(key)
    if (state === undefined) this.#keys.set(key, state = { second, written: 0, suppressed: 0 })
    if (state.second !== second) {
      state.second = second
      state.written = 0
    }
    if (state.written >= this.#perSecond) {
      state.suppressed++
      return undefined
    }
    state.written++
    const suppressed = state.suppressed
    state.suppressed = 0
    return suppressed
  }
}
