/**
 * The exchange: everything the gateway learns about one request, stage by stage. One object per
 * request, opened by request admission (the first hook), read by the access log and the metrics when
 * the response is over. Stages read it with `exchangeOf`, or `routed` once admit ran: never by a cast.
 * @module
 */
import { performance } from 'node:perf_hooks'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Principal } from './principal.js'
import type { RouteMatch } from './route.js'
import type { TokenUsage } from './token-usage.js'
import type { Upstream } from './upstream.js'

export interface LimitLease {
  release (context: Exchange): void
}

export class Exchange {
  readonly startedAt = performance.now()
  readonly request: FastifyRequest
  readonly reply: FastifyReply
  match: RouteMatch | undefined = undefined
  principal: Principal | undefined = undefined
  /** How the caller tried to authenticate, known before it succeeds (for failure metrics). */
  authMethod: Principal['method'] | undefined = undefined
  upstream: Upstream | undefined = undefined
  model: string | undefined = undefined
  /** The JSON body, parsed once (routes that read the model from the body); let go once forwarded. */
  json: Record<string, unknown> | undefined = undefined
  /** A hook changed `json` (guards strip or cap, token budgets ask for usage): forward it re-serialised, once. */
  jsonChanged = false
  /** The gateway asked for usage the client did not: the usage chunk is removed from its stream. */
  stripUsageChunk = false
  /** Held limits (concurrency, reserved tokens), given back when the response is over. */
  lease: LimitLease | undefined = undefined
  /** The `IG_ERR_*` code when the gateway refused or failed the request, and why. */
  refusal: string | undefined = undefined
  refusalReason: string | undefined = undefined
  /** The status the gateway wrote on the connection itself, when the HTTP parser refused the request midway. */
  parserStatus: number | undefined = undefined
  /** The upstream exchange, told when the client goes away. */
  relay: { clientGone (): void } | undefined = undefined
  bytesIn = 0
  /** performance.now() marks; 0 = never happened. */
  forwardedAt = 0
  upstreamHeadersAt = 0
  firstChunkAt = 0
  chunks = 0
  bytesOut = 0
  /** The response has no Content-Length: SSE, chunked predictions. */
  streamed = false
  /** Set when the upstream failed after its response started. */
  upstreamFailure: string | undefined = undefined
  /** The trace id forwarded upstream: the client's valid `traceparent`'s, or one the gateway started. */
  traceId: string | undefined = undefined
  /** The last chunks of a vLLM response, where its `usage` is. */
  tail: Buffer[] | undefined = undefined
  tailBytes = 0
  /** An Anthropic stream's message_start usage (its input tokens), read from the stream's first bytes. */
  streamHeadUsage: Record<string, unknown> | undefined = undefined
  /** The usage the upstream reported, read when the response is over (before the lease is released). */
  usage: TokenUsage | undefined = undefined

  constructor (request: FastifyRequest, reply: FastifyReply) {
    this.request = request
    this.reply = reply
  }
}

/** An exchange past admit (routing/hooks.ts): its caller is proven and its route matched. */
export type Routed = Exchange & { match: RouteMatch, principal: Principal }

/** The request's exchange; a stage run before request admission opened it is a wiring mistake. */
export function exchangeOf (request: FastifyRequest): Exchange {
  const exchange = request.exchange
  if (exchange === null) throw new Error(`request ${request.id}: a stage ran before request admission opened its exchange`)
  return exchange
}

function isRouted (exchange: Exchange): exchange is Routed {
  return exchange.match !== undefined && exchange.principal !== undefined
}

/** The request's exchange once admit set its principal and match; before that, a wiring mistake. */
export function routed (request: FastifyRequest): Routed {
  const exchange = exchangeOf(request)
  if (!isRouted(exchange)) throw new Error(`request ${request.id}: a stage that needs its route ran before admit`)
  return exchange
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by request admission; read with `exchangeOf` or `routed`. */
    exchange: Exchange | null
  }
}
