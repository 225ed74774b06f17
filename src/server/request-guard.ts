import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { HostInvalidError, PathNonCanonicalError, ShuttingDownError } from '../errors.js'
import { hasRepeatedHost, isValidHost } from '../policy/host.js'
import { requestTargetProblem } from '../policy/request-target.js'

export interface GatewayState {
  draining: boolean
}

const HEALTH_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz'])

/** First hook of every request: refuse ambiguous targets and hosts before anything else looks at them. */
export function createRequestGuard (maxTargetBytes: number, state: GatewayState) {
  return function guard (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
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
