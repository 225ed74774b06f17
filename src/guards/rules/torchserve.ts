/**
 * TorchServe rules: on the query string and the request headers, both of which TorchServe hands to
 * the model's handler. Advisories: CVE-2023-43654; TorchServe copies every request header into the
 * handler's input (InferenceRequestHandler.parseRequest).
 * @module
 */
import { refuse, type HeaderRule, type QueryRule, type RuleSettings } from '../types.js'

const INFERENCE_ROUTES = [
  'predictions', 'predictions-version', 'explanations', 'explanations-version',
  'kserve-v1-predict', 'kserve-v1-explain', 'kserve-v2-infer', 'kserve-v2-explain',
  'hosted-openai-chat-completions', 'hosted-openai-completions', 'hosted-openai-models'
]
const framework = ['torchserve'] as const
// Enough rounds to undo any encoding a handler might apply again; a name still encoded after them is refused.
const DECODE_ROUNDS = 4

/** A parameter name as a handler could end up reading it: decoded (repeatedly), lower-case. */
function decodedName (raw: string): string | undefined {
  let name = raw.replaceAll('+', ' ')
  for (let round = 0; round < DECODE_ROUNDS && name.includes('%'); round++) {
    try {
      name = decodeURIComponent(name)
    } catch {
      return undefined
    }
  }
  return name.includes('%') ? undefined : name.trim().toLowerCase()
}

/** Header names compared without case or punctuation: `url_path`, `URL-Path` and `x-url.path` are one name. */
const squash = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '')
const squashed = new WeakMap<RuleSettings, readonly string[]>()

export const torchserveRules: ReadonlyArray<QueryRule | HeaderRule> = [
  {
    id: 'torchserve-url-param',
    frameworks: framework,
    routes: INFERENCE_ROUTES,
    advisory: 'CVE-2023-43654',
    summary: 'refuses a `url` query parameter, in any case or percent-encoding (`u%72l`, `URL`), and names that cannot be decoded',
    on: 'query',
    actions: ['refuse'],
    options: {},
    check: query => {
      // Netty's QueryStringDecoder splits on ";" as well as "&".
      for (const pair of query.split(/[&;]/)) {
        const raw = pair.split('=', 1)[0] as string
        const name = decodedName(raw)
        if (name === undefined) return refuse(`query parameter ${JSON.stringify(raw.slice(0, 64))} cannot be decoded`)
        if (name === 'url') return refuse('a "url" query parameter is not accepted')
      }
      return undefined
    }
  },
  {
    id: 'torchserve-handler-headers',
    frameworks: framework,
    routes: 'all',
    advisory: 'TorchServe InferenceRequestHandler.parseRequest (handlers read every request header)',
    summary: 'strips request headers a handler could trust: `names` (default `url_path`) and look-alikes with other case, punctuation or an `x-` prefix',
    on: 'header',
    actions: ['strip'],
    options: { names: { kind: 'strings', default: ['url_path'] } },
    drops: (name, settings) => {
      let names = squashed.get(settings)
      if (names === undefined) {
        names = settings.strings('names').map(squash)
        squashed.set(settings, names)
      }
      const candidate = squash(name)
      return names.some(listed => candidate.endsWith(listed))
    }
  }
]
