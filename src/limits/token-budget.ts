/**
 * Generated tokens per window per identity, on vLLM routes. Admission reserves what the request may
 * generate (the cap fields of the route's usage dialect: `max_completion_tokens` / `max_tokens` /
 * `max_output_tokens` for OpenAI's API, `max_tokens` for Anthropic's; else `defaultMaxTokens`), so
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
import type { RequestContext } from '../server/request-context.js'
import type { LimitTable } from './config.js'
import { includeUsage } from './include-usage.js'
import { Lease } from './lease.js'
import type { LimitStore } from './store.js'

/** The first of `capFields` present is the cap the backend applies. */
export function requestedTokens (json: Record<string, unknown>, capFields: readonly string[], fallback: number): number {
  for (const field of capFields) {
    const value = json[field]
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  }
  return fallback
}

export function createTokenBudget (table: LimitTable, store: LimitStore) {
  return async function reserveTokens (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const context = request.gate as RequestContext
    const json = context.json
    const form = context.match?.route.rule.model.from === 'form'
    if ((json === undefined && !form) || context.upstream?.config.framework !== 'vllm') return
    const { capFields } = usageDialectOf(context)
    // A route that generates nothing (count_tokens) spends no budget.
    if (capFields.length === 0) return
    const identity = context.principal?.id as string
    const limits = table.for(identity).tokens
    if (limits === undefined) return
    const tokens = json === undefined ? limits.defaultMaxTokens : requestedTokens(json, capFields, limits.defaultMaxTokens)
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
