/**
 * Readiness: each upstream's own health route (vLLM /health, Triton /v2/health/ready, TorchServe
 * /ping, with the backend's credential), probed on demand. One probe result answers for a short
 * while and concurrent /readyz calls share one probe, so probes cannot be used to flood a backend.
 * @module
 */
import { durationMs } from '../lib/duration.js'
import type { Upstream } from '../exchange/upstream.js'

export interface ProbeResult {
  readonly name: string
  readonly ready: boolean
  readonly status?: number
  readonly error?: string
}

interface CachedProbe {
  readonly at: number
  readonly result: Promise<ProbeResult>
}

async function probe (upstream: Upstream): Promise<ProbeResult> {
  const timeout = durationMs(upstream.config.healthCheck.timeout)
  try {
    const response = await upstream.pool.request({
      method: 'GET',
      path: upstream.config.healthCheck.path ?? upstream.profile.healthPath,
      headers: [...upstream.extraHeaders, 'x-request-id', 'infergate-readiness'],
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: AbortSignal.timeout(timeout)
    })
    await response.body.dump()
    return { name: upstream.name, ready: response.statusCode >= 200 && response.statusCode < 300, status: response.statusCode }
  } catch (err) {
    const code = (err as { code?: unknown, name?: string }).code
    return { name: upstream.name, ready: false, error: typeof code === 'string' ? code : (err as Error).name }
  }
}

export class Readiness {
  readonly #upstreams: readonly Upstream[]
  readonly #cache = new Map<Upstream, CachedProbe>()
  readonly #onProbe: (result: ProbeResult) => void

  /** `onProbe` hears each fresh probe result (the upstream_up metric). */
  constructor (upstreams: readonly Upstream[], onProbe: (result: ProbeResult) => void) {
    this.#upstreams = upstreams
    this.#onProbe = onProbe
  }

  async check (): Promise<{ ready: boolean, upstreams: ProbeResult[] }> {
    const now = Date.now()
    const results = await Promise.all(this.#upstreams.map(upstream => {
      const cached = this.#cache.get(upstream)
      if (cached !== undefined && now - cached.at < durationMs(upstream.config.healthCheck.cache)) return cached.result
      const result = probe(upstream).then(outcome => {
        this.#onProbe(outcome)
        return outcome
      })
      this.#cache.set(upstream, { at: now, result })
      return result
    }))
    return { ready: results.every(r => r.ready), upstreams: results }
  }
}
