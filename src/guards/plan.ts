/**
 * The rules armed for each upstream and route, resolved once from config: the request hook and the
 * forwarder look them up by upstream name and route id, never re-reading config per request.
 * @module
 */
import type { UpstreamConfig } from '../config/schema.js'
import { profiles } from '../profiles/index.js'
import type { Framework } from '../profiles/types.js'
import { errorScrubRule, RULES } from './rules/index.js'
import { resolveSettings } from './settings.js'
import type { GuardRule, HeaderRule, JsonRule, QueryRule, RuleSettings } from './types.js'

export interface Armed<R extends GuardRule> {
  readonly rule: R
  readonly settings: RuleSettings
}

export interface RoutePlan {
  readonly query: ReadonlyArray<Armed<QueryRule>>
  readonly json: ReadonlyArray<Armed<JsonRule>>
  readonly headers: ReadonlyArray<Armed<HeaderRule>>
}

export interface UpstreamPlan {
  /** By route id; routes no rule applies to are absent. */
  readonly routes: ReadonlyMap<string, RoutePlan>
  /** Error bodies up to this size are scrubbed; `undefined` when error-scrub is off. */
  readonly scrubMaxBytes: number | undefined
}

function appliesTo (rule: GuardRule, route: string): boolean {
  return rule.routes === 'all' || rule.routes.includes(route)
}

export function planUpstream (upstream: UpstreamConfig): UpstreamPlan {
  // The schema's type for `framework` is too loose to index with (typebox infers never).
  const framework = upstream.framework as Framework
  const profile = profiles[framework]
  const armed: Array<Armed<GuardRule>> = []
  for (const rule of RULES) {
    if (!rule.frameworks.includes(framework)) continue
    const settings = resolveSettings(rule, upstream.guards[rule.id])
    if (settings !== undefined) armed.push({ rule, settings })
  }
  const routes = new Map<string, RoutePlan>()
  for (const { id } of profile.rules) {
    const here = armed.filter(({ rule }) => appliesTo(rule, id))
    const plan: RoutePlan = {
      query: here.filter((a): a is Armed<QueryRule> => a.rule.on === 'query'),
      json: here.filter((a): a is Armed<JsonRule> => a.rule.on === 'json'),
      headers: here.filter((a): a is Armed<HeaderRule> => a.rule.on === 'header')
    }
    if (plan.query.length + plan.json.length + plan.headers.length > 0) routes.set(id, plan)
  }
  const scrub = armed.find(({ rule }) => rule === errorScrubRule)
  return { routes, scrubMaxBytes: scrub?.settings.integer('maxBytes') }
}
