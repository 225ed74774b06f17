/**
 * CORS (`cors`), for browser pages on other origins. The gateway answers preflights itself, from the
 * route table and without a credential, and never forwards them; every other response to an allowed
 * origin (streams and refusals included) says so. Any other origin gets no Access-Control-* header at
 * all: CORS is the browser's check, so its requests are still answered, just unreadable to the page.
 * @module
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { durationMs } from '../lib/duration.js'
import type { Config } from '../config/schema.js'
import { OriginNotAllowedError, RouteNotAllowedError, shown } from '../errors.js'
import { pathLength } from '../policy/request-target.js'
import type { RouteTable } from '../routing/route-table.js'
import { HEALTH_PATHS } from './request-admission.js'

type CorsConfig = NonNullable<Config['cors']>

// What the frameworks' browser clients send beyond the CORS-safelisted headers (JSON is not one).
const ALLOW_HEADERS = ['authorization', 'content-type', 'x-api-key', 'x-request-id']
// What they need to read: the request id, the limits' answers (src/limits), Triton's binary split.
const EXPOSE_HEADERS = ['x-request-id', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'inference-header-content-length']
const HEALTH_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD'])
const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'

const headerList = (defaults: readonly string[], extra: readonly string[]) => [...new Set([...defaults, ...extra])].join(', ')

export interface Cors {
  /** Before request admission, so that its refusals are readable too. */
  responseHeaders (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void
  /** After request admission: only canonical targets are matched. */
  preflight (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void
}

export function createCors (config: CorsConfig, table: RouteTable): Cors {
  // "*" is never combined with credentials (semantics.ts), so it may be sent as it is.
  const anyOrigin = config.origins[0] === '*'
  const origins: ReadonlySet<string> = new Set(config.origins)
  const allowHeaders = headerList(ALLOW_HEADERS, config.allowHeaders)
  const exposeHeaders = headerList(EXPOSE_HEADERS, config.exposeHeaders)
  const maxAge = String(Math.floor(durationMs(config.maxAge) / 1000))
  const credentials = config.credentials

  function allowedOrigin (origin: string | undefined): string | undefined {
    if (origin === undefined) return undefined
    if (anyOrigin) return '*'
    return origins.has(origin) ? origin : undefined
  }

  function isPreflight (request: FastifyRequest): boolean {
    return request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined
  }

  /** Whether the real request would be admitted by method and path (model scope needs its credential). */
  function routeAllowed (method: string, target: string): boolean {
    if (table.match(method, target) !== undefined) return true
    return HEALTH_METHODS.has(method) && HEALTH_PATHS.has(target.slice(0, pathLength(target)))
  }

  return {
    responseHeaders (request, reply, done) {
      const allowed = allowedOrigin(request.headers.origin)
      if (allowed !== undefined && !isPreflight(request)) {
        reply.header('access-control-allow-origin', allowed)
        reply.header('vary', 'Origin')
        reply.header('access-control-expose-headers', exposeHeaders)
        if (credentials) reply.header('access-control-allow-credentials', 'true')
      }
      done()
    },

    preflight (request, reply, done) {
      const origin = request.headers.origin
      if (origin === undefined || !isPreflight(request)) {
        done()
        return
      }
      const allowed = allowedOrigin(origin)
      if (allowed === undefined) throw new OriginNotAllowedError()
      const method = request.headers['access-control-request-method'] as string
      const target = request.raw.url as string
      if (!routeAllowed(method, target)) throw new RouteNotAllowedError(shown(method), shown(target.slice(0, pathLength(target))))
      reply.code(204)
      reply.header('access-control-allow-origin', allowed)
      reply.header('access-control-allow-methods', method)
      reply.header('access-control-allow-headers', allowHeaders)
      reply.header('access-control-max-age', maxAge)
      if (credentials) reply.header('access-control-allow-credentials', 'true')
      reply.header('vary', PREFLIGHT_VARY)
      reply.send()
    }
  }
}
