/**
 * Requests per window per identity, with @fastify/rate-limit: keyed on the authenticated identity,
 * run in preParsing (after authentication, before any body is read), counting in our LimitStore,
 * refusing with 429 IG_ERR_RATE_LIMITED through infergate's error handler (so the refusal is
 * logged and counted), with Retry-After and the RateLimit-* headers of the IETF draft.
 * @module
 */
import fastifyRateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { RateLimitedError } from '../errors.js'
import { routed } from '../exchange/exchange.js'
import type { LimitTable } from './config.js'
import type { LimitStore } from './store.js'

type Callback = (error: Error | null, result?: { current: number, ttl: number }) => void
type Limiter = (request: FastifyRequest, reply: FastifyReply) => Promise<void>

const identityOf = (request: FastifyRequest): string => routed(request).principal.id

export function createRequestLimiter (app: FastifyInstance, table: LimitTable, store: LimitStore): Limiter {
  const windowOf = (identity: string) => table.for(identity).requests as NonNullable<ReturnType<LimitTable['for']>['requests']>

  class PluginStore {
    incr (key: string, callback: Callback, timeWindow: number): void {
      store.hit(`requests:${key}`, timeWindow).then(window => { callback(null, { current: window.count, ttl: window.resetMs }) }, callback)
    }

    child (): PluginStore {
      return this
    }
  }

  let limit: Limiter | undefined
  app.register(fastifyRateLimit, {
    global: false,
    hook: 'preParsing',
    enableDraftSpec: true,
    store: PluginStore,
    keyGenerator: identityOf,
    // Identities without a request limit never touch the store.
    allowList: (_request, identity) => table.for(identity).requests === undefined,
    max: (_request, identity) => windowOf(identity).max,
    timeWindow: (_request, identity) => windowOf(identity).windowMs,
    errorResponseBuilder: (_request, refusal) => new RateLimitedError(refusal.max, refusal.after)
  })
  // The plugin's handler exists once the plugin is loaded (when the app gets ready).
  app.after(() => { limit = app.rateLimit() as unknown as Limiter })
  return function limitRequests (request, reply) {
    return (limit as Limiter)(request, reply)
  }
}
