import type { Framework, Profile } from './types.js'
import { triton } from './triton.js'
import { torchserve } from './torchserve.js'
import { vllm } from './vllm.js'

export const profiles: Readonly<Record<Framework, Profile>> = { vllm, triton, torchserve }

/** The optional route groups a framework offers (what `upstreams[].routes` may name). */
export function optionalGroups (framework: Framework): string[] {
  const groups = new Set<string>()
  for (const rule of profiles[framework].rules) if (rule.group !== undefined) groups.add(rule.group)
  return [...groups]
}
