/**
 * Advisory guards: rules (src/guards/rules) that answer published advisories of the backends, armed
 * per upstream from `upstreams[].guards`. The app adds `preHandler` to the proxied route; the
 * forwarder asks for the header filter of each request and whether to scrub an error response.
 * @module
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config/schema.js'
import type { GatewayMetrics } from '../observability/metrics.js'
import { headerKey } from '../lib/header-key.js'
import { scrubbedBody, scrubs } from './error-scrub.js'
import { planUpstream, type UpstreamPlan } from './plan.js'
import { createRequestCheck } from './request-check.js'
import { errorScrubRule } from './rules/index.js'

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>
type Headers = Record<string, string | string[] | undefined>
/** An upstream error body, read whole, as the client gets it. */
export type ErrorScrubber = (body: Buffer) => Buffer
/** True for a request header name that must not reach the upstream. */
export type HeaderFilter = (name: string) => boolean

export interface Guards {
  /** Empty when no upstream has a request rule switched on. */
  readonly preHandler: Hook[]
  headerFilter (upstream: string, route: string): HeaderFilter | undefined
  /** For an upstream error response to scrub: what to do with its body once read. */
  errorScrubber (upstream: string, status: number, headers: Headers): ErrorScrubber | undefined
}

export function createGuards (config: Config, metrics: GatewayMetrics): Guards {
  const plans = new Map<string, UpstreamPlan>(config.upstreams.map(upstream => [upstream.name, planUpstream(upstream)]))
  const filters = new Map<string, Map<string, HeaderFilter>>()
  let checksRequests = false
  for (const [upstream, plan] of plans) {
    const byRoute = new Map<string, HeaderFilter>()
    filters.set(upstream, byRoute)
    for (const [route, { query, json, headers }] of plan.routes) {
      if (query.length + json.length > 0) checksRequests = true
      if (headers.length === 0) continue
      byRoute.set(route, name => {
        // The name a backend may read: a rule naming x-vertex-ai-triton-redirect also drops X_Vertex_Ai_Triton_Redirect.
        const key = headerKey(name)
        const armed = headers.find(({ rule, settings }) => rule.drops(key, settings))
        if (armed !== undefined) metrics.guardRewrites.inc({ rule: armed.rule.id, action: 'strip' })
        return armed !== undefined
      })
    }
  }
  function scrubError (body: Buffer): Buffer {
    const scrubbed = scrubbedBody(body)
    if (scrubbed.changed) metrics.guardRewrites.inc({ rule: errorScrubRule.id, action: 'strip' })
    return scrubbed.body
  }

  return {
    preHandler: checksRequests ? [createRequestCheck(plans, metrics)] : [],
    headerFilter: (upstream, route) => filters.get(upstream)?.get(route),
    errorScrubber: (upstream, status, headers) => {
      const max = plans.get(upstream)?.scrubMaxBytes
      return max !== undefined && scrubs(status, headers, max) ? scrubError : undefined
    }
  }
}
