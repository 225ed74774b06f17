/**
 * Prometheus metrics on their own Registry (never the global one). Every label takes a bounded set
 * of values: upstream names and route ids from config and profiles, status classes, error codes,
 * model names the config lists (anything else is `other`), identities only when an operator opts in,
 * up to a cap. What every request updates is a HotMetric (plain number writes); the rest stays
 * prom-client's own.
 * @module
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import type { Config } from '../config/schema.js'
import { HotMetric, type CounterSeries, type GaugeSeries, type HistogramSeries } from './hot-metric.js'
import type { TokenUsage } from '../exchange/token-usage.js'

const PREFIX = 'infergate_'
// Seconds: from sub-millisecond gateway work to multi-minute generations.
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]
const OVERHEAD_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1]
const OTHER = 'other'
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx']

/** The series of one upstream and route, resolved once. */
export interface RouteSeries {
  /** By status class: index 0 is 1xx. */
  readonly requests: readonly CounterSeries[]
  readonly duration: HistogramSeries
  readonly firstByte: HistogramSeries
  readonly firstToken: HistogramSeries
  readonly streamDuration: HistogramSeries
  readonly inFlightRequests: GaugeSeries
  readonly inFlightStreams: GaugeSeries
}

interface TokenSeries {
  readonly prompt: CounterSeries
  readonly completion: CounterSeries
}

type RouteLabels = readonly ['upstream', 'route']

export class GatewayMetrics {
  readonly registry = new Registry()
  readonly refusals: HotMetric<'counter', readonly ['reason']>
  readonly authFailures: HotMetric<'counter', readonly ['method', 'reason']>
  readonly upstreamErrors: HotMetric<'counter', readonly ['upstream', 'kind']>
  readonly overhead: HistogramSeries
  readonly upstreamUp: Gauge<'upstream'>
  readonly jwksRefreshes: Counter<'issuer' | 'result'>
  readonly configReloads: Counter<'result'>
  readonly limitsStoreUp: Gauge
  readonly limitsUnenforced: Counter<'limit'>
  readonly guardRefusals: Counter<'rule'>
  readonly guardRewrites: Counter<'rule' | 'action'>
  readonly #requests: HotMetric<'counter', readonly ['upstream', 'route', 'status_class']>
  readonly #duration: HotMetric<'histogram', RouteLabels>
  readonly #firstByte: HotMetric<'histogram', RouteLabels>
  readonly #firstToken: HotMetric<'histogram', RouteLabels>
  readonly #streamDuration: HotMetric<'histogram', RouteLabels>
  readonly #inFlightRequests: HotMetric<'gauge', readonly ['upstream']>
  readonly #inFlightStreams: HotMetric<'gauge', readonly ['upstream']>
  readonly #identityRequests: HotMetric<'counter', readonly ['identity']> | undefined
  readonly #series = new Map<string, Map<string, RouteSeries>>()
  /** By configured model name; any other model counts as `other`. */
  readonly #tokens = new Map<string, TokenSeries>()
  readonly #otherTokens: TokenSeries
  readonly #identities = new Map<string, CounterSeries>()
  readonly #identityCap: number

