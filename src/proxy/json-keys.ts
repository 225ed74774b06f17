/**
 * The first key that appears twice at the top level of a JSON object text, or `undefined`. Parsers
 * disagree on duplicates (first wins, last wins, error), so a body that names `model` twice could be
 * checked as one model and run as another. Keys are compared decoded: `"mod\u0065l"` is `"model"`.
 * Call it only on text that JSON.parse accepted.
 * @module
 */
const QUOTE = 0x22
const BACKSLASH = 0x5c

export function duplicateTopLevelKey (text: string): string | undefined {
  const seen = new Set<string>()
  let depth = 0
  let expectKey = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      const start = i
      for (i++; text.charCodeAt(i) !== QUOTE; i++) if (text.charCodeAt(i) === BACKSLASH) i++
      if (depth === 1 && expectKey) {
        const raw = text.slice(start, i + 1)
        const key = raw.includes('\\') ? JSON.parse(raw) as string : raw.slice(1, -1)
        if (seen.has(key)) return key
        seen.add(key)
        expectKey = false
      }
    } else if (c === 0x7b || c === 0x5b) {
      depth++
      expectKey = depth === 1 && c === 0x7b
    } else if (c === 0x7d || c === 0x5d) {
      depth--
    } else if (c === 0x2c && depth === 1) {
      expectKey = true
    }
  }
  return undefined
}
