/**
 * Prometheus metrics on their own Registry (never the global one). Every label takes a bounded set
 * of values: upstream names and route ids from config and profiles, status classes, error codes,
 * model names the config lists (anything else is `other`), identities only when an operator opts in,
 * up to a cap.
 * @module
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Config } from '../config/schema.js'

const PREFIX = 'infergate_'
// Seconds: from sub-millisecond gateway work to multi-minute generations.
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]
const OVERHEAD_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1]
export const OTHER = 'other'
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx']

/** The series of one upstream and route, resolved once: no label hashing per request. */
export interface RouteSeries {
  readonly requests: readonly Counter.Internal[]
  readonly duration: Histogram.Internal<'upstream' | 'route'>
  readonly firstByte: Histogram.Internal<'upstream' | 'route'>
  readonly firstToken: Histogram.Internal<'upstream' | 'route'>
  readonly streamDuration: Histogram.Internal<'upstream' | 'route'>
  readonly inFlightRequests: Gauge.Internal<'upstream'>
  readonly inFlightStreams: Gauge.Internal<'upstream'>
}

export class GatewayMetrics {
  readonly registry = new Registry()
  readonly requests: Counter<'upstream' | 'route' | 'status_class'>
  readonly duration: Histogram<'upstream' | 'route'>
  readonly firstByte: Histogram<'upstream' | 'route'>
  readonly firstToken: Histogram<'upstream' | 'route'>
  readonly streamDuration: Histogram<'upstream' | 'route'>
  readonly tokens: Counter<'model' | 'kind'>
  readonly inFlightRequests: Gauge<'upstream'>
  readonly inFlightStreams: Gauge<'upstream'>
  readonly refusals: Counter<'reason'>
  readonly authFailures: Counter<'method' | 'reason'>
  readonly upstreamErrors: Counter<'upstream' | 'kind'>
  readonly overhead: Histogram
  readonly upstreamUp: Gauge<'upstream'>
  readonly jwksRefreshes: Counter<'issuer' | 'result'>
  readonly configReloads: Counter<'result'>
  readonly identityRequests: Counter<'identity'> | undefined
  readonly limitsStoreUp: Gauge
  readonly limitsUnenforced: Counter<'limit'>
  readonly guardRefusals: Counter<'rule'>
  readonly guardRewrites: Counter<'rule' | 'action'>
  readonly #series = new Map<string, Map<string, RouteSeries>>()
  readonly #models: ReadonlySet<string>
  readonly #identities = new Set<string>()
  readonly #identityCap: number

