/**
 * What happens when a response is over (finished, failed, or cut by the client): metrics, one access
 * log line built from an explicit list of fields (never a dump of the request: no headers, no query
 * string, no bodies unless an operator asked), and an audit event for refusals. Refusals of the HTTP
 * parser, which have no request, get the same lines.
 * @module
 */
import { performance } from 'node:perf_hooks'
import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config/schema.js'
import type { Exchange } from '../exchange/exchange.js'
import { auditEventFor, upstreamErrorKind } from './audit-events.js'
import type { GatewayMetrics } from './metrics.js'
import { redactBody } from './redact.js'
import { traceIdOf } from './trace.js'
import { responseUsage } from './usage-dialects.js'

// Not an HTTP status: the client closed the connection before a response started (nginx's 499).
const CLIENT_CLOSED = 499
const MAX_LOGGED_PATH = 256
const LOGS_INFO: ReadonlySet<string> = new Set(['info', 'debug', 'trace'])
// Audit lines are warnings: an operator who quiets the access log to `warn` keeps them.
const LOGS_WARN: ReadonlySet<string> = new Set(['warn', ...LOGS_INFO])

const seconds = (from: number, to: number) => (to - from) / 1000
const round = (ms: number) => Math.round(ms * 1000) / 1000

export function createObserver (metrics: GatewayMetrics, log: FastifyBaseLogger, logging: Config['logging']) {
  return function observeEnd (context: Exchange): void {
    const { request, reply } = context
    const response = reply.raw
    const now = performance.now()
    const completed = response.writableFinished
    const status = context.parserStatus ?? (!completed && !response.headersSent ? CLIENT_CLOSED : response.statusCode)
    const upstream = context.upstream?.name ?? 'none'
    const series = metrics.seriesFor(upstream, context.match?.route.rule.id ?? 'none')

    series.requests[Math.floor(status / 100) - 1]?.inc()
    series.duration.observe(seconds(context.startedAt, now))
    if (context.forwardedAt !== 0) {
      metrics.overhead.observe(seconds(context.startedAt, context.forwardedAt))
      series.inFlightRequests.dec()
    }
    if (context.upstreamHeadersAt !== 0) series.firstByte.observe(seconds(context.forwardedAt, context.upstreamHeadersAt))
    if (context.streamed) {
      series.inFlightStreams.dec()
      series.streamDuration.observe(seconds(context.upstreamHeadersAt, now))
      if (context.firstChunkAt !== 0) series.firstToken.observe(seconds(context.startedAt, context.firstChunkAt))
    }
    // A stream's usage chunk the gateway removed was read on the way; any other usage is in the tail.
    const usage = context.usage ??= responseUsage(context)
    if (usage !== undefined) metrics.countTokens(context.model, usage)
    if (context.principal !== undefined) metrics.countIdentity(context.principal.id)
    const refusal = context.refusal
    if (refusal !== undefined) {
      metrics.refusals.labels(refusal).inc()
      if (refusal === 'IG_ERR_UNAUTHENTICATED' || refusal === 'IG_ERR_AUTH_UNAVAILABLE') {
        metrics.authFailures.labels(context.authMethod ?? 'none', context.refusalReason ?? 'unknown').inc()
      }
    }
    const errorKind = upstreamErrorKind(refusal) ?? context.upstreamFailure
    if (errorKind !== undefined) metrics.upstreamErrors.labels(upstream, errorKind).inc()

    if (!LOGS_WARN.has(log.level)) return
    const target = request.raw.url ?? ''
    const query = target.indexOf('?')
    const path = (query === -1 ? target : target.slice(0, query)).slice(0, MAX_LOGGED_PATH)
    const event = auditEventFor(refusal)
    if (LOGS_INFO.has(log.level)) {
      const entry = {
        reqId: request.id,
        // The trace id sent upstream; for a request never forwarded, the client's, when valid.
        traceId: context.traceId ?? traceIdOf(request.headers['traceparent']),
        method: request.method,
        path,
        route: context.match?.route.rule.path,
        identity: context.principal?.id,
        auth: context.principal?.method,
        upstream: context.upstream?.name,
        framework: context.upstream?.config.framework,
        model: context.model,
        status,
        refusal,
        reason: context.refusalReason,
        bytesIn: context.bytesIn,
        bytesOut: context.bytesOut,
        durationMs: round(now - context.startedAt),
        ttfbMs: context.upstreamHeadersAt === 0 ? undefined : round(context.upstreamHeadersAt - context.forwardedAt),
        streamed: context.streamed || undefined,
        chunks: context.streamed ? context.chunks : undefined,
        ttftMs: context.streamed && context.firstChunkAt !== 0 ? round(context.firstChunkAt - context.startedAt) : undefined,
        promptTokens: usage?.promptTokens,
        completionTokens: usage?.completionTokens,
        upstreamFailure: context.upstreamFailure,
        requestBody: logging.bodies && Buffer.isBuffer(request.body) ? redactBody(request.body, logging.bodyBytes) : undefined
      }
      log.info(entry, 'request')
    }
    if (event !== undefined) {
      log.warn({
        event,
        reqId: request.id,
        reason: context.refusalReason ?? refusal,
        identity: context.principal?.id,
        method: request.method,
        path,
        model: context.model,
        // node detaches a request cut mid-body (a timed-out upload) from its socket before this runs.
        remoteAddress: (request.raw.socket as typeof request.raw.socket | null)?.remoteAddress
      }, 'audit')
    }
  }
}

export type ObserveEnd = ReturnType<typeof createObserver>

/** A request node's HTTP parser refused: no request object, no method or path to trust. */
export interface RefusedConnection {
  readonly requestId: string
  readonly code: string
  /** The status sent; 0 when the connection was cut unanswered (a response was in flight on it). */
  readonly status: number
  /** The parser's error code (`HPE_INVALID_HEADER_TOKEN` …). */
  readonly reason: string | undefined
  readonly remoteAddress: string | undefined
}

/**
 * Counts every parser refusal and writes its access line and audit event, like any other refusal's
 * (a flood of malformed requests costs a line each, as a flood of bad keys does).
 */
export function createConnectionObserver (metrics: GatewayMetrics, log: FastifyBaseLogger) {
  return function observeRefusedConnection (refused: RefusedConnection): void {
    metrics.refusals.labels(refused.code).inc()
    if (LOGS_INFO.has(log.level)) log.info({ reqId: refused.requestId, status: refused.status, refusal: refused.code, reason: refused.reason }, 'request')
    if (!LOGS_WARN.has(log.level)) return
    const event = auditEventFor(refused.code)
    if (event !== undefined) {
      log.warn({ event, reqId: refused.requestId, reason: refused.reason ?? refused.code, remoteAddress: refused.remoteAddress }, 'audit')
    }
  }
}

export type ObserveRefusedConnection = ReturnType<typeof createConnectionObserver>
