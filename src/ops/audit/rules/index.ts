/**
 * The audit rules, as data: each rule's id, severity, title, the advisory or guide section it
 * answers, its matchers (one per kind of subject it looks at) and the fix, one file per family.
 * References name the CVE or the backend's own documentation or source file (paths in its
 * repository), and "guide" sections of the model-serving hardening guide the rules were first written from.
 * @module
 */
import { imageRules } from './images.js'
import { infergateRules } from './infergate.js'
import { inputRules } from './inputs.js'
import { kubernetesRules } from './kubernetes.js'
import { torchserveRules } from './torchserve.js'
import { tritonRules } from './triton.js'
import { vllmRules } from './vllm.js'
import type { Rule } from '../types.js'

/** The order of SARIF's tool.driver.rules. */
export const RULES: readonly Rule[] = [
  ...inputRules,
  ...torchserveRules,
  ...tritonRules,
  ...vllmRules,
  ...kubernetesRules,
  ...imageRules,
  ...infergateRules
]
