/**
 * The handler behind every allowed route: one undici request on the upstream's pool, the response
 * streamed back chunk by chunk as it arrives. A client that goes away aborts the upstream request at
 * once, before or after the response started (the request guard arranges it), so the backend stops
 * generating.
 * @module
 */
import { performance } from 'node:perf_hooks'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Guards } from '../guards/index.js'
import type { GatewayMetrics } from '../observability/metrics.js'
import { clientBody } from '../limits/include-usage.js'
import { newTraceparent } from '../observability/trace.js'
import { keepTail } from '../observability/usage.js'
import type { RequestContext } from '../server/request-context.js'
import { createModelLister } from './model-list.js'
import { forwardedBody } from './request-body.js'
import { upstreamRequestHeaders } from './request-headers.js'
import { clientResponseHeaders } from './response-headers.js'
import { upstreamError } from './upstream-errors.js'
import { UpstreamBadResponseError } from '../errors.js'

export function createForwarder (metrics: GatewayMetrics, guards: Guards) {
  const listModels = createModelLister()
  return function forward (request: FastifyRequest, reply: FastifyReply): void | Promise<void> {
    const context = request.gate as RequestContext
    const match = context.match as NonNullable<RequestContext['match']>
    if (match.route.rule.answer === 'model-list') return listModels(request, reply)
    const upstream = context.upstream ?? (match.route.candidates[0] as NonNullable<RequestContext['upstream']>)
    context.upstream = upstream
    // The client left while its body was read: nothing to forward, nobody to answer.
    if (reply.raw.destroyed) return
    const raw = request.raw
    const body = forwardedBody(request, context)
    const contentLength = body === undefined
      ? undefined
      : Buffer.isBuffer(body) ? body.length : Number(raw.headers['content-length'])
    context.bytesIn = contentLength ?? 0
    const traceparent = raw.headers['traceparent'] === undefined ? newTraceparent() : undefined
    if (traceparent !== undefined) context.traceId = traceparent.slice(3, 35)
    const abort = context.abort = new AbortController()
    context.forwardedAt = performance.now()
    const series = metrics.seriesFor(upstream.name, match.route.rule.id)
    series.inFlightRequests.inc()

    upstream.pool.request({
      method: raw.method as string,
      path: raw.url as string,
      headers: upstreamRequestHeaders(raw, upstream, request.id, contentLength, traceparent, guards.headerFilter(upstream.name, match.route.rule.id)),
      body: body ?? null,
      signal: abort.signal
    }, (err, response) => {
      if (err !== null) {
        if (!abort.signal.aborted) {
          request.log.warn({ upstream: upstream.name, code: (err as { code?: string }).code }, 'upstream request failed')
          reply.send(upstreamError(err, upstream.name))
        }
        return
      }
      const stream = response.body
      if (abort.signal.aborted) {
        stream.destroy()
        return
      }
      context.upstreamHeadersAt = performance.now()
      try {
        reply.code(response.statusCode)
      } catch {
        stream.destroy()
        reply.send(new UpstreamBadResponseError(upstream.name))
        return
      }
      if (response.headers['content-length'] === undefined) {
        context.streamed = true
        series.inFlightStreams.inc()
      }
      const keepUsage = upstream.config.framework === 'vllm'
      stream.on('data', (chunk: Buffer) => {
        if (context.chunks++ === 0) context.firstChunkAt = performance.now()
        context.bytesOut += chunk.length
        if (keepUsage) keepTail(context, chunk)
      })
      stream.once('error', () => {
        if (!abort.signal.aborted) context.upstreamFailure = 'mid_stream'
      })
      const headers = clientResponseHeaders(response.headers, request.id)
      const scrub = guards.errorScrubber(upstream.name, response.statusCode, headers)
      if (scrub === undefined) {
        reply.headers(headers).send(clientBody(context, stream))
        return
      }
      // A small error body, read whole: sent scrubbed, with its new length.
      scrub(stream).then(scrubbed => {
        reply.headers(headers).header('content-length', scrubbed.length).send(scrubbed)
      }, () => {
        if (!abort.signal.aborted) reply.send(new UpstreamBadResponseError(upstream.name))
      })
    })
  }
}
