/**
 * Triton rules: on the JSON of infer requests (the whole body, or the header that
 * `Inference-Header-Content-Length` delimits in binary requests; src/guards/triton-body.ts), and on
 * request headers. Advisories: CVE-2025-23319, CVE-2025-23320, CVE-2025-23334, CVE-2026-24146,
 * CVE-2026-24173 (docs/guards.md links them).
 * @module
 */
import { isObject } from '../../lib/json-object.js'
import type { JsonBody } from '../json-body.js'
import { refuse, type HeaderRule, type JsonRule, type Outcome } from '../types.js'

const INFER_ROUTES = ['infer', 'infer-version']
const framework = ['triton'] as const
const SHARED_MEMORY = ['shared_memory_region', 'shared_memory_offset', 'shared_memory_byte_size']
const TENSOR_LISTS = ['inputs', 'outputs'] as const

function tensors (json: Record<string, unknown>, list: string): unknown[] {
  const value = json[list]
  return Array.isArray(value) ? value : []
}

function sharedMemoryProblem ({ json }: JsonBody): Outcome {
  for (const list of TENSOR_LISTS) {
    for (const [i, tensor] of tensors(json, list).entries()) {
      const parameters = isObject(tensor) ? tensor['parameters'] : undefined
      if (!isObject(parameters)) continue
      const found = SHARED_MEMORY.find(key => key in parameters)
      if (found !== undefined) return refuse(`${list}[${i}].parameters.${found} is not accepted`)
    }
  }
  return undefined
}

export const tritonRules: ReadonlyArray<JsonRule | HeaderRule> = [
  {
    id: 'triton-shared-memory',
    frameworks: framework,
    routes: INFER_ROUTES,
    advisory: 'CVE-2025-23319, CVE-2025-23320, CVE-2025-23334',
    summary: 'refuses `shared_memory_region`, `shared_memory_offset`, `shared_memory_byte_size` in the `parameters` of inputs and outputs',
    on: 'json',
    actions: ['refuse'],
    options: {},
    check: sharedMemoryProblem
  },
  {
    id: 'triton-tensor-count',
    frameworks: framework,
    routes: INFER_ROUTES,
    advisory: 'CVE-2026-24146',
    summary: 'refuses more than `maxInputs` inputs or `maxOutputs` requested outputs',
    on: 'json',
    actions: ['refuse'],
    options: {
      maxInputs: { kind: 'integer', default: 64, min: 1, max: 100_000 },
      maxOutputs: { kind: 'integer', default: 64, min: 1, max: 100_000 }
    },
    check: ({ json }, settings) => {
      for (const list of TENSOR_LISTS) {
        const max = settings.integer(list === 'inputs' ? 'maxInputs' : 'maxOutputs')
        const count = tensors(json, list).length
        if (count > max) return refuse(`${count} ${list}, more than ${max}`)
      }
      return undefined
    }
  },
  {
    id: 'triton-json-limits',
    frameworks: framework,
    routes: INFER_ROUTES,
    advisory: 'CVE-2026-24146, CVE-2026-24173',
    summary: 'refuses infer JSON (the header of binary requests) over `maxBytes` or nested deeper than `maxDepth`',
    on: 'json',
    actions: ['refuse'],
    options: {
      maxBytes: { kind: 'integer', default: 1_048_576, min: 2, max: 1_073_741_824 },
      maxDepth: { kind: 'integer', default: 16, min: 1, max: 10_000 }
    },
    check: ({ bytes, facts }, settings) => {
      const maxBytes = settings.integer('maxBytes')
      if (bytes > maxBytes) return refuse(`the infer JSON has ${bytes} bytes, more than ${maxBytes}`)
      const maxDepth = settings.integer('maxDepth')
      return facts.depth > maxDepth ? refuse(`the infer JSON is nested deeper than ${maxDepth} levels`) : undefined
    }
  },
  {
    id: 'triton-headers',
    frameworks: framework,
    routes: 'all',
    advisory: 'CVE-2025-23319 chain (Vertex AI redirect, restricted-API headers)',
    summary: 'strips `X-Vertex-Ai-Triton-Redirect` (reaches the shared-memory API) and `triton-grpc-protocol-*` request headers (any case, `_` read as `-`)',
    on: 'header',
    actions: ['strip'],
    options: {},
    drops: name => name === 'x-vertex-ai-triton-redirect' || name.startsWith('triton-grpc-protocol-')
  }
]
