import type { Principal } from '../auth/principal.js'
import type { Upstream } from '../proxy/upstreams.js'
import type { RouteMatch } from './route-table.js'

/** What the gateway learns about a proxied request, hook by hook; one object per request. */
export interface RequestState {
  readonly match: RouteMatch
  readonly principal: Principal
  upstream: Upstream | undefined
  model: string | undefined
}

declare module 'fastify' {
  interface FastifyRequest {
    gate: RequestState | null
  }
}
