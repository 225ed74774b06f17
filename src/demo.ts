/**
 * `infergate demo` (what `npm start` runs): the three emulated backends, the gateway from
 * config/demo.yaml, a fresh random key, and curl lines to try.
 * @module
 */
import { fileURLToPath } from 'node:url'
import { generateKey, hashKey } from './auth/api-keys.js'
import { loadConfigFile } from './config/load.js'
import { startEmulator } from './emulators/index.js'
import { startGateway } from './server/serve.js'

const DEMO_CONFIG = fileURLToPath(new URL('../config/demo.yaml', import.meta.url))

function curlLines (url: string, key: string): string {
  const authHeader = `-H "Authorization: Bearer ${key}"`
  const json = '-H "Content-Type: application/json"'
  return [
    '# a streaming chat completion (vLLM, SSE):',
    `curl -N ${url}/v1/chat/completions ${authHeader} ${json} -d '{"model":"demo-llm","stream":true,"messages":[{"role":"user","content":"Hello"}]}'`,
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

export async function runDemo (): Promise<void> {
  const timing = { ttftMs: 150, interTokenMs: 60, tokens: 24 }
  const [vllm, triton, torchserve] = await Promise.all([
    startEmulator('vllm', { ...timing, models: ['demo-llm'] }),
    startEmulator('triton', { ...timing, models: ['demo-tensor'] }),
    startEmulator('torchserve', { ...timing, models: ['demo-model'] })
  ])
  const key = generateKey()
  const config = await loadConfigFile(DEMO_CONFIG, {
    ...process.env,
    INFERGATE_DEMO_PORT: process.env['INFERGATE_DEMO_PORT'] ?? '8080',
    INFERGATE_DEMO_VLLM_URL: vllm.url,
    INFERGATE_DEMO_TRITON_URL: triton.url,
    INFERGATE_DEMO_TORCHSERVE_URL: torchserve.url,
    INFERGATE_DEMO_KEY_SHA256: hashKey(key)
  })
  const gateway = await startGateway(config)
  process.stdout.write([
    `infergate demo: gateway on ${gateway.url} in front of emulated vLLM, Triton and TorchServe`,
    `demo API key (valid until you stop the demo): ${key}`,
    '',
    curlLines(gateway.url, key),
    '',
    'Ctrl-C stops it.',
    ''
  ].join('\n'))
  const stop = (): void => {
    gateway.shutdown()
      .then(() => Promise.all([vllm.close(), triton.close(), torchserve.close()]))
      .then(() => process.exit(0), () => process.exit(1))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
