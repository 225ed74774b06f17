/**
 * The limits' hooks for the proxied route, from `rateLimit`: requests and concurrency in
 * preParsing (authenticated, body not read yet), tokens in preHandler (JSON body parsed, upstream
 * chosen). Without `rateLimit`, or for a kind of limit no identity has, no hook at all.
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config/schema.js'
import type { GatewayMetrics } from '../observability/metrics.js'
import { createConcurrencyLimiter } from './concurrency.js'
import { LimitTable } from './config.js'
import { MemoryStore } from './memory-store.js'
import { RedisStore } from './redis-store.js'
import { createRequestLimiter } from './request-limiter.js'
import { createTokenBudget } from './token-budget.js'

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>

export interface LimitHooks {
  readonly preParsing: Hook[]
  readonly preHandler: Hook[]
}

export function createLimits (app: FastifyInstance, config: Config, metrics: GatewayMetrics): LimitHooks {
  const rateLimit = config.rateLimit
  if (rateLimit === undefined) return { preParsing: [], preHandler: [] }
  const table = new LimitTable(rateLimit)
  const store = rateLimit.redis === undefined ? new MemoryStore() : new RedisStore(rateLimit.redis, app.log, metrics)
  app.addHook('onReady', () => store.open())
  app.addHook('onClose', () => store.close())
  const preParsing: Hook[] = []
  if (table.uses.requests) preParsing.push(createRequestLimiter(app, table, store))
  if (table.uses.concurrency) preParsing.push(createConcurrencyLimiter(table, store))
  return { preParsing, preHandler: table.uses.tokens ? [createTokenBudget(table, store)] : [] }
}
