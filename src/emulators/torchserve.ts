import { json, type Exchange, type Reply } from './exchange.js'
import { startServer } from './server.js'
import type { Emulator, EmulatorOptions } from './types.js'
import { completions, listModels, type ServedModels } from './vllm.js'
import { SLOT, completionText, template, tokenJson } from './wire.js'

/** The name the vLLM handler's engine serves (a Hugging Face id), which the JSON `model` must give. */
export const HOSTED_MODEL = 'demo-org/demo-llm-hf'
const hostedModels: ServedModels = () => [HOSTED_MODEL]
// The vLLM handler's OpenAI API, by the url_path the frontend hands it (the path after the version).
const HOSTED_ROUTES = new Map<string, (ex: Exchange) => void>([
  ['POST v1/chat/completions', completions(true, hostedModels)],
  ['POST v1/completions', completions(false, hostedModels)],
  ['GET v1/models', ex => { listModels(ex, hostedModels) }]
])
const HOSTED = /^\/predictions\/([^/]+)\/[^/]+\/(v1\/.+)$/

// TorchServe sets these on every response (http/ErrorResponse.java, NettyUtils.sendError)
const ALWAYS: ReadonlyArray<[string, string]> = [
  ['cache-control', 'no-cache; no-store, must-revalidate, private'],
  ['expires', 'Thu, 01 Jan 1970 00:00:00 UTC'],
  ['pragma', 'no-cache']
]
const BEARER = /^Bearer\s+(\S+)$/
const INFERENCE = /^\/(predictions|explanations)\/([^/]+)(?:\/|$)/
const HEALTHY = json(200, { status: 'Healthy' })

// TorchServe closes the connection after every error
function torchServeError (status: number, type: string, message: string): Reply {
  return json(status, { code: status, type, message }, { connection: 'close' })
}

const INVALID_KEY = torchServeError(400, 'InvalidKeyException', 'Token Authorization failed. Token either incorrect, expired, or not provided correctly')

function authorized (ex: Exchange): boolean {
  const token = ex.options.requireToken
  if (token === undefined) return true
  // the API description handler runs before the token check
  if ((ex.req.method === 'OPTIONS' && ex.path === '/') || ex.path === '/api-description') return true
  return BEARER.exec(ex.req.headers.authorization ?? '')?.[1] === token
}

function streaming (ex: Exchange): boolean {
  const header = ex.req.headers['x-emulate-stream']
  if (header === '1' || header === 'true') return true
  if (header === '0' || header === 'false') return false
  return ex.options.stream ?? false
}

function predict (ex: Exchange, model: string): void {
  if (!(ex.options.models ?? []).includes(model)) {
    ex.send(torchServeError(404, 'ModelNotFoundException', `Model not found: ${model}`))
    return
  }
  const { tokens } = ex.settings
  if (!streaming(ex)) {
    ex.generate(json(200, { model, prediction: completionText(tokens) }), tokens)
    return
  }
  const line = template({ model, index: SLOT, token: SLOT }, '', '\n')
  ex.stream({ headers: { 'content-type': 'application/jsonl' }, tokens, headersFirst: false, chunk: index => line(String(index), tokenJson(index)) })
}

/**
 * TorchServe adds the url_path header (headers().add) after the client's own, and the handler reads
 * the first: a client's url_path that reached it would choose the handler's route.
 */
function hosted (ex: Exchange, model: string, urlPath: string): void {
  if (!(ex.options.models ?? []).includes(model)) {
    ex.send(torchServeError(404, 'ModelNotFoundException', `Model not found: ${model}`))
    return
  }
  const smuggled = ex.req.headers['url_path']
  const route = HOSTED_ROUTES.get(`${ex.req.method ?? ''} ${typeof smuggled === 'string' ? smuggled : urlPath}`)
  if (route === undefined) ex.send(torchServeError(404, 'ResourceNotFoundException', `Requested resource is not found: ${urlPath}`))
  else route(ex)
}

// the explain handler's attributions, one per input feature
function explain (ex: Exchange, model: string): void {
  if (!(ex.options.models ?? []).includes(model)) {
    ex.send(torchServeError(404, 'ModelNotFoundException', `Model not found: ${model}`))
    return
  }
  ex.generate(json(200, { model, explanations: [[0.5, -0.25, 0.125, -0.0625]] }), 0)
}

function handle (ex: Exchange): void {
  for (const [name, value] of ALWAYS) ex.res.setHeader(name, value)
  if (!authorized(ex)) {
    ex.send(INVALID_KEY)
    return
  }
  if (ex.path === '/ping') {
    ex.send(HEALTHY)
    return
  }
  const hostedMatch = HOSTED.exec(ex.path)
  if (hostedMatch !== null) {
    hosted(ex, hostedMatch[1] ?? '', hostedMatch[2] ?? '')
    return
  }
  // TorchServe predicts and explains on any method but OPTIONS, which describes the model instead
  const match = ex.req.method === 'OPTIONS' ? null : INFERENCE.exec(ex.path)
  if (match === null) ex.emulated()
  else if (match[1] === 'explanations') explain(ex, match[2] ?? '')
  else predict(ex, match[2] ?? '')
}

export async function startTorchServeEmulator (options: EmulatorOptions = {}): Promise<Emulator> {
  return await startServer({
    framework: 'torchserve',
    defaultModels: ['demo-model'],
    internalError: torchServeError(500, 'InternalServerException', 'Worker died.'),
    handle
  }, options)
}
