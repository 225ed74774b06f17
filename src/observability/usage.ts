/**
 * Token usage from a vLLM response, read from its last bytes (the usage chunk of a stream, the
 * `usage` object of a JSON body) without holding or re-parsing the whole body.
 * @module
 */
import type { Exchange } from '../exchange/exchange.js'
import type { TokenUsage } from '../exchange/token-usage.js'

/** Enough for a usage chunk and the `[DONE]` after it. */
const TAIL_BYTES = 2048
/** The key both the tail reader and the stream's usage filter look for. */
export const USAGE_KEY = Buffer.from('"usage"')

/** The token counts of a parsed `usage` object, if it has them. */
export function tokenUsage (usage: Record<string, unknown>): TokenUsage | undefined {
  // Chat and completions report prompt/completion tokens; the Responses API input/output tokens.
  const prompt = usage['prompt_tokens'] ?? usage['input_tokens']
  const completion = usage['completion_tokens'] ?? usage['output_tokens']
  if (typeof prompt !== 'number' || typeof completion !== 'number') return undefined
  return { promptTokens: prompt, completionTokens: completion }
}

export function keepTail (context: Exchange, chunk: Buffer): void {
  const tail = context.tail ??= []
  tail.push(chunk)
  context.tailBytes += chunk.length
  while (tail.length > 1 && context.tailBytes - (tail[0] as Buffer).length >= TAIL_BYTES) {
    context.tailBytes -= (tail.shift() as Buffer).length
  }
}

const isSpace = (c: number | undefined) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

/** Where the object of a `"usage"` key found at `key` opens (`"usage" : {`), or -1. */
function usageObjectAt (bytes: Buffer, key: number): number {
  let i = key + USAGE_KEY.length
  while (isSpace(bytes[i])) i++
  if (bytes[i++] !== 0x3a) return -1
  while (isSpace(bytes[i])) i++
  return bytes[i] === 0x7b ? i : -1
}

/** The chunks as one buffer (a tail is nearly always one chunk: no copy then). */
export function joined (chunks: readonly Buffer[]): Buffer {
  return chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks)
}

/** The last complete `"usage": {…}` object in `bytes`, parsed; undefined when there is none or it is cut off. */
export function lastUsageObject (bytes: Buffer): Record<string, unknown> | undefined {
  let start = -1
  for (let key = bytes.lastIndexOf(USAGE_KEY); key !== -1 && start === -1; key = key === 0 ? -1 : bytes.lastIndexOf(USAGE_KEY, key - 1)) {
    start = usageObjectAt(bytes, key)
  }
  if (start === -1) return undefined
  let depth = 0
  for (let i = start; i < bytes.length; i++) {
    const c = bytes[i]
    if (c === 0x7b) depth++
    else if (c === 0x7d && --depth === 0) {
      try {
        return JSON.parse(bytes.toString('latin1', start, i + 1)) as Record<string, unknown>
      } catch {
        return undefined
      }
    }
  }
  return undefined
}

export function usageFromTail (tail: readonly Buffer[]): TokenUsage | undefined {
  // The last usage object is the response's (a stream's usage chunk comes last).
  const usage = lastUsageObject(joined(tail))
  return usage === undefined ? undefined : tokenUsage(usage)
}
