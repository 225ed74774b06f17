/**
 * Everything `infergate probe` sends, as data: docs/probes.md is rendered from it
 * (`infergate probe --list`). Only safe methods (GET, OPTIONS) go out. A state-changing route is
 * probed with GET, which it rejects (405), so an answer proves the route is reachable without
 * changing anything; model and region names are `infergate-probe`, which no server has.
 * @module
 */
import { FRAMEWORKS, type Framework } from '../../profiles/types.js'

export type CheckKind = 'management' | 'model-repository' | 'debug' | 'metrics' | 'docs' | 'inference-bypass' | 'path-trick'

/** How a check stays harmless. */
export type Safety = 'read-only' | 'wrong-method' | 'trick'

export interface ProbeCheck {
  /** `any`: sent whatever `--framework` says (metrics and path tricks reach every backend). */
  readonly framework: Framework | 'any'
  readonly kind: CheckKind
  readonly method: 'GET' | 'OPTIONS'
  /** The request target, sent byte for byte; `{authority}` becomes the URL's host[:port]. */
  readonly target: string
  /** The route a server would read it as (from its own router source), for the report. */
  readonly reaches: string
  readonly safety: Safety
}

const SAFETY_TEXT: Readonly<Record<Safety, string>> = {
  'read-only': 'read-only route',
  'wrong-method': 'GET on a POST-only route: refused with 405, nothing runs',
  trick: 'GET of a read-only route, spelled to slip past a path check'
}

const check = (framework: ProbeCheck['framework'], kind: CheckKind, safety: Safety, target: string, reaches: string,
  method: ProbeCheck['method'] = 'GET'): ProbeCheck => ({ framework, kind, method, target, reaches, safety })

