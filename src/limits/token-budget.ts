/**
 * Generated tokens per window per identity, on routes whose answers report their usage (a rule's `usage`). Admission reserves what the request may
 * generate (its `max_completion_tokens` / `max_tokens` / `max_output_tokens`, else
 * `defaultMaxTokens`, for each of its `n` choices and each request of a batch), so concurrent streams cannot all be admitted against the same remainder;
 * the reservation is settled from the usage the upstream reports when the response is over
 * (lease.ts). A request reserving more than the whole budget could never be admitted: it gets a
 * non-retryable 400 instead of a 429. Runs in preHandler: it needs the parsed JSON body and the chosen upstream.
 * @module
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { TokenLimitedError, TokenRequestTooLargeError } from '../errors.js'
import type { RequestContext } from '../server/request-context.js'
import type { LimitTable } from './config.js'
import { includeUsage } from './include-usage.js'
import { Lease } from './lease.js'
import type { LimitStore } from './store.js'

// The first one present is the cap the backend applies (vLLM prefers max_completion_tokens).
const CAP_FIELDS = ['max_completion_tokens', 'max_tokens', 'max_output_tokens']

const count = (value: unknown): number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 ? value : 1

/** What one request may generate: its cap for each of its `n` choices, for each request of a batch (`batch`, its field). */
export function requestedTokens (json: Record<string, unknown>, fallback: number, batch?: string): number {
  let cap = fallback
  for (const field of CAP_FIELDS) {
    const value = json[field]
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
      cap = value
      break
    }
  }
  const requests = batch === undefined ? undefined : json[batch]
  return cap * count(json['n']) * (Array.isArray(requests) ? count(requests.length) : 1)
}

export function createTokenBudget (table: LimitTable, store: LimitStore) {
  return async function reserveTokens (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const context = request.gate as RequestContext
    const json = context.json
    if (json === undefined || context.match?.route.rule.usage === undefined) return
    const identity = context.principal?.id as string
    const limits = table.for(identity).tokens
    if (limits === undefined) return
    const tokens = requestedTokens(json, limits.defaultMaxTokens, context.match?.route.rule.batch)
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
