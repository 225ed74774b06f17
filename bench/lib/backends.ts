/**
 * The backends every contender sits in front of: real servers given by URL (GPU mode: BENCH_VLLM_URL,
 * BENCH_TRITON_URL, BENCH_TORCHSERVE_URL) or, when none is given, one emulated vLLM and one emulated
 * Triton in a child process on the load generator's core.
 * @module
 */
import { fileURLToPath } from 'node:url'
import type { Pinning } from './pinning.js'
import { startNode, type Running } from './processes.js'

export type BackendName = 'vllm' | 'triton' | 'torchserve'

export interface Backend {
  readonly url: string
  readonly model: string
  /** Headers that carry the backend's own credential (BENCH_<NAME>_API_KEY), for clients that talk to it directly. */
  readonly headers: Readonly<Record<string, string>>
}

export type Backends = Partial<Record<BackendName, Backend>>

export interface BackendSetup {
  readonly mode: 'emulated' | 'gpu'
  readonly backends: Backends
  /** The emulator process, whose CPU the report gives next to the proxy's; absent in GPU mode. */
  readonly process?: Running<unknown>
  stop (): Promise<void>
}

const DEFAULT_MODELS: Record<BackendName, string> = { vllm: 'demo-llm', triton: 'demo-tensor', torchserve: 'demo-model' }
const NAMES: readonly BackendName[] = ['vllm', 'triton', 'torchserve']

function fromEnvironment (): Backends {
  const backends: Backends = {}
  for (const name of NAMES) {
    const prefix = `BENCH_${name.toUpperCase()}`
    const url = process.env[`${prefix}_URL`]
    if (url === undefined || url === '') continue
    const key = process.env[`${prefix}_API_KEY`]
    backends[name] = {
      url: url.replace(/\/+$/, ''),
      model: process.env[`${prefix}_MODEL`] ?? DEFAULT_MODELS[name],
      headers: key === undefined || key === '' ? {} : { authorization: `Bearer ${key}` }
    }
  }
  return backends
}

export async function setUpBackends (pinning: Pinning): Promise<BackendSetup> {
  const given = fromEnvironment()
  if (Object.keys(given).length > 0) return { mode: 'gpu', backends: given, stop: async () => {} }
  const emulated = fileURLToPath(new URL('./emulated-backends.ts', import.meta.url))
  const child = await startNode<Record<'vllm' | 'triton', string>>(pinning, 'load', emulated, null)
  const backends: Backends = {
    vllm: { url: child.info.vllm, model: DEFAULT_MODELS.vllm, headers: {} },
    triton: { url: child.info.triton, model: DEFAULT_MODELS.triton, headers: {} }
  }
  return { mode: 'emulated', backends, process: child, stop: () => child.stop() }
}
