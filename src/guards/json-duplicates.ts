/**
 * The first key that appears twice in one JSON object, at any depth, or `undefined`. Triton's JSON
 * parser (RapidJSON) finds the first of two equal keys, JSON.parse keeps the last: an input with two
 * `parameters` objects would be checked as one and run as the other. Keys are compared decoded
 * (`"p\u0061rameters"` is `"parameters"`). Call it only on text that JSON.parse accepted.
 * @module
 */
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a

export function duplicateKey (text: string): string | undefined {
  // One entry per open container: the keys of an object, or null for an array.
  const open: Array<Set<string> | null> = []
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      const start = i
      for (i++; text.charCodeAt(i) !== QUOTE; i++) if (text.charCodeAt(i) === BACKSLASH) i++
      const keys = open[open.length - 1]
      if (keys === null || keys === undefined) continue
      // A string followed by ":" is a key.
      let j = i + 1
      while (j < text.length && text.charCodeAt(j) <= 0x20) j++
      if (text.charCodeAt(j) !== COLON) continue
      const raw = text.slice(start, i + 1)
      const key = raw.includes('\\') ? JSON.parse(raw) as string : raw.slice(1, -1)
      if (keys.has(key)) return key
      keys.add(key)
    } else if (c === 0x7b) {
      open.push(new Set())
    } else if (c === 0x5b) {
      open.push(null)
    } else if (c === 0x7d || c === 0x5d) {
      open.pop()
    }
  }
  return undefined
}
