/**
 * The proxied route's hooks, in order: authenticate, match the allowlist (and a model named in the
 * path) before the body is read; then, once a JSON body or form named its model, pick the upstream and
 * hold the body to its limit.
 * @module
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { Authenticate } from '../auth/authenticate.js'
import type { Principal } from '../exchange/principal.js'
import { BodyNotAllowedError, BodyTooLargeError, ModelRequiredError, RouteNotAllowedError, shown } from '../errors.js'
import { pathLength } from '../policy/request-target.js'
import { modelInBody } from '../profiles/types.js'
import { exchangeOf, routed, type Exchange } from '../exchange/exchange.js'
import type { RouteTable } from './route-table.js'
import { selectUpstream } from './select-upstream.js'

function hasBody (request: FastifyRequest): boolean {
  const length = request.headers['content-length']
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

export function createRouteHooks (table: RouteTable, authenticate: Authenticate) {
  function admit (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const context = exchangeOf(request)
    const principal = authenticate(request, context)
    if (principal instanceof Promise) {
      principal.then(verified => admitRouteSafely(request, context, verified, done), done)
    } else {
      admitRoute(request, context, principal, done)
    }
  }

  function admitRoute (request: FastifyRequest, context: Exchange, principal: Principal, done: HookHandlerDoneFunction): void {
    context.principal = principal
    const target = request.raw.url as string
    const match = table.match(request.method, target)
    if (match === undefined) throw new RouteNotAllowedError(request.method, shown(target.slice(0, pathLength(target))))
    const rule = match.route.rule
    // GET routes carry no body; one that came anyway would be read by nobody or by the backend alone.
    if (rule.methods[0] === 'GET' && hasBody(request)) throw new BodyNotAllowedError('GET')
    context.match = match
    if (match.pathModel !== undefined) selectUpstream(context, match.candidates, match.pathModel)
    done()
  }

  /** Refusals thrown after an await must still reach fastify's error path. */
  function admitRouteSafely (request: FastifyRequest, context: Exchange, principal: Principal, done: HookHandlerDoneFunction): void {
    try {
      admitRoute(request, context, principal, done)
    } catch (err) {
      done(err as Error)
    }
  }

  function selectByBodyModel (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const context = routed(request)
    const match = context.match
    if (modelInBody(match.route.rule.model) && context.upstream === undefined) {
      if (context.model === undefined) throw new ModelRequiredError()
      // The body was read within the largest limit of the route's upstreams; this one may allow less.
      const limit = selectUpstream(context, match.candidates, context.model).bodyBytes
      if ((request.body as Buffer).length > limit) throw new BodyTooLargeError(limit)
    }
    done()
  }

  return { admit, selectByBodyModel }
}
