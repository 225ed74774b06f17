/**
 * vLLM rules (VL): its command line and environment. Advisories by CVE id in each rule.
 * @module
 */
import { any, envOn, flagOn, listensBeyondLoopback } from '../matchers.js'
import type { Rule } from '../types.js'

export const vllmRules: readonly Rule[] = [
  {
    id: 'VL001',
    severity: 'critical',
    title: 'vLLM trusts remote code',
    reference: 'guide: vLLM Hardening and Failure Modes (trust-remote-code)',
    fix: 'Remove --trust-remote-code; vendor and review any custom model code into the image instead.',
    match: { command: subject => subject.framework === 'vllm' ? flagOn('--trust-remote-code', 'model repositories can run arbitrary Python')(subject) : [] }
  },
  {
    id: 'VL002',
    severity: 'high',
    title: 'vLLM development API enabled',
    reference: 'vLLM vllm/entrypoints/serve/__init__.py (dev routes under VLLM_SERVER_DEV_MODE)',
    fix: 'Remove VLLM_SERVER_DEV_MODE from the environment.',
    match: { command: subject => subject.framework === 'vllm' ? envOn('VLLM_SERVER_DEV_MODE', 'unauthenticated /pause, /resume, /update_weights and other dev routes')(subject) : [] }
  },
  {
    id: 'VL003',
    severity: 'high',
    title: 'vLLM runtime LoRA loading enabled',
    reference: 'vLLM /adapters SageMaker LoRA routes, registered when runtime LoRA updating is on',
    fix: 'Remove VLLM_ALLOW_RUNTIME_LORA_UPDATING; list adapters with --lora-modules at startup.',
    match: { command: subject => subject.framework === 'vllm' ? envOn('VLLM_ALLOW_RUNTIME_LORA_UPDATING', 'adapters can be loaded from any path at runtime')(subject) : [] }
  },
  {
    id: 'VL004',
    severity: 'medium',
    title: 'vLLM profiler enabled',
    reference: 'vLLM profiler routes (/start_profile, /stop_profile) on the serving port',
    fix: 'Remove VLLM_TORCH_PROFILER_DIR, VLLM_TORCH_CUDA_PROFILE and --profiler-config from production deployments.',
    match: {
      command: subject => subject.framework !== 'vllm'
        ? []
        : any(
          envOn('VLLM_TORCH_PROFILER_DIR', 'the /start_profile and /stop_profile routes are served'),
          envOn('VLLM_TORCH_CUDA_PROFILE', 'CUDA profiling is on'),
          flagOn('--profiler-config', 'the profiling routes are served')
        )(subject)
    }
  },
  {
    id: 'VL005',
    severity: 'high',
    title: 'vLLM on all interfaces without a gateway in front',
    reference: 'guide: vLLM Hardening ("Always run behind an authenticated API gateway"); vLLM docs/usage/security.md',
    fix: 'Run infergate in the same pod and bind vLLM to it: --host 127.0.0.1.',
    match: {
      command: subject => {
        if (subject.framework !== 'vllm' || !subject.hasCommandLine || subject.behindGateway) return []
        const bound = listensBeyondLoopback(subject, '--host')
        return bound === undefined ? [] : [{ message: `vLLM listens on ${bound.value} and no infergate container runs beside it`, line: bound.line }]
      }
    }
  },
  {
    id: 'VL006',
    severity: 'medium',
    title: 'vLLM reachable beyond loopback without an API key',
    reference: 'vLLM docs/usage/security.md (--api-key / VLLM_API_KEY guards /v1 only), CVE-2026-22778 (/invocations)',
    fix: 'Bind --host 127.0.0.1 behind infergate, or set VLLM_API_KEY from a Secret and send it from infergate as an upstream header.',
    match: {
      command: subject => {
        if (subject.framework !== 'vllm' || !subject.hasCommandLine || subject.flags.has('--api-key') || subject.env.has('VLLM_API_KEY')) return []
        const bound = listensBeyondLoopback(subject, '--host')
        return bound === undefined ? [] : [{ message: `vLLM listens on ${bound.value} and answers without a key`, line: bound.line }]
      }
    }
  }
]
