/**
/**
 * Generated tokens per window per identity, on routes that generate them (a rule's `usage`). Admission
 * reserves what the request may generate (the cap fields of the route's usage dialect:
 * `max_completion_tokens` / `max_tokens` / `max_output_tokens` for OpenAI's API, `max_tokens` for
 * Anthropic's; else `defaultMaxTokens`; for each of its `n` choices and each request of a batch), so
 * concurrent streams cannot all be admitted against the same remainder; the reservation is settled
 * from the usage the upstream reports when the response is over (lease.ts). A form (vLLM's audio
 * routes) names no cap the gateway reads: it reserves `defaultMaxTokens`, which stays charged unless
 * the stream reports its usage (a transcription's JSON reports seconds of audio, not tokens), so an
 * identity's budget bounds its audio requests too. A request reserving more than the whole budget
 * could never be admitted: it gets a non-retryable 400 instead of a 429.
 * Runs in preHandler: it needs the parsed JSON body and the chosen upstream.
 * @module
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { TokenLimitedError, TokenRequestTooLargeError } from '../errors.js'
import { usageDialectOf } from '../observability/usage-dialects.js'
import { routed } from '../exchange/exchange.js'
import type { LimitTable } from './config.js'
import { includeUsage } from './include-usage.js'
import { Lease } from './lease.js'
import type { LimitStore } from './store.js'

const count = (value: unknown): number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 ? value : 1

/**
 * What one request may generate: the first of `capFields` present (the cap the backend applies), for
 * each of its `n` choices, for each request of a batch (`batch`, its field).
 */
export function requestedTokens (json: Record<string, unknown>, capFields: readonly string[], fallback: number, batch?: string): number {
  let cap = fallback
  for (const field of capFields) {
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
    const context = routed(request)
    const json = context.json
    const rule = context.match?.route.rule
    const dialect = usageDialectOf(context)
    // A route that generates nothing (count_tokens) spends no budget.
    if (dialect === undefined || (json === undefined && rule?.model.from !== 'form')) return
    const identity = context.principal.id
    const limits = table.for(identity).tokens
    if (limits === undefined) return
    const tokens = json === undefined ? limits.defaultMaxTokens : requestedTokens(json, dialect.capFields, limits.defaultMaxTokens, rule?.batch)
    // Never admissible, in any window: refused before the store is asked (nothing reserved, no Redis round trip).
    if (tokens > limits.max) throw new TokenRequestTooLargeError(tokens, limits.max)
    const reservation = await Lease.of(context, store).reserve(`tokens:${identity}`, tokens, limits)
    if (!reservation.granted) {
      reply.header('retry-after', String(Math.max(1, Math.ceil(reservation.retryMs / 1000))))
      throw new TokenLimitedError(tokens, limits.max)
    }
    if (json !== undefined) includeUsage(context, json)
  }
}
