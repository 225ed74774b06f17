/**
 * The handler behind every allowed route: one undici request on the upstream's pool, the response
 * streamed back chunk by chunk as it arrives. A client that goes away aborts the upstream request at
 * once, before or after the response started, so the backend stops generating.
 * @module
 */
import type { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { UpstreamBadResponseError } from '../errors.js'
import type { RequestState } from '../routing/request-state.js'
import { upstreamRequestHeaders } from './request-headers.js'
import { clientResponseHeaders } from './response-headers.js'
import { upstreamError } from './upstream-errors.js'

export function forward (request: FastifyRequest, reply: FastifyReply): void {
  const state = request.gate as RequestState
  const upstream = state.upstream ?? state.match.route.candidates[0]
  if (upstream === undefined) throw new UpstreamBadResponseError('(none)')
  const raw = request.raw
  const body = request.body as Buffer | Readable | undefined
  const contentLength = body === undefined
    ? undefined
    : Buffer.isBuffer(body) ? body.length : Number(raw.headers['content-length'])

  const abort = new AbortController()
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) abort.abort()
  })

  upstream.pool.request({
    method: raw.method as string,
    path: raw.url as string,
    headers: upstreamRequestHeaders(raw, upstream, request.id, contentLength),
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
    if (abort.signal.aborted) {
      response.body.destroy()
      return
    }
    try {
      reply.code(response.statusCode)
    } catch {
      response.body.destroy()
      reply.send(new UpstreamBadResponseError(upstream.name))
      return
    }
    reply.headers(clientResponseHeaders(response.headers, request.id)).send(response.body)
  })
}