  constructor (config: Config, version: string) {
    const registry = this.registry
    const registers = [registry]
    this.#requests = new HotMetric(registry, {
      type: 'counter', name: `${PREFIX}requests_total`, help: 'Requests answered, by upstream, route and status class.', labelNames: ['upstream', 'route', 'status_class']
    })
    this.#duration = new HotMetric(registry, {
      type: 'histogram', name: `${PREFIX}request_duration_seconds`, help: 'From the request\'s arrival to the end of its response (streams included).', labelNames: ['upstream', 'route'], buckets: LATENCY_BUCKETS
    })
    this.#firstByte = new HotMetric(registry, {
      type: 'histogram', name: `${PREFIX}upstream_first_byte_seconds`, help: 'From forwarding to the upstream\'s response headers.', labelNames: ['upstream', 'route'], buckets: LATENCY_BUCKETS
    })
    this.#firstToken = new HotMetric(registry, {
      type: 'histogram', name: `${PREFIX}time_to_first_token_seconds`, help: 'Streams: from the request\'s arrival to the first body chunk relayed.', labelNames: ['upstream', 'route'], buckets: LATENCY_BUCKETS
    })
    this.#streamDuration = new HotMetric(registry, {
      type: 'histogram', name: `${PREFIX}stream_duration_seconds`, help: 'Streamed responses: from the upstream\'s headers to the last chunk.', labelNames: ['upstream', 'route'], buckets: LATENCY_BUCKETS
    })
    const tokens = new HotMetric(registry, {
      type: 'counter', name: `${PREFIX}tokens_total`, help: 'Tokens reported by upstream usage, by model and kind (prompt, completion).', labelNames: ['model', 'kind']
    })
    this.#inFlightRequests = new HotMetric(registry, {
      type: 'gauge', name: `${PREFIX}in_flight_requests`, help: 'Requests forwarded and not finished.', labelNames: ['upstream']
    })
    this.#inFlightStreams = new HotMetric(registry, {
      type: 'gauge', name: `${PREFIX}in_flight_streams`, help: 'Streamed responses being relayed.', labelNames: ['upstream']
    })
    this.refusals = new HotMetric(registry, {
      type: 'counter', name: `${PREFIX}refusals_total`, help: 'Requests refused or failed by the gateway, by error code.', labelNames: ['reason']
    })
    this.authFailures = new HotMetric(registry, {
      type: 'counter', name: `${PREFIX}auth_failures_total`, help: 'Authentication failures, by method and reason.', labelNames: ['method', 'reason']
    })
    this.upstreamErrors = new HotMetric(registry, {
      type: 'counter', name: `${PREFIX}upstream_errors_total`, help: 'Upstream transport failures, by kind.', labelNames: ['upstream', 'kind']
    })
    this.overhead = new HotMetric(registry, {
      type: 'histogram', name: `${PREFIX}gateway_overhead_seconds`, help: 'Time spent in the gateway before a request is forwarded.', labelNames: [], buckets: OVERHEAD_BUCKETS
    }).labels()
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

    this.#identityRequests = config.metrics.identityLabel.enabled
      ? new HotMetric(registry, { type: 'counter', name: `${PREFIX}identity_requests_total`, help: `Requests by identity (the first ${config.metrics.identityLabel.max}; the rest count as "other").`, labelNames: ['identity'] })
      : undefined
    this.#identityCap = config.metrics.identityLabel.max
    const tokenSeries = (model: string): TokenSeries => ({ prompt: tokens.labels(model, 'prompt'), completion: tokens.labels(model, 'completion') })
    for (const model of [...config.upstreams.flatMap(u => u.models), ...config.auth.apiKeys.flatMap(k => k.models)]) {
      if (!model.includes('*')) this.#tokens.set(model, tokenSeries(model))
    }
    this.#otherTokens = tokenSeries(OTHER)
  }

  /** Upstream names and route ids are bounded sets (config, profiles), and so is this cache. */
  seriesFor (upstream: string, route: string): RouteSeries {
    let byRoute = this.#series.get(upstream)
    if (byRoute === undefined) this.#series.set(upstream, byRoute = new Map())
    let series = byRoute.get(route)
    if (series === undefined) {
      series = {
        requests: STATUS_CLASSES.map(statusClass => this.#requests.labels(upstream, route, statusClass)),
        duration: this.#duration.labels(upstream, route),
        firstByte: this.#firstByte.labels(upstream, route),
        firstToken: this.#firstToken.labels(upstream, route),
        streamDuration: this.#streamDuration.labels(upstream, route),
        inFlightRequests: this.#inFlightRequests.labels(upstream),
        inFlightStreams: this.#inFlightStreams.labels(upstream)
      }
      byRoute.set(route, series)
    }
    return series
  }

  /** Upstream usage, by model: configured names as they are, anything else `other`. */
  countTokens (model: string | undefined, usage: TokenUsage): void {
    const { promptTokens, completionTokens } = usage
    // The numbers come from the upstream's body: a negative or infinite one would spoil the counter for good.
    if (!(promptTokens >= 0 && completionTokens >= 0 && Number.isFinite(promptTokens + completionTokens))) return
    const series = (model === undefined ? undefined : this.#tokens.get(model)) ?? this.#otherTokens
    series.prompt.inc(promptTokens)
    series.completion.inc(completionTokens)
  }

  countIdentity (identity: string): void {
    if (this.#identityRequests === undefined) return
    let series = this.#identities.get(identity)
    if (series === undefined) {
      if (this.#identities.size >= this.#identityCap) {
        this.#identityRequests.labels(OTHER).inc()
        return
      }
      this.#identities.set(identity, series = this.#identityRequests.labels(identity))
    }
    series.inc()
  }
}
