/**
 * Token usage from a vLLM response, read from its last bytes (the usage chunk of a stream, the
 * `usage` object of a JSON body) without holding or re-parsing the whole body.
 * @module
 */
import type { RequestContext } from '../server/request-context.js'

/** Enough for a usage chunk and the `[DONE]` after it. */
const TAIL_BYTES = 2048
const USAGE = /"usage"\s*:\s*\{/g

export interface TokenUsage {
  readonly promptTokens: number
  readonly completionTokens: number
}

export function keepTail (context: RequestContext, chunk: Buffer): void {
  const tail = context.tail ??= []
  tail.push(chunk)
  context.tailBytes += chunk.length
  while (tail.length > 1 && context.tailBytes - (tail[0] as Buffer).length >= TAIL_BYTES) {
    context.tailBytes -= (tail.shift() as Buffer).length
  }
}

export function usageFromTail (tail: readonly Buffer[]): TokenUsage | undefined {
  const text = Buffer.concat(tail).toString('latin1')
  let start = -1
  for (const found of text.matchAll(USAGE)) start = found.index + found[0].length - 1
  if (start === -1) return undefined
  let depth = 0
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x7b) depth++
    else if (c === 0x7d && --depth === 0) {
      try {
        // Chat and completions report prompt/completion tokens; the Responses API input/output tokens.
        const usage = JSON.parse(text.slice(start, i + 1)) as Record<string, unknown>
        const prompt = usage['prompt_tokens'] ?? usage['input_tokens']
        const completion = usage['completion_tokens'] ?? usage['output_tokens']
        if (typeof prompt !== 'number' || typeof completion !== 'number') return undefined
        return { promptTokens: prompt, completionTokens: completion }
      } catch {
        return undefined
      }
    }
  }
  return undefined
}
