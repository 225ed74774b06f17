/**
 * The ways routes cap generation and report token usage, one table chosen by the route rule's `usage`
 * (src/profiles): OpenAI's (chat, completions, the Responses API, the pooling routes), Anthropic's
 * Messages API's; a rule without one (count_tokens) generates nothing. Token budgets reserve from a
 * dialect's cap fields and settle, like the metrics and the access log, from what it reads.
 * @module
 */
import type { UsageDialectName } from '../profiles/types.js'
import type { Exchange } from '../exchange/exchange.js'
import type { TokenUsage } from '../exchange/token-usage.js'
import { joined, lastUsageObject, usageFromTail } from './usage.js'

type UsageObject = Record<string, unknown>

export interface UsageDialect {
  /**
   * Request fields that cap generation, the first present being the one the backend applies.
   * None: the route generates nothing, and token budgets neither reserve nor settle for it.
   */
  readonly capFields: readonly string[]
  /** Whether a stream's first event carries part of its usage (Anthropic's message_start: the input tokens). */
  readonly headUsage: boolean
  /** A finished response's usage, from its last bytes and, for a stream, the usage object of its first event. */
  read (tail: readonly Buffer[], streamed: boolean, head: UsageObject | undefined): TokenUsage | undefined
}

const MESSAGE_DELTA = Buffer.from('"message_delta"')
const BLANK_LINE = /\r?\n\r?\n/
const LINE = /\r?\n/
const count = (value: unknown): number => typeof value === 'number' ? value : 0

/**
 * Anthropic's counts: `output_tokens` from `output`, the prompt from `input` (`input_tokens` plus the
 * cache's `cache_creation_input_tokens` and `cache_read_input_tokens`, which it leaves out).
 */
function anthropicTokens (output: UsageObject, input: UsageObject | undefined): TokenUsage | undefined {
  if (input === undefined) return undefined
  const completion = output['output_tokens']
  const prompt = input['input_tokens']
  if (typeof completion !== 'number' || typeof prompt !== 'number') return undefined
  return {
    promptTokens: prompt + count(input['cache_creation_input_tokens']) + count(input['cache_read_input_tokens']),
    completionTokens: completion
  }
}

/**
 * The usage of a stream's last `message_delta` event (its output tokens are cumulative). Only that
 * event's: a stream cut before it has no usage, although its message_start reported some.
 */
function messageDeltaUsage (bytes: Buffer): UsageObject | undefined {
  if (!bytes.includes(MESSAGE_DELTA)) return undefined
  const frame = bytes.toString('utf8').split(BLANK_LINE).findLast(text => text.includes('"message_delta"')) as string
  const data = frame.split(LINE).filter(line => line.startsWith('data:')).map(line => line.slice(line[5] === ' ' ? 6 : 5)).join('\n')
  try {
    const event = JSON.parse(data) as { type?: unknown, usage?: unknown }
    return event.type === 'message_delta' && typeof event.usage === 'object' && event.usage !== null ? event.usage as UsageObject : undefined
  } catch {
    return undefined
  }
}

function anthropicUsage (tail: readonly Buffer[], streamed: boolean, head: UsageObject | undefined): TokenUsage | undefined {
  const bytes = joined(tail)
  if (!streamed) {
    // The message object's usage comes last.
    const usage = lastUsageObject(bytes)
    return usage === undefined ? undefined : anthropicTokens(usage, usage)
  }
  const delta = messageDeltaUsage(bytes)
  // vLLM repeats the input tokens in message_delta; Anthropic's own API reports them in message_start only.
  return delta === undefined ? undefined : anthropicTokens(delta, typeof delta['input_tokens'] === 'number' ? delta : head)
}

// vLLM applies max_completion_tokens over max_tokens; the Responses API names it max_output_tokens.
const OPENAI: UsageDialect = { capFields: ['max_completion_tokens', 'max_tokens', 'max_output_tokens'], headUsage: false, read: usageFromTail }

export const USAGE_DIALECTS: Readonly<Record<UsageDialectName, UsageDialect>> = {
  openai: OPENAI,
  // Only when asked (stream_options.include_usage), which include-usage.ts sees to.
  'openai-when-asked': OPENAI,
  // max_tokens is required there, and the only cap vLLM reads (it ignores max_completion_tokens).
  anthropic: { capFields: ['max_tokens'], headUsage: true, read: anthropicUsage }
}

/** The route's dialect; undefined for a route that generates no tokens (count_tokens, metadata). */
export function usageDialectOf (context: Exchange): UsageDialect | undefined {
  const usage = context.match?.route.rule.usage
  return usage === undefined ? undefined : USAGE_DIALECTS[usage]
}

/** The usage of the response now over, read from what the relay kept of it. */
export function responseUsage (context: Exchange): TokenUsage | undefined {
  const tail = context.tail
  return tail === undefined ? undefined : usageDialectOf(context)?.read(tail, context.streamed, context.streamHeadUsage)
}
