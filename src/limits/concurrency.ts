/**
 * In-flight requests per identity, streams included until they end: a slot is taken in preParsing
 * (before the body is read) and given back through `context.lease` when the response is over.
 * @module
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ConcurrencyLimitedError } from '../errors.js'
import { routed } from '../exchange/exchange.js'
import type { LimitTable } from './config.js'
import { Lease } from './lease.js'
import type { LimitStore } from './store.js'

// A slot frees when some request ends: nothing says when, so retry soon.
const RETRY_AFTER_S = '1'

export function createConcurrencyLimiter (table: LimitTable, store: LimitStore) {
  return async function limitConcurrency (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const context = routed(request)
    const identity = context.principal.id
    const max = table.for(identity).concurrency
    if (max === undefined || await Lease.of(context, store).holdSlot(`concurrency:${identity}`, max)) return
    reply.header('retry-after', RETRY_AFTER_S)
    throw new ConcurrencyLimitedError(max)
  }
}
