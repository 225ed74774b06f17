export const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8' }
export const SSE_DONE = 'data: [DONE]\n\n'

/** Marks where a compiled template splices raw JSON text. */
export const SLOT = '\u0000'
const QUOTED_SLOT = JSON.stringify(SLOT)

export function sse (value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`
}

/**
 * Stringifies `value` once; the returned function replaces each SLOT, in document order,
 * with a raw JSON fragment. Streams call it per token instead of stringifying whole chunks.
 */
export function template (value: unknown, before = '', after = ''): (...fragments: string[]) => string {
  const [first = '', ...rest] = JSON.stringify(value).split(QUOTED_SLOT)
  const parts = [before + first, ...rest]
  parts[parts.length - 1] += after
  const head = parts.shift() ?? ''
  return (...fragments) => {
    let out = head
    for (let i = 0; i < parts.length; i++) out += (fragments[i] ?? '') + parts[i]
    return out
  }
}

/** Token `index` as a JSON string literal; it never needs escaping. */
export function tokenJson (index: number): string {
  return `" tok${index}"`
}

export function completionText (tokens: number): string {
  let text = ''
  for (let i = 0; i < tokens; i++) text += ` tok${i}`
  return text
}

export function countWords (text: string): number {
  return text.match(/\S+/g)?.length ?? 0
}

/** Reads a property of parsed JSON without trusting its shape. */
export function field (value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined
}