export const CHECKS: readonly ProbeCheck[] = [
  // vLLM (the api_router.py files under vllm/entrypoints): metrics, dev-mode and management routes on the one HTTP port
  check('any', 'metrics', 'read-only', '/metrics', 'Prometheus text (vLLM :8000, Triton :8002, TorchServe :8082)'),
  check('vllm', 'metrics', 'read-only', '/load', 'vLLM server load'),
  check('vllm', 'debug', 'read-only', '/version', 'vLLM version'),
  check('vllm', 'debug', 'read-only', '/server_info', 'vLLM config and env (VLLM_SERVER_DEV_MODE)'),
  check('vllm', 'docs', 'read-only', '/openapi.json', 'vLLM OpenAPI schema'),
  check('vllm', 'docs', 'read-only', '/docs', 'vLLM Swagger UI'),
  check('vllm', 'management', 'read-only', '/is_sleeping', 'vLLM sleep state (dev mode)'),
  check('vllm', 'management', 'wrong-method', '/sleep', 'POST /sleep: offloads the weights'),
  check('vllm', 'management', 'wrong-method', '/wake_up', 'POST /wake_up'),
  check('vllm', 'management', 'wrong-method', '/pause', 'POST /pause: stops generation'),
  check('vllm', 'management', 'wrong-method', '/scale_elastic_ep', 'POST /scale_elastic_ep: 503 for everyone while scaling'),
  check('vllm', 'management', 'wrong-method', '/v1/load_lora_adapter', 'POST /v1/load_lora_adapter'),
  check('vllm', 'management', 'wrong-method', '/adapters', 'POST /adapters: SageMaker LoRA register'),
  check('vllm', 'debug', 'wrong-method', '/collective_rpc', 'POST /collective_rpc: any method on the workers'),
  check('vllm', 'debug', 'wrong-method', '/update_weights', 'POST /update_weights: new weights'),
  check('vllm', 'debug', 'wrong-method', '/reset_prefix_cache', 'POST /reset_prefix_cache'),
  check('vllm', 'debug', 'wrong-method', '/start_profile', 'POST /start_profile: torch profiler'),
  check('vllm', 'inference-bypass', 'wrong-method', '/invocations', 'POST /invocations: inference without vLLM\'s --api-key'),
  check('vllm', 'inference-bypass', 'wrong-method', '/tokenize', 'POST /tokenize: no --api-key, CVE-2025-62426'),
  // Triton (src/http_server.cc): no authentication of its own
  check('triton', 'debug', 'read-only', '/v2', 'Triton server metadata and extensions'),
  check('triton', 'model-repository', 'wrong-method', '/v2/repository/index', 'POST /v2/repository/index'),
  check('triton', 'model-repository', 'wrong-method', '/v2/repository/models/infergate-probe/load', 'POST …/load: load or upload a model'),
  check('triton', 'model-repository', 'wrong-method', '/v2/repository/models/infergate-probe/unload', 'POST …/unload'),
  check('triton', 'debug', 'read-only', '/v2/models/stats', 'Triton statistics of every model'),
  check('triton', 'debug', 'read-only', '/v2/trace/setting', 'Triton trace settings'),
  check('triton', 'debug', 'read-only', '/v2/logging', 'Triton log settings'),
  check('triton', 'management', 'read-only', '/v2/systemsharedmemory/status', 'Triton system shared-memory regions'),
  check('triton', 'management', 'read-only', '/v2/cudasharedmemory/status', 'Triton CUDA shared-memory regions'),
  check('triton', 'management', 'wrong-method', '/v2/systemsharedmemory/region/infergate-probe/register', 'POST …/register: map a shm region'),
  // TorchServe (the handler chains of ServerInitializer.java). Never /token: a GET there rotates a key, and TorchServe routes
  // any management request that merely mentions "/token" to it.
  check('torchserve', 'docs', 'read-only', '/', 'TorchServe API listing (no token check)', 'OPTIONS'),
  check('torchserve', 'docs', 'read-only', '/api-description', 'TorchServe API listing (no token check)'),
  check('torchserve', 'management', 'read-only', '/models', 'TorchServe model list (management :8081)'),
  check('torchserve', 'management', 'read-only', '/workflows', 'TorchServe workflow list (management :8081)'),
  // Spellings that a backend resolves to a denied route while a naive check sees an allowed prefix
  check('any', 'path-trick', 'trick', '/v1/../metrics', '/metrics (dot segment)'),
  check('any', 'path-trick', 'trick', '/v1/%2e%2e/metrics', '/metrics (encoded dot segment)'),
  check('any', 'path-trick', 'trick', '/v1/%2E%2E/metrics', '/metrics (upper-case encoded dot segment)'),
  check('any', 'path-trick', 'trick', '/v1/models/..%2f..%2fmetrics', '/metrics (encoded slashes)'),
  check('any', 'path-trick', 'trick', '/v1;/../metrics', '/metrics (";" parameter)'),
  check('any', 'path-trick', 'trick', '/v1\\..\\metrics', '/metrics (backslashes)'),
  check('any', 'path-trick', 'trick', '/./metrics', '/metrics (single-dot segment)'),
  check('any', 'path-trick', 'trick', '//metrics', '/metrics (empty segment)'),
  check('any', 'path-trick', 'trick', '/metrics/', '/metrics (trailing slash)'),
  check('any', 'path-trick', 'trick', '/%6detrics', '/metrics (encoded unreserved character)'),
  check('any', 'path-trick', 'trick', 'http://{authority}/metrics', '/metrics (absolute-form target)'),
  check('triton', 'path-trick', 'trick', '/v2/models/%2e%2e/repository/index', '/v2/repository/index (GET: 405)')
]

export const FRAMEWORK_CHOICES = [...FRAMEWORKS, 'all'] as const
export type FrameworkChoice = typeof FRAMEWORK_CHOICES[number]

export function checksFor (framework: FrameworkChoice): ProbeCheck[] {
  return CHECKS.filter(c => framework === 'all' || c.framework === 'any' || c.framework === framework)
}

/** The table of what is sent, as Markdown (`infergate probe --list`, docs/probes.md). */
export function checksTable (checks: readonly ProbeCheck[]): string {
  const cell = (text: string) => text.replaceAll('|', '\\|')
  const rows = checks.map(c =>
    `| ${c.framework} | ${c.kind} | \`${c.method} ${cell(c.target)}\` | ${cell(c.reaches)} | ${SAFETY_TEXT[c.safety]} |`)
  return ['| framework | kind | sent | what a server reads it as | why it is harmless |', '|---|---|---|---|---|', ...rows, ''].join('\n')
}
