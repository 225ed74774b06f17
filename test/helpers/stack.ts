/**
 * A real gateway in front of real emulated backends, all on 127.0.0.1 ephemeral ports, torn down
 * with the test.
 * @module
 */
import type { TestContext } from 'node:test'
import { hashKey } from '../../src/auth/api-keys.js'
import { parseConfig } from '../../src/config-load/load.js'
import type { Config } from '../../src/config/schema.js'
import { startEmulator, type Emulator, type EmulatorOptions, type Framework } from '../../src/emulators/index.js'
import { startGateway, type RunningGateway } from '../../src/serve.js'

export const KEYS = {
  alice: 'ig_test-alice-0123456789abcdefghijklmnopqrstuv',
  scoped: 'ig_test-scoped-0123456789abcdefghijklmnopqrstu'
} as const

export interface Stack {
  readonly gateway: RunningGateway
  readonly url: string
  readonly vllm: Emulator
  readonly triton: Emulator
  readonly torchserve: Emulator
  readonly config: Config
}

export interface StackOptions {
  readonly emulators?: Partial<Record<Framework, EmulatorOptions>>
  /** Extra keys per upstream, by framework (routes, headers, timeouts …). */
  readonly upstreams?: Partial<Record<Framework, Record<string, unknown>>>
  /** Top-level config keys merged over the defaults (limits, server …). */
  readonly config?: Record<string, unknown>
}

/** The config a stack runs with, for tests that start the gateway themselves. */
export function stackConfig (emulators: Record<Framework, Emulator>, options: StackOptions = {}): Config {
  const upstream = (framework: Framework) => ({
    name: framework,
    framework,
    url: emulators[framework].url,
    ...options.upstreams?.[framework]
  })
  const config = {
    listen: { host: '127.0.0.1', port: 0 },
    metrics: { host: '127.0.0.1', port: 0 },
    logging: { level: 'silent' },
    upstreams: [upstream('vllm'), upstream('triton'), upstream('torchserve')],
    auth: {
      apiKeys: [
        { id: 'alice', sha256: hashKey(KEYS.alice) },
        { id: 'scoped', sha256: hashKey(KEYS.scoped), models: ['demo-llm', 'demo-tensor'] }
      ]
    },
    ...options.config
  }
  return parseConfig(JSON.stringify(config), 'test config')
}

export async function startEmulators (t: TestContext, options: StackOptions = {}): Promise<Record<Framework, Emulator>> {
  const [vllm, triton, torchserve] = await Promise.all((['vllm', 'triton', 'torchserve'] as const)
    .map(framework => startEmulator(framework, options.emulators?.[framework] ?? {})))
  const emulators = { vllm: vllm as Emulator, triton: triton as Emulator, torchserve: torchserve as Emulator }
  t.after(() => Promise.all(Object.values(emulators).map(e => e.close())))
  return emulators
}

export async function startStack (t: TestContext, options: StackOptions = {}): Promise<Stack> {
  const emulators = await startEmulators(t, options)
  const config = stackConfig(emulators, options)
  const gateway = await startGateway(config)
  t.after(() => gateway.app.close())
  return { gateway, url: gateway.url, config, ...emulators }
}

export const auth = (key: string = KEYS.alice) => ({ authorization: `Bearer ${key}` })
