/**
 * Every guard rule, by id. Rules apply by default; `upstreams[].guards.<id>` switches one off or
 * tunes it for one upstream.
 * @module
 */
import { FRAMEWORKS } from '../../profiles/types.js'
import type { GuardRule, ResponseRule } from '../types.js'
import { torchserveRules } from './torchserve.js'
import { tritonRules } from './triton.js'
import { vllmRules } from './vllm.js'

export const errorScrubRule: ResponseRule = {
  id: 'error-scrub',
  frameworks: FRAMEWORKS,
  routes: 'all',
  advisory: 'CVE-2026-22778, CVE-2025-23320',
  summary: 'removes heap addresses, Triton shared-memory region names and file system paths from upstream error bodies (status ≥ 400, with a Content-Length up to `maxBytes`, not compressed)',
  on: 'response',
  actions: ['strip'],
  options: { maxBytes: { kind: 'integer', default: 65_536, min: 0, max: 16_777_216 } }
}

export const RULES: readonly GuardRule[] = [...vllmRules, ...tritonRules, ...torchserveRules, errorScrubRule]

export const RULES_BY_ID: ReadonlyMap<string, GuardRule> = new Map(RULES.map(rule => [rule.id, rule]))
