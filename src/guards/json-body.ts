/**
 * A parsed JSON body as the guards see it, with the facts that need a walk of the whole document
 * (depth, longest string, media references) computed at most once, on first use, however many rules
 * ask. The walk is iterative: JSON.parse accepts nesting far deeper than the call stack.
 * @module
 */
import { isObject } from '../lib/json-object.js'

/** Keys whose value is (or holds) media a multimodal backend fetches or decodes. */
const MEDIA_KEYS: ReadonlySet<string> = new Set(['image_url', 'video_url', 'audio_url', 'input_audio'])
/**
 * Anthropic's image blocks, `{"type":"image","source":{"type":"url","url"} | {"type":"base64","data"}}`:
 * vLLM turns them into `image_url`s. `source` is media only there, a common word anywhere else.
 */
const isMediaSource = (key: string, parent: Record<string, unknown>): boolean => key === 'source' && parent['type'] === 'image'

/** One media reference: a URL to fetch, or inline base64 data (`input_audio`, an Anthropic base64 image `source`). */
export interface MediaRef {
  readonly key: string
  readonly url?: string
  readonly data?: string
}

export interface JsonFacts {
  /** Nesting depth: a scalar is 0, `{}` and `[]` are 1. */
  readonly depth: number
  /** Longest string or key, in UTF-16 units; strings inside media references do not count (they have their own cap). */
  readonly longestString: number
  readonly media: readonly MediaRef[]
}

export class JsonBody {
  readonly json: Record<string, unknown>
  /** Size of the JSON text as received. */
  readonly bytes: number
  /** The route id (src/profiles) it was sent to. */
  readonly route: string
  #facts: JsonFacts | undefined

  constructor (json: Record<string, unknown>, bytes: number, route: string) {
    this.json = json
    this.bytes = bytes
    this.route = route
  }

  get facts (): JsonFacts {
    this.#facts ??= walk(this.json)
    return this.#facts
  }
}

function mediaRef (key: string, value: unknown): MediaRef | undefined {
  if (typeof value === 'string') return { key, url: value }
  if (!isObject(value)) return undefined
  const url = value['url']
  if (typeof url === 'string') return { key, url }
  const data = value['data']
  return typeof data === 'string' ? { key, data } : undefined
}

function walk (root: unknown): JsonFacts {
  let depth = 0
  let longestString = 0
  const media: MediaRef[] = []
  // [value, its depth, inside a media reference]
  const stack: Array<[unknown, number, boolean]> = [[root, 0, false]]
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [value, level, inMedia] = item
    if (typeof value === 'string') {
      if (!inMedia && value.length > longestString) longestString = value.length
      continue
    }
    if (typeof value !== 'object' || value === null) continue
    if (level + 1 > depth) depth = level + 1
    if (Array.isArray(value)) {
      for (const element of value) stack.push([element, level + 1, inMedia])
      continue
    }
    for (const key in value) {
      if (key.length > longestString) longestString = key.length
      const child = (value as Record<string, unknown>)[key]
      const isMedia = !inMedia && (MEDIA_KEYS.has(key) || isMediaSource(key, value as Record<string, unknown>))
      if (isMedia) {
        const ref = mediaRef(key, child)
        if (ref !== undefined) media.push(ref)
      }
      stack.push([child, level + 1, inMedia || isMedia])
    }
  }
  return { depth, longestString, media }
}
