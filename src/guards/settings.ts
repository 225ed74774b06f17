/**
 * `upstreams[].guards`: per rule id, `enabled`, `action` and the rule's own options. Checked as a
 * whole at config load (every problem named by its key path), then resolved once per upstream into
 * each rule's effective settings.
 * @module
 */
import type { Framework } from '../profiles/types.js'
import { RULES, RULES_BY_ID } from './rules/index.js'
import type { Action, GuardRule, OptionSpec, RuleSettings } from './types.js'

export type GuardsConfig = Readonly<Record<string, Readonly<Record<string, unknown>>>>

function optionProblem (spec: OptionSpec, value: unknown): string | undefined {
  switch (spec.kind) {
    case 'integer':
      return Number.isSafeInteger(value) && (value as number) >= spec.min && (value as number) <= spec.max
        ? undefined
        : `must be an integer from ${spec.min} to ${spec.max}`
    case 'strings':
      return Array.isArray(value) && value.every(item => typeof item === 'string' && item.length > 0) ? undefined : 'must be a list of non-empty strings'
  }
}

function ruleProblems (rule: GuardRule, settings: Readonly<Record<string, unknown>>, at: string): string[] {
  const problems: string[] = []
  for (const [key, value] of Object.entries(settings)) {
    if (key === 'enabled') {
      if (typeof value !== 'boolean') problems.push(`${at}.enabled: must be true or false`)
    } else if (key === 'action') {
      if (!(rule.actions as readonly unknown[]).includes(value)) problems.push(`${at}.action: must be ${rule.actions.join(' or ')}`)
    } else {
      const spec = rule.options[key]
      const names = ['enabled', ...(rule.actions.length > 1 ? ['action'] : []), ...Object.keys(rule.options)]
      const problem = spec === undefined ? `is not an option of ${rule.id} (${names.join(', ')})` : optionProblem(spec, value)
      if (problem !== undefined) problems.push(`${at}.${key}: ${problem}`)
    }
  }
  return problems
}

/** Problems with one upstream's `guards`, each prefixed with its key path under `at`. */
export function guardsProblems (framework: Framework, guards: GuardsConfig, at: string): string[] {
  const problems: string[] = []
  for (const [id, settings] of Object.entries(guards)) {
    const rule = RULES_BY_ID.get(id)
    if (rule === undefined) {
      const known = RULES.filter(r => r.frameworks.includes(framework)).map(r => r.id)
      problems.push(`${at}.${id}: unknown guard rule "${id}" (${framework} has ${known.join(', ')})`)
    } else if (!rule.frameworks.includes(framework)) {
      problems.push(`${at}.${id}: guard rule "${id}" is for ${rule.frameworks.join(', ')}, not ${framework}`)
    } else {
      problems.push(...ruleProblems(rule, settings, `${at}.${id}`))
    }
  }
  return problems
}

/** The rule's effective settings from a config already checked; `undefined` when switched off. */
export function resolveSettings (rule: GuardRule, configured: Readonly<Record<string, unknown>> = {}): RuleSettings | undefined {
  if (configured['enabled'] === false) return undefined
  const value = (name: string): unknown => {
    const spec = rule.options[name]
    if (spec === undefined) throw new Error(`guard rule ${rule.id} has no option ${name}`)
    return configured[name] ?? spec.default
  }
  return {
    action: (configured['action'] as Action | undefined) ?? rule.actions[0],
    integer: name => value(name) as number,
    strings: name => value(name) as readonly string[]
  }
}
