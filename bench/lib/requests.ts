/**
 * Request shapes shared by the vLLM scenarios. Token counts are set twice on purpose: `max_tokens`,
 * `min_tokens` and `ignore_eos` make a real vLLM generate exactly that many, `x-emulate-*` headers
 * make the emulator do the same (and set its delays); each side ignores the other's.
 * @module
 */
export const CHAT_PATH = '/v1/chat/completions'

export interface Generation {
  readonly tokens: number
  readonly stream: boolean
  readonly ttftMs?: number
  readonly interTokenMs?: number
}

export function chatBody (model: string, generation: Generation): string {
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'Count from one upwards, one word per number.' }],
    max_tokens: generation.tokens,
    min_tokens: generation.tokens,
    ignore_eos: true,
    stream: generation.stream
  })
}

function emulateHeaders (generation: Generation): Record<string, string> {
  return {
    'x-emulate-tokens': String(generation.tokens),
    'x-emulate-ttft-ms': String(generation.ttftMs ?? 0),
    'x-emulate-inter-token-ms': String(generation.interTokenMs ?? 0)
  }
}

export function chatRequest (model: string, generation: Generation, headers: Readonly<Record<string, string>>): { body: string, headers: Record<string, string> } {
  return {
    body: chatBody(model, generation),
    headers: { 'content-type': 'application/json', ...emulateHeaders(generation), ...headers }
  }
}
