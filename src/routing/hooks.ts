/**
 * The proxied route's hooks, in order: authenticate, match the allowlist (and a model named in the
 * path) before the body is read; then, once a JSON body named its model, pick the upstream.
 * @module
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { Authenticate } from '../auth/authenticate.js'
import { BodyNotAllowedError, ModelRequiredError, RouteNotAllowedError } from '../errors.js'
import { pathLength } from '../policy/request-target.js'
import type { RequestState } from './request-state.js'
import type { RouteTable } from './route-table.js'
import { selectUpstream } from './select-upstream.js'

function hasBody (request: FastifyRequest): boolean {
  const length = request.headers['content-length']
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

export function createRouteHooks (table: RouteTable, authenticate: Authenticate) {
  function admit (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const principal = authenticate(request)
    const target = request.raw.url as string
    const match = table.match(request.method, target)
    if (match === undefined) throw new RouteNotAllowedError(request.method, target.slice(0, pathLength(target)))
    const rule = match.route.rule
    // GET routes carry no body; one that came anyway would be read by nobody or by the backend alone.
    if (rule.methods[0] === 'GET' && hasBody(request)) throw new BodyNotAllowedError('GET')
    const state: RequestState = { match, principal, upstream: undefined, model: undefined }
    request.gate = state
    if (match.pathModel !== undefined) selectUpstream(state, match.pathModel)
    done()
  }

  function selectByBodyModel (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const state = request.gate as RequestState
    if (state.match.route.rule.model.from === 'body' && state.upstream === undefined) {
      if (state.model === undefined) throw new ModelRequiredError()
      selectUpstream(state, state.model)
    }
    done()
  }

  return { admit, selectByBodyModel }
}
