/**
 * The allowlist compiled once at start: every enabled rule of every upstream's profile. Rules with the
 * same method and template are one route whose candidates are the upstreams offering it, in config order.
 * @module
 */
import { profiles } from '../profiles/index.js'
import type { ParamRefusal, Route, RouteMatch } from '../exchange/route.js'
import type { Upstream } from '../exchange/upstream.js'
import type { ErrorEnvelope, Profile, RouteRule } from '../profiles/types.js'
import { escapeRegExp } from '../lib/escape-regexp.js'

function compileTemplate (template: string): { pattern: RegExp, params: string[] } {
  const params: string[] = []
  const source = template.replace(/\{([a-z]+)\}([^{/]?)|[^{]+/g, (token, param: string | undefined, next: string) => {
    if (param === undefined) return escapeRegExp(token)
    params.push(param)
    // A parameter ends at the literal that follows it within its segment: "{model}:predict" never
    // matches "a:explain:predict", which the backend may split elsewhere.
    return `([^/?${escapeRegExp(next)}]+)${escapeRegExp(next)}`
  })
  // The target is matched whole, query included, to spare a slice per request.
  return { pattern: new RegExp(`^${source}(?:\\?|$)`), params }
}

export class RouteTable {
  readonly routes: readonly Route[]

  constructor (upstreams: readonly Upstream[]) {
    const byKey = new Map<string, { rule: RouteRule, envelope: ErrorEnvelope, candidates: Upstream[], rules: RouteRule[], reserved: Set<string> }>()
    for (const upstream of upstreams) {
      for (const rule of upstream.profile.rules) {
        if (rule.group !== undefined && !upstream.config.routes.includes(rule.group)) continue
        for (const method of rule.methods) {
          const key = `${method} ${rule.path}`
          let entry = byKey.get(key)
          if (entry === undefined) {
            entry = { rule: { ...rule, methods: [method] }, envelope: rule.envelope ?? upstream.profile.envelope, candidates: [], rules: [], reserved: new Set() }
            byKey.set(key, entry)
          }
          entry.candidates.push(upstream)
          entry.rules.push(rule)
          for (const name of upstream.profile.reservedModelNames) entry.reserved.add(name)
        }
      }
    }
    this.routes = [...byKey.values()].map(({ rule, envelope, candidates, rules, reserved }) => {
      const { pattern, params } = compileTemplate(rule.path)
      const modelGroup = rule.model.from === 'path' ? params.indexOf(rule.model.param) + 1 : 0
      const bodyBytes = Math.max(...candidates.map(upstream => upstream.bodyBytes))
      const perCandidate = candidates.map((upstream, i) => paramRefusals(params, rules[i] as RouteRule, upstream.profile))
      const refusals = perCandidate.some(list => list.length > 0) ? perCandidate : undefined
      return { rule, candidates, refusals, pattern, modelGroup, reservedModelNames: reserved, bodyBytes, envelope }
    })
  }

  /**
   * The error shape for a refused request to `target`, authenticated or not: its route's (by path,
   * whatever the method), else the longest profile path prefix it falls under, else OpenAI's.
   */
  envelopeFor (target: string): ErrorEnvelope {
    for (const route of this.routes) if (route.pattern.test(target)) return route.envelope
    let longest = 0
    let envelope: ErrorEnvelope = 'openai'
    for (const [prefix, prefixEnvelope] of ENVELOPE_PATHS) {
      if (prefix.length > longest && underPrefix(target, prefix)) {
        longest = prefix.length
        envelope = prefixEnvelope
      }
    }
    return envelope
  }

  /**
   * The route for a canonical target, or `undefined` (never forwarded). Matching is case-sensitive and
   * a `{param}` never spans a "/" or reaches into the query.
   */
  match (method: string, target: string): RouteMatch | undefined {
    for (const route of this.routes) {
      if (route.rule.methods[0] !== method) continue
      const found = route.pattern.exec(target)
      if (found === null) continue
      const candidates = route.refusals === undefined ? route.candidates : accepting(route, route.refusals, found)
      if (candidates.length === 0) continue
      if (route.modelGroup === 0) return { route, candidates, pathModel: undefined }
      const model = decodeParam(found[route.modelGroup] as string)
      if (model === undefined || route.reservedModelNames.has(model)) continue
      return { route, candidates, pathModel: model }
    }
    return undefined
  }
}

const ENVELOPE_PATHS: ReadonlyArray<readonly [string, ErrorEnvelope]> =
  Object.values(profiles).flatMap(profile => Object.entries(profile.envelopePaths))

/** Whether `target` is `prefix` or below it, by whole segments ("/v2" covers "/v2/x", not "/v22"). */
function underPrefix (target: string, prefix: string): boolean {
  if (!target.startsWith(prefix)) return false
  const next = target.charCodeAt(prefix.length)
  return Number.isNaN(next) || next === 0x2f || next === 0x3f
}

/**
 * What one candidate refuses in the template's parameters: any escape where its backend reads the raw
 * path, and its rule's characters, plain or escaped (the gateway decodes them; so may the backend).
 */
function paramRefusals (params: readonly string[], rule: RouteRule, profile: Profile): ParamRefusal[] {
  const refusals: ParamRefusal[] = []
  params.forEach((param, i) => {
    const spellings = [...rule.paramRefuses?.[param] ?? ''].map(char => `${escapeRegExp(char)}|%${char.charCodeAt(0).toString(16).padStart(2, '0')}`)
    if (profile.pathDecoding === 'raw') spellings.push('%')
    if (spellings.length > 0) refusals.push([i + 1, new RegExp(spellings.join('|'), 'i')])
  })
  return refusals
}

/** The candidates reading the matched parameters as the gateway does; `route.candidates` when all do. */
function accepting (route: Route, refusals: ReadonlyArray<readonly ParamRefusal[]>, found: RegExpExecArray): readonly Upstream[] {
  let kept: Upstream[] | undefined
  for (let i = 0; i < route.candidates.length; i++) {
    if (refuses(refusals[i] as readonly ParamRefusal[], found)) kept ??= route.candidates.slice(0, i)
    else kept?.push(route.candidates[i] as Upstream)
  }
  return kept ?? route.candidates
}

function refuses (refusals: readonly ParamRefusal[], found: RegExpExecArray): boolean {
  for (const [group, refused] of refusals) if (refused.test(found[group] as string)) return true
  return false
}

function decodeParam (raw: string): string | undefined {
  if (!raw.includes('%')) return raw
  try {
    return decodeURIComponent(raw)
  } catch {
    return undefined // not UTF-8: no model has such a name
  }
}

/** The first of a route's candidates that serves `model`. */
export function upstreamFor (candidates: readonly Upstream[], model: string): Upstream | undefined {
  for (const upstream of candidates) if (upstream.servesModel(model)) return upstream
  return undefined
}