  constructor (config: Config, version: string) {
    const registers = [this.registry]
    this.requests = new Counter({
      name: `${PREFIX}requests_total`, help: 'Requests answered, by upstream, route and status class.', labelNames: ['upstream', 'route', 'status_class'], registers
    })
    this.duration = new Histogram({
      name: `${PREFIX}request_duration_seconds`, help: 'From the request\'s arrival to the end of its response (streams included).', labelNames: ['upstream', 'route'], buckets: LATENCY_BUCKETS, registers
    })
    this.firstByte = new Histogram({
      name: `${PREFIX}upstream_first_byte_seconds`, help: 'From forwarding to the upstream\'s response headers.', labelNames: ['upstream', 'route'], buckets: LATENCY_BUCKETS, registers
    })
    this.firstToken = new Histogram({
      name: `${PREFIX}time_to_first_token_seconds`, help: 'Streams: from the request\'s arrival to the first body chunk relayed.', labelNames: ['upstream', 'route'], buckets: LATENCY_BUCKETS, registers
    })
    this.streamDuration = new Histogram({
      name: `${PREFIX}stream_duration_seconds`, help: 'Streamed responses: from the upstream\'s headers to the last chunk.', labelNames: ['upstream', 'route'], buckets: LATENCY_BUCKETS, registers
    })
    this.tokens = new Counter({
      name: `${PREFIX}tokens_total`, help: 'Tokens reported by upstream usage, by model and kind (prompt, completion).', labelNames: ['model', 'kind'], registers
    })
    this.inFlightRequests = new Gauge({
      name: `${PREFIX}in_flight_requests`, help: 'Requests forwarded and not finished.', labelNames: ['upstream'], registers
    })
    this.inFlightStreams = new Gauge({
      name: `${PREFIX}in_flight_streams`, help: 'Streamed responses being relayed.', labelNames: ['upstream'], registers
    })
    this.refusals = new Counter({
      name: `${PREFIX}refusals_total`, help: 'Requests refused or failed by the gateway, by error code.', labelNames: ['reason'], registers
    })
    this.authFailures = new Counter({
      name: `${PREFIX}auth_failures_total`, help: 'Authentication failures, by method and reason.', labelNames: ['method', 'reason'], registers
    })
    this.upstreamErrors = new Counter({
      name: `${PREFIX}upstream_errors_total`, help: 'Upstream transport failures, by kind.', labelNames: ['upstream', 'kind'], registers
    })
    this.overhead = new Histogram({
      name: `${PREFIX}gateway_overhead_seconds`, help: 'Time spent in the gateway before a request is forwarded.', buckets: OVERHEAD_BUCKETS, registers
    })
    this.upstreamUp = new Gauge({
      name: `${PREFIX}upstream_up`, help: 'Whether the upstream\'s health route answered 2xx at the last /readyz probe.', labelNames: ['upstream'], registers
    })
    this.jwksRefreshes = new Counter({
      name: `${PREFIX}jwks_refreshes_total`, help: 'JWKS fetches, by issuer and result (success, failure).', labelNames: ['issuer', 'result'], registers
    })
    this.configReloads = new Counter({
      name: `${PREFIX}config_reloads_total`, help: 'Reloads of the API key file, by result (success, failure).', labelNames: ['result'], registers
    })
    new Gauge({
      name: `${PREFIX}build_info`, help: 'Version of infergate and of Node.js.', labelNames: ['version', 'node'], registers
    }).set({ version, node: process.version }, 1)
    this.limitsStoreUp = new Gauge({
      name: `${PREFIX}limits_store_up`, help: 'rateLimit.redis: 1 while Redis answers, 0 during an outage.', registers
    })
    this.limitsUnenforced = new Counter({
      name: `${PREFIX}limits_unenforced_total`, help: 'Limit checks skipped because Redis was unreachable (rateLimit.redis.onError: open), by limit.', labelNames: ['limit'], registers
    })
    this.guardRefusals = new Counter({
      name: `${PREFIX}guard_refusals_total`, help: 'Requests refused by an advisory guard, by rule id.', labelNames: ['rule'], registers
    })
    this.guardRewrites = new Counter({
      name: `${PREFIX}guard_rewrites_total`, help: 'Fields stripped or capped, headers stripped and error bodies scrubbed by advisory guards, by rule id and action.', labelNames: ['rule', 'action'], registers
    })
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX })

    this.identityRequests = config.metrics.identityLabel.enabled
      ? new Counter({ name: `${PREFIX}identity_requests_total`, help: `Requests by identity (the first ${config.metrics.identityLabel.max}; the rest count as "other").`, labelNames: ['identity'], registers })
      : undefined
    this.#identityCap = config.metrics.identityLabel.max
    const models = [...config.upstreams.flatMap(u => u.models), ...config.auth.apiKeys.flatMap(k => k.models)]
    this.#models = new Set(models.filter(m => !m.includes('*')))
  }

  /** Upstream names and route ids are bounded sets (config, profiles), and so is this cache. */
  seriesFor (upstream: string, route: string): RouteSeries {
    let byRoute = this.#series.get(upstream)
    if (byRoute === undefined) this.#series.set(upstream, byRoute = new Map())
    let series = byRoute.get(route)
    if (series === undefined) {
      const labels = { upstream, route }
      series = {
        requests: STATUS_CLASSES.map(statusClass => this.requests.labels({ upstream, route, status_class: statusClass })),
        duration: this.duration.labels(labels),
        firstByte: this.firstByte.labels(labels),
        firstToken: this.firstToken.labels(labels),
        streamDuration: this.streamDuration.labels(labels),
        inFlightRequests: this.inFlightRequests.labels({ upstream }),
        inFlightStreams: this.inFlightStreams.labels({ upstream })
      }
      byRoute.set(route, series)
    }
    return series
  }

  /** A model label: configured names as they are, anything else `other`. */
  modelLabel (model: string | undefined): string {
    return model !== undefined && this.#models.has(model) ? model : OTHER
  }

  countIdentity (identity: string): void {
    if (this.identityRequests === undefined) return
    if (!this.#identities.has(identity) && this.#identities.size < this.#identityCap) this.#identities.add(identity)
    this.identityRequests.inc({ identity: this.#identities.has(identity) ? identity : OTHER })
  }
}
