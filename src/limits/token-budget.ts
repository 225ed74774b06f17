/**
 * Generated tokens per window per identity, on vLLM routes. Admission reserves what the request may
 * generate (its `max_completion_tokens` / `max_tokens` / `max_output_tokens`, else
 * `defaultMaxTokens`), so concurrent streams cannot all be admitted against the same remainder;
 * the reservation is settled from the usage the upstream reports when the response is over
 * (lease.ts). A request reserving more than the whole budget could never be admitted: it gets a
 * non-retryable 400 instead of a 429. Runs in preHandler: it needs the parsed JSON body and the chosen upstream.
 * @module
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { TokenLimitedError, TokenRequestTooLargeError } from '../errors.js'
import { routed } from '../exchange/exchange.js'
import type { LimitTable } from './config.js'
import { includeUsage } from './include-usage.js'
import { Lease } from './lease.js'
import type { LimitStore } from './store.js'

// The first one present is the cap the backend applies (vLLM prefers max_completion_tokens).
const CAP_FIELDS = ['max_completion_tokens', 'max_tokens', 'max_output_tokens']

export function requestedTokens (json: Record<string, unknown>, fallback: number): number {
  for (const field of CAP_FIELDS) {
    const value = json[field]
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  }
  return fallback
}

export function createTokenBudget (table: LimitTable, store: LimitStore) {
  return async function reserveTokens (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const context = routed(request)
    const json = context.json
    if (json === undefined || context.upstream?.config.framework !== 'vllm') return
    const identity = context.principal.id
    const limits = table.for(identity).tokens
    if (limits === undefined) return
    const tokens = requestedTokens(json, limits.defaultMaxTokens)
    // Never admissible, in any window: refused before the store is asked (nothing reserved, no Redis round trip).
    if (tokens > limits.max) throw new TokenRequestTooLargeError(tokens, limits.max)
    const reservation = await Lease.of(context, store).reserve(`tokens:${identity}`, tokens, limits)
    if (!reservation.granted) {
      reply.header('retry-after', String(Math.max(1, Math.ceil(reservation.retryMs / 1000))))
      throw new TokenLimitedError(tokens, limits.max)
    }
    includeUsage(context, json)
  }
}
