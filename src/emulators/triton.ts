import { EMPTY_OK, json, type Exchange, type Reply } from './exchange.js'
import { startServer } from './server.js'
import { infer } from './triton-infer.js'
import type { Emulator, EmulatorOptions } from './types.js'
import { SLOT, SSE_HEADERS, completionText, template, tokenJson } from './wire.js'

// Triton's own model route regex (src/http_server.cc); stats and trace fall to the catch-all
const MODEL_ROUTE = /^\/v2\/models\/([^/]+)(?:\/versions\/([0-9]+))?(?:\/(infer|generate|generate_stream|ready|config|stats|trace\/setting))?$/
const HEALTH = new Set(['/v2/health/live', '/v2/health/ready'])
const SERVER_METADATA = json(200, {
  name: 'triton',
  version: '2.73.0dev',
  extensions: ['classification', 'sequence', 'model_repository', 'model_repository(unload_dependents)', 'schedule_policy',
    'model_configuration', 'system_shared_memory', 'cuda_shared_memory', 'binary_tensor_data', 'parameters', 'statistics',
    'trace', 'logging', 'generate']
})

function tritonError (status: number, message: string): Reply {
  return json(status, { error: message })
}

function metadata (ex: Exchange, model: string): void {
  ex.send(json(200, {
    name: model,
    versions: ['1'],
    platform: 'onnxruntime_onnx',
    inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [-1, 4] }],
    outputs: [{ name: 'OUTPUT0', datatype: 'FP32', shape: [-1, 4] }]
  }))
}

// the model's config.pbtxt as Triton's JSON
function config (ex: Exchange, model: string): void {
  ex.send(json(200, {
    name: model,
    platform: 'onnxruntime_onnx',
    backend: 'onnxruntime',
    version_policy: { latest: { num_versions: 1 } },
    max_batch_size: 8,
    input: [{ name: 'INPUT0', data_type: 'TYPE_FP32', dims: ['4'] }],
    output: [{ name: 'OUTPUT0', data_type: 'TYPE_FP32', dims: ['4'] }],
    instance_group: [{ name: model, kind: 'KIND_CPU', count: 1 }]
  }))
}

function generate (ex: Exchange, model: string, version: string): void {
  if (ex.jsonBody() === undefined) {
    ex.send(tritonError(400, 'failed to parse the request JSON buffer'))
    return
  }
  const { tokens } = ex.settings
  ex.generate(json(200, { model_name: model, model_version: version, text_output: completionText(tokens) }), tokens)
}

function generateStream (ex: Exchange, model: string, version: string): void {
  if (ex.jsonBody() === undefined) {
    ex.send(tritonError(400, 'failed to parse the request JSON buffer'))
    return
  }
  const frame = template({ model_name: model, model_version: version, text_output: SLOT }, 'data: ', '\n\n')
  ex.stream({ headers: SSE_HEADERS, tokens: ex.settings.tokens, headersFirst: false, chunk: index => frame(tokenJson(index)) })
}

const MODEL_ROUTES = new Map<string, (ex: Exchange, model: string, version: string) => void>([
  ['GET ', metadata],
  ['GET ready', ex => { ex.send(EMPTY_OK) }],
  ['GET config', config],
  ['POST infer', infer],
  ['POST generate', generate],
  ['POST generate_stream', generateStream]
])

function handle (ex: Exchange): void {
  const { path } = ex
  const { method } = ex.req
  if (method === 'GET' && HEALTH.has(path)) {
    ex.send(EMPTY_OK)
    return
  }
  if (method === 'GET' && path === '/v2') {
    ex.send(SERVER_METADATA)
    return
  }
  const match = path === '/v2/models/stats' ? null : MODEL_ROUTE.exec(path)
  const [, model = '', version, action = ''] = match ?? []
  const route = match === null ? undefined : MODEL_ROUTES.get(`${method} ${action}`)
  if (route === undefined) {
    ex.emulated()
    return
  }
  if (!(ex.options.models ?? []).includes(model)) {
    ex.send(tritonError(404, `Request for unknown model: '${model}' is not found`))
    return
  }
  if (version !== undefined && version !== '1') {
    ex.send(tritonError(404, `Request for unknown model: '${model}' version ${version} is not found`))
    return
  }
  route(ex, model, version ?? '1')
}

export async function startTritonEmulator (options: EmulatorOptions = {}): Promise<Emulator> {
  return await startServer({
    framework: 'triton',
    defaultModels: ['demo-tensor'],
    internalError: tritonError(500, 'Emulated internal error'),
    handle
  }, options)
}
