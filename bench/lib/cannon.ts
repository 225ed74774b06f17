/** autocannon's programmatic API, quiet and bounded, reduced to what the scenarios report. */
import autocannon from 'autocannon'

export interface CannonResult {
  readonly ok: number
  readonly non2xx: number
  /** 4xx answers: the refusals a policy scenario counts. */
  readonly status4xx: number
  readonly errors: number
  readonly seconds: number
  readonly p50Ms: number
  readonly p99Ms: number
}

export async function cannon (options: autocannon.Options): Promise<CannonResult> {
  // never unbounded: a duration unless an amount is given, and a per-request timeout; autocannon
  // checks its deadline once per sample interval, so sub-second durations need a shorter interval
  const result = await autocannon({ timeout: 30, sampleInt: 100, ...(options.amount === undefined ? { duration: 1 } : {}), ...options })
  return {
    ok: result['2xx'],
    non2xx: result.non2xx,
    status4xx: result['4xx'],
    errors: result.errors + result.timeouts,
    seconds: result.duration,
    // no answer at all leaves autocannon's histogram at 0 ms, which would read as instant
    p50Ms: result['2xx'] + result.non2xx > 0 ? result.latency.p50 : Number.NaN,
    p99Ms: result['2xx'] + result.non2xx > 0 ? result.latency.p99 : Number.NaN
  }
}
