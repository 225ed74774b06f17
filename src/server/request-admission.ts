/**
 * Request admission, the first hook of every request: it opens the request's exchange, then admits
 * only what every later stage can read one way (framing, request target, Host, Expect), and nothing
 * but the health routes once the gateway drains. Not an advisory guard (src/guards): every refusal
 * here is the gateway's own rule.
 * @module
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { BadRequestError, ExpectationFailedError, FramingInvalidError, HostInvalidError, PathNonCanonicalError, ShuttingDownError } from '../errors.js'
import { Exchange } from '../exchange/exchange.js'
import type { GatewayState } from '../exchange/gateway-state.js'
import type { ObserveEnd } from '../observability/observer.js'
import { expectationUnmet } from '../policy/expect-continue.js'
import { framingProblem } from '../policy/framing.js'
import { hasRepeatedHost, isValidHost } from '../policy/host.js'
import { requestTargetProblem } from '../policy/request-target.js'
import type { OpenRequests } from './open-requests.js'

/** Answered by the gateway itself (src/health), without a credential. */
export const HEALTH_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz'])

export type OpenExchange = (request: FastifyRequest, reply: FastifyReply) => Exchange

/**
 * Opens a request's exchange, for admission and for requests the router refuses before any hook:
 * the response carries the request id, and its end (finished or cut) aborts the upstream request
 * and is observed.
 */
export function createExchangeOpener (observeEnd: ObserveEnd, openRequests: OpenRequests): OpenExchange {
  return function openExchange (request: FastifyRequest, reply: FastifyReply): Exchange {
    const context = new Exchange(request, reply)
    request.exchange = context
    reply.header('x-request-id', request.id)
    const socket = request.raw.socket
    openRequests.add(context, socket)
    reply.raw.once('close', () => {
      openRequests.remove(socket)
      if (!reply.raw.writableFinished) context.relay?.clientGone()
      observeEnd(context)
      context.lease?.release(context)
    })
    return context
  }
}

/**
 * First hook of every request: opens its exchange, then refuses ambiguous framings, targets and hosts
 * before anything else looks at them.
 */
export function createRequestAdmission (maxTargetBytes: number, state: GatewayState, openExchange: OpenExchange, openRequests: OpenRequests) {
  return function admitRequest (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const context = openExchange(request, reply)
    // Pipelined behind a request refused for bytes that may not have ended where the client meant
    // (its framing, a body left unread): never served, whatever it is.
    if (openRequests.isClosing(request.raw.socket)) {
      context.refusalReason = 'after_closing_refusal'
      throw new BadRequestError()
    }
    const framing = framingProblem(request.raw.httpVersion, request.headers['transfer-encoding'])
    // Whatever follows the head cannot be delimited the way the client meant it (the connection closes).
    if (framing !== undefined) throw new FramingInvalidError(framing)
    const target = request.raw.url as string
    const problem = requestTargetProblem(target, maxTargetBytes)
    if (problem !== undefined) throw new PathNonCanonicalError(problem)
    if (!isValidHost(request.headers.host, request.raw.httpVersionMinor === 0) || hasRepeatedHost(request.raw.rawHeaders)) throw new HostInvalidError()
    if (expectationUnmet(request.raw)) throw new ExpectationFailedError()
    if (state.draining && !HEALTH_PATHS.has(target)) {
      reply.header('connection', 'close')
      throw new ShuttingDownError()
    }
    done()
  }
}
