/**
 * The handler behind every allowed route: the checked request goes to the upstream's pool as one
 * undici dispatch, and an UpstreamRelay writes the response back as it arrives. Request admission
 * tells the relay when the client goes away.
 * @module
 */
import { performance } from 'node:perf_hooks'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Guards } from '../guards/index.js'
import type { GatewayMetrics } from '../observability/metrics.js'
import { forwardedTracestate, forwardedTraceparent, newTraceparent } from '../observability/trace.js'
import { routed } from '../exchange/exchange.js'
import type { Upstream } from '../exchange/upstream.js'
import { createModelLister } from './model-list.js'
import { UpstreamRelay } from './relay.js'
import { forwardedBody } from './request-body.js'
import { upstreamRequestHeaders } from './request-headers.js'

export function createForwarder (metrics: GatewayMetrics, guards: Guards) {
  const listModels = createModelLister()
  return function forward (request: FastifyRequest, reply: FastifyReply): void | Promise<void> {
    const context = routed(request)
    const match = context.match
    if (match.route.rule.answer === 'model-list') return listModels(request, reply)
    const upstream = context.upstream ?? (match.route.candidates[0] as Upstream)
    context.upstream = upstream
    // The client left while its body was read: nothing to forward, nobody to answer.
    if (reply.raw.destroyed) return
    const raw = request.raw
    const body = forwardedBody(request, context)
    const contentLength = body === undefined
      ? undefined
      : Buffer.isBuffer(body) ? body.length : Number(raw.headers['content-length'])
    context.bytesIn = contentLength ?? 0
    // A missing or invalid traceparent starts the gateway's own trace, and the client's tracestate
    // belongs to no trace then.
    const clientTrace = forwardedTraceparent(raw.headers['traceparent'])
    const traceparent = clientTrace ?? newTraceparent()
    const tracestate = clientTrace === undefined ? undefined : forwardedTracestate(raw.headers['tracestate'])
    context.traceId = traceparent.slice(3, 35)
    const series = metrics.seriesFor(upstream.name, match.route.rule.id)
    const relay = context.relay = new UpstreamRelay(context, series, guards)
    // Nothing reads the parsed body past here, and a stream holds its exchange for minutes: a long
    // prompt would stay in the heap twice (the bytes forwarded, and their parse) for as long.
    context.json = undefined
    context.forwardedAt = performance.now()
    series.inFlightRequests.inc()
    upstream.pool.dispatch({
      method: raw.method as string,
      path: raw.url as string,
      headers: upstreamRequestHeaders(raw, upstream, request.id, contentLength, traceparent, tracestate, guards.headerFilter(upstream.name, match.route.rule.id)),
      body: body ?? null
    }, relay)
  }
}
