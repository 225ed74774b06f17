import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { FramingInvalidError, HostInvalidError, PathNonCanonicalError, ShuttingDownError } from '../errors.js'
import type { ObserveEnd } from '../observability/observer.js'
import { framingProblem } from '../policy/framing.js'
import { hasRepeatedHost, isValidHost } from '../policy/host.js'
import { requestTargetProblem } from '../policy/request-target.js'
import { RequestContext } from './request-context.js'
import { trackRequest, untrackRequest } from './request-timeout.js'

export interface GatewayState {
  draining: boolean
}

/** Answered by the gateway itself (src/health), without a credential. */
export const HEALTH_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz'])

/**
 * First hook of every request: opens its context, arranges for the end of the response (finished or
 * cut) to abort the upstream request and be observed, then refuses ambiguous framings, targets and
 * hosts before anything else looks at them.
 */
export function createRequestGuard (maxTargetBytes: number, state: GatewayState, observeEnd: ObserveEnd) {
  return function guard (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const context = new RequestContext(request, reply)
    request.gate = context
    trackRequest(context)
    reply.raw.once('close', () => {
      untrackRequest(context)
      if (!reply.raw.writableFinished) context.relay?.clientGone()
      observeEnd(context)
      context.lease?.release(context)
    })
    const framing = framingProblem(request.raw.httpVersion, request.headers['transfer-encoding'])
    if (framing !== undefined) {
      // Whatever follows the head cannot be delimited the way the client meant it.
      reply.header('connection', 'close')
      throw new FramingInvalidError(framing)
    }
    const target = request.raw.url as string
    const problem = requestTargetProblem(target, maxTargetBytes)
    if (problem !== undefined) throw new PathNonCanonicalError(problem)
    if (!isValidHost(request.headers.host) || hasRepeatedHost(request.raw.rawHeaders)) throw new HostInvalidError()
    if (state.draining && !HEALTH_PATHS.has(target)) {
      reply.header('connection', 'close')
      throw new ShuttingDownError()
    }
    done()
  }
}
