/**
 * The floor of our stack: bare fastify + @fastify/http-proxy (undici underneath, as in infergate),
 * no policy at all. Its `serve` runs in the child process.
 * @module
 */
import { fileURLToPath } from 'node:url'
import proxy from '@fastify/http-proxy'
import Fastify from 'fastify'
import type { Backends } from '../lib/backends.js'
import type { Contender } from '../lib/contender.js'
import type { NodeService } from '../lib/processes.js'

// The same body limit and pool size as the infergate contenders, so the slow-streams and 16 MiB scenarios compare like with like.
const BODY_LIMIT = 64 * 2 ** 20
const CONNECTIONS = 8192
// Each backend's API lives under its own prefix, so one listener can route by path.
const PREFIXES: Record<string, string> = { vllm: '/v1', triton: '/v2', torchserve: '/predictions' }

export const contender: Contender = {
  name: 'fastify-http-proxy',
  description: 'fastify 5 + @fastify/http-proxy, no policy',
  policy: false,
  unavailable: () => undefined,
  clientHeaders: backend => backend.headers,
  launch: async backends => ({ kind: 'node', module: fileURLToPath(import.meta.url), spec: backends })
}

export async function serve (backends: Backends): Promise<NodeService> {
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT })
  for (const [name, backend] of Object.entries(backends)) {
    const prefix = PREFIXES[name] as string
    await app.register(proxy, {
      upstream: backend.url,
      prefix,
      rewritePrefix: prefix,
      undici: { connections: CONNECTIONS, pipelining: 1 }
    })
  }
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return { info: url, close: () => app.close() }
}
