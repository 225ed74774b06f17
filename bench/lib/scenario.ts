/**
 * What a scenario is and what it hands back. The runner brackets each run with CPU and RSS samples
 * of the contender's process; a scenario that must exclude ramp-up and tear-down (slow streams)
 * returns its own measurement window instead.
 * @module
 */
import type { Backend, BackendName } from './backends.js'

export interface Snapshot {
  readonly at: number
  /** CPU µs of the proxy process; undefined for `direct`. */
  readonly proxyCpuUs: number | undefined
  readonly backendCpuUs: number | undefined
  readonly proxyRssKb: number | undefined
}

export interface ScenarioContext {
  readonly quick: boolean
  /** A short run to warm the JIT and the connection pools; its numbers are dropped. */
  readonly warmup: boolean
  /** The contender's URL for this backend (the backend's own for `direct`). */
  readonly url: string
  readonly backend: Backend
  /** Headers a client sends through this contender (its credential). */
  readonly headers: Readonly<Record<string, string>>
  snapshot (): Snapshot
}

/** How long a timed run lasts: 3 s in full runs, 0.3 s in quick ones, warm-ups 0.5 s. */
export function runSeconds (context: Pick<ScenarioContext, 'quick' | 'warmup'>): number {
  return context.warmup ? 0.5 : context.quick ? 0.3 : 3
}

export interface Measurement {
  /** Units of work done, by name ("request", "stream", "event", "MB", "refusal"): throughput and CPU are given per each. */
  readonly counts: Readonly<Record<string, number>>
  readonly seconds: number
  /** Failed or unexpected answers; reported, never hidden. */
  readonly errors: number
  /** Scenario-specific figures (latencies end in " ms", so the report adds their difference to direct). */
  readonly figures?: Readonly<Record<string, number>>
  /** When present, CPU per unit comes from this window and its counts instead of the whole run. */
  readonly window?: { readonly from: Snapshot, readonly to: Snapshot, readonly counts: Readonly<Record<string, number>> }
}

export interface Scenario {
  readonly name: string
  readonly description: string
  readonly needs: BackendName
  /** Only for contenders that enforce policy (refusals). */
  readonly policyOnly?: boolean
  /**
   * Each run of a full run in a freshly started contender, with no warm-up: memory per stream is
   * measured from the process's first RSS, not from a heap that earlier runs grew (whose free space
   * hides new streams). Quick runs keep their processes and give no memory per stream.
   */
  readonly freshProcess?: boolean
  /** Left out of quick runs unless named with --scenarios. */
  readonly fullOnly?: boolean
  run (context: ScenarioContext): Promise<Measurement>
}
