/**
 * Advisory guards as data: each rule names the advisory it answers, the framework routes it applies
 * to, what it looks at, and what it does (refuse, strip, cap). Operators switch rules off or tune
 * their options per upstream (`upstreams[].guards`); src/guards/settings.ts checks and resolves them.
 * @module
 */
import type { Framework } from '../profiles/types.js'
import type { JsonBody } from './json-body.js'

export type Action = 'refuse' | 'strip' | 'cap'

/** An option's kind and default; `enabled` and `action` are common to every rule. */
export type OptionSpec =
  | { readonly kind: 'integer', readonly default: number, readonly min: number, readonly max: number }
  | { readonly kind: 'strings', readonly default: readonly string[] }

/** A rule's effective options for one upstream. */
export interface RuleSettings {
  readonly action: Action
  integer (name: string): number
  strings (name: string): readonly string[]
}

/** What a check found: nothing, a refusal (why, for the client), or a change it made in place. */
export type Outcome = undefined | { readonly refuse: string } | 'changed'

interface RuleBase {
  /** Stable: config keys, metrics labels, error messages and audit events use it. */
  readonly id: string
  readonly frameworks: readonly Framework[]
  /** Route ids of the profile (src/profiles), or every route of the frameworks. */
  readonly routes: readonly string[] | 'all'
  /** The CVE or issue it answers. */
  readonly advisory: string
  /** What it matches and does, for docs/guards.md and error messages. */
  readonly summary: string
  /** The actions an operator may pick; the first is the default. */
  readonly actions: readonly [Action, ...Action[]]
  readonly options: Readonly<Record<string, OptionSpec>>
}

/** Checks (and may change in place) a JSON body: vLLM's request, or Triton's inference header. */
export interface JsonRule extends RuleBase {
  readonly on: 'json'
  check (body: JsonBody, settings: RuleSettings): Outcome | Promise<Outcome>
}

/** Checks the query string (without `?`) before anything is forwarded. */
export interface QueryRule extends RuleBase {
  readonly on: 'query'
  check (query: string, settings: RuleSettings): Outcome
}

/** Drops request headers on their way upstream; `name` is lower-case with `_` as `-` (`headerKey`). */
export interface HeaderRule extends RuleBase {
  readonly on: 'header'
  drops (name: string, settings: RuleSettings): boolean
}

/** Rewrites upstream error responses (src/guards/error-scrub.ts). */
export interface ResponseRule extends RuleBase {
  readonly on: 'response'
}

export type GuardRule = JsonRule | QueryRule | HeaderRule | ResponseRule

export const refuse = (why: string): Outcome => ({ refuse: why })
