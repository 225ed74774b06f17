/**
 * Shared by the native proxies: which path prefix goes to which backend, and the host:port form
 * their configs want.
 * @module
 */
import type { Backends } from '../lib/backends.js'

const PATH_PREFIXES: Readonly<Record<string, string>> = { vllm: '/v1/', triton: '/v2/', torchserve: '/predictions/' }

export interface Route {
  readonly name: string
  readonly prefix: string
  readonly hostPort: string
}

export function routes (backends: Backends): Route[] {
  return Object.entries(backends).map(([name, backend]) => ({
    name,
    prefix: PATH_PREFIXES[name] as string,
    hostPort: new URL(backend.url).host
  }))
}
