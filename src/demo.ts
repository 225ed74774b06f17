/**
 * `infergate demo` (what `npm start` runs): the three emulated backends, the gateway from
 * config/demo.yaml, a fresh random key, and curl lines to try.
 * @module
 */
import { fileURLToPath } from 'node:url'
import { generateKey, hashKey } from './auth/api-keys.js'
import { loadConfigFile } from './config-load/load.js'
import type { Config } from './config/schema.js'
import { startEmulator } from './emulators/index.js'
import { isListenFailure, type Listener } from './server/listen-failure.js'
import { startGateway, type RunningGateway } from './serve.js'

const DEMO_CONFIG = fileURLToPath(new URL('../config/demo.yaml', import.meta.url))

/** The variable that moves each listener, named in the one line a taken port prints. */
const PORT_VARIABLES: ReadonlyArray<readonly [Listener, string]> = [
  ['the gateway', 'INFERGATE_DEMO_PORT'],
  ['the metrics listener', 'INFERGATE_DEMO_METRICS_PORT']
]

function curlLines (url: string, key: string): string {
  const authHeader = `-H "Authorization: Bearer ${key}"`
  const json = '-H "Content-Type: application/json"'
  return [
    '# a streaming chat completion (vLLM, SSE):',
    `curl -N ${url}/v1/chat/completions ${authHeader} ${json} -d '{"model":"demo-llm","stream":true,"messages":[{"role":"user","content":"Hello"}]}'`,
    '# an Anthropic Messages call (vLLM\'s /v1/messages; Anthropic clients send the key as x-api-key):',
    `curl ${url}/v1/messages -H "x-api-key: ${key}" -H "anthropic-version: 2023-06-01" ${json} -d '{"model":"demo-llm","max_tokens":32,"messages":[{"role":"user","content":"Hello"}]}'`,
    '# a Triton inference:',
    `curl ${url}/v2/models/demo-tensor/infer ${authHeader} ${json} -d '{"inputs":[{"name":"INPUT0","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}'`,
    '# a TorchServe prediction:',
    `curl ${url}/predictions/demo-model ${authHeader} -H "Content-Type: text/plain" -d 'I love this gateway'`,
    '# a management call, refused (404) before it reaches Triton:',
    `curl -X POST ${url}/v2/repository/models/demo-tensor/load ${authHeader}`,
    '# no key, refused (401):',
    `curl ${url}/v1/models`
  ].join('\n')
}

/**
 * The metrics port is a detail of the demo: when the default one is taken (another demo, a real
 * gateway), any free one will do. A port the user chose is kept, and its being taken is an error.
 */
async function startDemoGateway (config: Config, metricsPortChosen: boolean): Promise<RunningGateway> {
  try {
    return await startGateway(config)
  } catch (err) {
    if (metricsPortChosen || !isListenFailure(err, 'the metrics listener', 'EADDRINUSE')) throw err
    return await startGateway({ ...config, metrics: { ...config.metrics, port: 0 } })
  }
}

/** A taken port also says which variable moves it. */
function withPortHint (err: unknown): unknown {
  for (const [listener, variable] of PORT_VARIABLES) {
    if (isListenFailure(err, listener, 'EADDRINUSE')) err.message += `; set ${variable} to another port`
  }
  return err
}

export async function runDemo (): Promise<void> {
  const timing = { ttftMs: 150, interTokenMs: 60, tokens: 24 }
  const emulators = await Promise.all([
    startEmulator('vllm', { ...timing, models: ['demo-llm'] }),
    startEmulator('triton', { ...timing, models: ['demo-tensor'] }),
    startEmulator('torchserve', { ...timing, models: ['demo-model'] })
  ])
  const [vllm, triton, torchserve] = emulators
  const closeEmulators = (): Promise<unknown> => Promise.all(emulators.map(emulator => emulator.close()))
  const key = generateKey()
  const metricsPort = process.env['INFERGATE_DEMO_METRICS_PORT']
  let gateway: RunningGateway
  try {
    const config = await loadConfigFile(DEMO_CONFIG, {
      ...process.env,
      INFERGATE_DEMO_PORT: process.env['INFERGATE_DEMO_PORT'] ?? '8080',
      INFERGATE_DEMO_METRICS_PORT: metricsPort ?? '9464',
      INFERGATE_DEMO_VLLM_URL: vllm.url,
      INFERGATE_DEMO_TRITON_URL: triton.url,
      INFERGATE_DEMO_TORCHSERVE_URL: torchserve.url,
      INFERGATE_DEMO_KEY_SHA256: hashKey(key)
    })
    gateway = await startDemoGateway(config, metricsPort !== undefined)
  } catch (err) {
    // The emulators would keep the process alive with no gateway in front of them.
    await closeEmulators()
    throw withPortHint(err)
  }
  process.stdout.write([
    `infergate demo: gateway on ${gateway.url} in front of emulated vLLM, Triton and TorchServe`,
    `metrics: ${gateway.metricsUrl}/metrics`,
    `demo API key (valid until you stop the demo): ${key}`,
    '',
    curlLines(gateway.url, key),
    '',
    'Ctrl-C stops it.',
    ''
  ].join('\n'))
  const stop = (): void => {
    gateway.shutdown()
      .then(closeEmulators)
      .then(() => process.exit(0), () => process.exit(1))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
