/**
 * JSON request bodies as the gateway checks them: one object, parsed once, with no key given twice
 * in any object. Parsers disagree on duplicates (RapidJSON in Triton finds the first, Python's json in
 * vLLM and JSON.parse keep the last), so a body naming `model` or `parameters` twice could be checked
 * as one value and run as the other. Keys are compared decoded (`"mod\u0065l"` is `"model"`).
 * @module
 */
import { BodyInvalidError, shown } from '../errors.js'

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a

export function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The first key that appears twice in one object, at any depth; only for text JSON.parse accepted. */
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

/** The body as a JSON object, or the error that names why it is not one the gateway can check. */
export function parseJsonObject (body: Buffer): Record<string, unknown> | Error {
  const text = body.toString('utf8')
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return new BodyInvalidError('not valid JSON')
  }
  if (!isObject(parsed)) return new BodyInvalidError('not a JSON object')
  const duplicate = duplicateKey(text)
  if (duplicate !== undefined) return new BodyInvalidError(`key "${shown(duplicate)}" appears twice in one object`)
  return parsed
}
