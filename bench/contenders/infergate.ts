/**
 * Shared by every infergate contender: the base config (all backends as upstreams, the bench API key,
 * a body limit that lets 16 MiB tensors through) and the child's `serve`. Each infergate-*.ts entry
 * only says what it needs and how its config differs.
 * @module
 */
import { fileURLToPath } from 'node:url'
import { hashKey } from '../../src/auth/api-keys.js'
import type * as Load from '../../src/config-load/load.js'
import type * as Serve from '../../src/serve.js'
import type { Backends } from '../lib/backends.js'
import { distModule } from '../lib/build.js'
import { firstMissing, type Contender } from '../lib/contender.js'
import type { NodeService } from '../lib/processes.js'

const BENCH_API_KEY = 'ig_bench-0123456789abcdefghijklmnopqrstuvwxyz'
export type ConfigObject = Record<string, unknown>

export interface InfergateEntry {
  readonly name: string
  readonly description: string
  /** Repository files the variant's features live in; absent files mean "not built yet". */
  readonly requires?: readonly string[]
  /** Why the files are required, shown when the variant is skipped. */
  readonly requiresNote?: string
  /** The variant's config from the base one; absent until someone writes it. */
  readonly config?: (base: ConfigObject) => ConfigObject
  readonly clientHeaders?: () => Readonly<Record<string, string>>
  readonly scenarios?: readonly string[]
}

function baseConfig (backends: Backends): ConfigObject {
  return {
    listen: { host: '127.0.0.1', port: 0 },
    metrics: { host: '127.0.0.1', port: 0 },
    logging: { level: 'warn' },
    limits: { bodyBytes: 64 * 2 ** 20 },
    upstreams: Object.entries(backends).map(([name, backend]) => ({
      name, framework: name, url: backend.url, models: [backend.model], headers: backend.headers
    })),
    auth: { apiKeys: [{ id: 'bench', sha256: hashKey(BENCH_API_KEY) }] }
  }
}

export function infergate (entry: InfergateEntry): Contender {
  return {
    name: entry.name,
    description: entry.description,
    policy: true,
    ...(entry.scenarios === undefined ? {} : { scenarios: entry.scenarios }),
    unavailable: () => {
      const missing = firstMissing(entry.requires ?? [])
      if (missing !== undefined) return `${entry.requiresNote ?? 'needs unbuilt features'} (${missing} is absent)`
      if (entry.config === undefined) return `its config is not written yet (bench/contenders/${entry.name}.ts)`
      return undefined
    },
    clientHeaders: entry.clientHeaders ?? (() => ({ authorization: `Bearer ${BENCH_API_KEY}` })),
    launch: async backends => ({
      kind: 'node',
      module: fileURLToPath(import.meta.url),
      spec: (entry.config as (base: ConfigObject) => ConfigObject)(baseConfig(backends))
    })
  }
}

export async function serve (config: ConfigObject): Promise<NodeService> {
  const { parseConfig } = await import(distModule('config-load/load.js')) as typeof Load
  const { startGateway } = await import(distModule('serve.js')) as typeof Serve
  const gateway = await startGateway(parseConfig(JSON.stringify(config), 'bench config'))
  return { info: gateway.url, close: () => gateway.shutdown() }
}
