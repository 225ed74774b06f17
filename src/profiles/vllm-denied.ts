import type { DeniedRoute } from './types.js'

const UNKEYED = 'unprefixed, so vLLM checks no key on it'
const DEV = 'dev mode only (VLLM_SERVER_DEV_MODE), no vLLM key check'

/**
 * vLLM routes that stay refused (the api_router.py files under vllm/entrypoints): streams the gateway cannot
 * scope (the model is named inside a WebSocket), internal and non-generation APIs, and every
 * management and dev route. /v1/systemone and /v1/decisions are inference and not listed here.
 */
export const vllmDenied: readonly DeniedRoute[] = [
  { method: 'GET', path: '/v1/realtime', upgrade: 'websocket', reason: 'Realtime API over WebSocket: the model is named inside the stream (`session.update`), which the gateway does not read' },
  { method: 'GET', path: '/v1/responses', upgrade: 'websocket', reason: 'Responses over WebSocket (vLLM PR #35492): every `response.create` event names its own model inside the stream' },
  { method: 'POST', path: '/inference/v1/generate', reason: 'internal disaggregation API (token ids in and out), not for clients' },
  { method: 'POST', path: '/v1/chat/completions/render', reason: 'renders the chat template (templating and tokenization, not generation)' },
  { method: 'POST', path: '/v1/completions/render', reason: 'renders the prompt (tokenization, not generation)' },
  { method: 'POST', path: '/v1/chat/completions/derender', reason: 'turns token ids back into messages (not generation)' },
  { method: 'POST', path: '/v1/completions/derender', reason: 'turns token ids back into text (not generation)' },
  { method: 'POST', path: '/fault_tolerance/apply', reason: `fault-tolerance control (--enable-fault-tolerance), ${UNKEYED}` },
  { method: 'GET', path: '/fault_tolerance/status', reason: `fault-tolerance state (--enable-fault-tolerance), ${UNKEYED}` },
  { method: 'POST', path: '/v1/load_lora_adapter', reason: 'loads a LoRA adapter from any path (VLLM_ALLOW_RUNTIME_LORA_UPDATING)' },
  { method: 'POST', path: '/v1/unload_lora_adapter', reason: 'unloads a LoRA adapter other callers use' },
  { method: 'POST', path: '/tokenize', reason: `${UNKEYED}; renders client chat templates (CVE-2025-62426)` },
  { method: 'POST', path: '/detokenize', reason: UNKEYED },
  { method: 'POST', path: '/invocations', reason: `SageMaker inference, ${UNKEYED}` },
  { method: 'POST', path: '/collective_rpc', reason: `${DEV}: calls any method on the workers` },
  { method: 'POST', path: '/reset_prefix_cache', reason: `${DEV}: drops every caller's prefix cache` },
  { method: 'POST', path: '/sleep', reason: `${DEV}: offloads the weights, no one can generate` },
  { method: 'POST', path: '/wake_up', reason: DEV },
  { method: 'GET', path: '/is_sleeping', reason: DEV },
  { method: 'POST', path: '/start_profile', reason: `the torch profiler (when one is configured), ${UNKEYED}` },
  { method: 'POST', path: '/stop_profile', reason: `the torch profiler (when one is configured), ${UNKEYED}` },
  { method: 'GET', path: '/server_info', reason: `${DEV}: the server's config and environment` },
  { method: 'GET', path: '/metrics', reason: `Prometheus metrics of every caller, ${UNKEYED}; scrape the backend directly` },
  { method: 'GET', path: '/version', reason: `the exact vLLM version, for fingerprinting, ${UNKEYED}` },
  { method: 'POST', path: '/scale_elastic_ep', reason: `rescales the engine (503 for everyone meanwhile), ${UNKEYED}` },
  { method: 'POST', path: '/pause', reason: `${DEV}: stops generation for everyone` },
  { method: 'POST', path: '/resume', reason: DEV }
]
