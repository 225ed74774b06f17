import { randomUUID } from 'node:crypto'
import { EMPTY_OK, json, type Exchange, type Reply } from './exchange.js'
import { formFields, formFlag, formParts } from './form.js'
import { startServer } from './server.js'
import type { Emulator, EmulatorOptions } from './types.js'
import { SLOT, SSE_DONE, SSE_HEADERS, completionText, countWords, field, sse, template, tokenJson } from './wire.js'

type Json = Record<string, unknown>

// vLLM's API-key middleware guards these path prefixes and nothing else (docs/usage/security.md)
const GUARDED_PREFIXES = ['/v1', '/v2', '/inference']
const UNAUTHORIZED = json(401, { error: 'Unauthorized' })
const EMBEDDING = [0.125, -0.25, 0.375, -0.5, 0.625, -0.75, 0.875, -1]

function openAiError (status: number, type: string, message: string): Reply {
  return json(status, { error: { message, type, param: null, code: status } })
}

// vLLM's Anthropic routes answer in Anthropic's error shape (anthropic/protocol.py AnthropicErrorResponse).
function anthropicError (status: number, type: string, message: string): Reply {
  return json(status, { type: 'error', error: { type, message } })
}

/** An API's error body and the types it gives a bad body and an unknown model. */
interface ErrorShape {
  readonly reply: (status: number, type: string, message: string) => Reply
  readonly badRequest: string
  readonly notFound: string
}
const OPENAI_ERRORS: ErrorShape = { reply: openAiError, badRequest: 'BadRequestError', notFound: 'NotFoundError' }
const ANTHROPIC_ERRORS: ErrorShape = { reply: anthropicError, badRequest: 'invalid_request_error', notFound: 'not_found_error' }

function authorized (ex: Exchange): boolean {
  const token = ex.options.requireToken
  if (token === undefined || ex.req.method === 'OPTIONS' || !GUARDED_PREFIXES.some(prefix => ex.path.startsWith(prefix))) return true
  const header = ex.req.headers.authorization ?? ''
  const space = header.indexOf(' ')
  return space !== -1 && header.slice(0, space).toLowerCase() === 'bearer' && header.slice(space + 1) === token
}

/** The names the engine serves: vLLM's `--served-model-name`s; TorchServe's vLLM handler has its own. */
export type ServedModels = (ex: Exchange) => readonly string[]
const servedModels: ServedModels = ex => ex.options.models ?? []

/** Parses the body and resolves the served model, answering the error itself (in the API's shape) when either fails. */
function openRequest (ex: Exchange, errors: ErrorShape = OPENAI_ERRORS, served: ServedModels = servedModels): { body: Json, model: string } | undefined {
  const body = ex.jsonBody()
  if (body === undefined) {
    ex.send(errors.reply(400, errors.badRequest, 'The request body is not a JSON object'))
    return undefined
  }
  const models = served(ex)
  const requested = body['model']
  // like vLLM, a request that names no model gets the first served one
  const model = typeof requested === 'string' ? requested : models[0]
  if (model === undefined || !models.includes(model)) {
    ex.send(errors.reply(404, errors.notFound, `The model \`${String(requested)}\` does not exist.`))
    return undefined
  }
  return { body, model }
}

function tokenBudget (ex: Exchange, cap: unknown): number {
  return typeof cap === 'number' && Number.isInteger(cap) && cap >= 0 ? Math.min(cap, ex.settings.tokens) : ex.settings.tokens
}

/** A cheap prompt_tokens: words in every string of a prompt, message list or input list; token ids count one each. */
function promptWords (value: unknown): number {
  if (typeof value === 'string') return countWords(value)
  if (typeof value === 'number') return 1
  if (Array.isArray(value)) return value.reduce((sum: number, item: unknown) => sum + promptWords(item), 0)
  if (typeof value !== 'object' || value === null) return 0
  return promptWords(field(value, 'content') ?? field(value, 'text'))
}

function usage (promptTokens: number, completionTokens: number): Json {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens }
}

function nowSeconds (): number {
  return Math.floor(Date.now() / 1000)
}

function textChoice (text: string, finishReason: string | null): Json {
  return { index: 0, text, logprobs: null, finish_reason: finishReason, stop_reason: null }
}

function chatDelta (delta: Json, finishReason: string | null): Json {
  return { index: 0, delta, logprobs: null, finish_reason: finishReason }
}

export function completions (chat: boolean, served: ServedModels = servedModels) {
  return (ex: Exchange): void => {
    const opened = openRequest(ex, OPENAI_ERRORS, served)
    if (opened === undefined) return
    const { body, model } = opened
    const tokens = tokenBudget(ex, body['max_completion_tokens'] ?? body['max_tokens'])
    const counts = usage(promptWords(chat ? body['messages'] : body['prompt']), tokens)
    const id = `${chat ? 'chatcmpl' : 'cmpl'}-${randomUUID()}`
    const created = nowSeconds()
    if (body['stream'] !== true) {
      const choice = chat
        ? { index: 0, message: { role: 'assistant', content: completionText(tokens) }, logprobs: null, finish_reason: 'length', stop_reason: null }
        : textChoice(completionText(tokens), 'length')
      ex.generate(json(200, { id, object: chat ? 'chat.completion' : 'text_completion', created, model, choices: [choice], usage: counts }), tokens)
      return
    }
    const head = { id, object: chat ? 'chat.completion.chunk' : 'text_completion', created, model }
    const frame = (choice: Json): Json => ({ ...head, choices: [choice] })
    const first = template(frame(chat ? chatDelta({ role: 'assistant', content: SLOT }, null) : textChoice(SLOT, null)), 'data: ', '\n\n')
    const next = chat ? template(frame(chatDelta({ content: SLOT }, null)), 'data: ', '\n\n') : first
    let end = sse(frame(chat ? chatDelta({}, 'length') : textChoice('', 'length')))
    if (field(body['stream_options'], 'include_usage') === true) end += sse({ ...head, choices: [], usage: counts })
    ex.stream({
      headers: SSE_HEADERS,
      tokens,
      headersFirst: true,
      chunk: index => (index === 0 ? first : next)(tokenJson(index)),
      end: end + SSE_DONE
    })
  }
}

// POST /v1/chat/completions/batch: one choice per conversation (its index), one usage for them all
function chatBatch (ex: Exchange): void {
  const opened = openRequest(ex)
  if (opened === undefined) return
  const { body, model } = opened
  const conversations = body['messages']
  if (body['stream'] === true) {
    ex.send(openAiError(400, 'BadRequestError', 'Streaming is not supported for batch chat completions'))
    return
  }
  if (!Array.isArray(conversations) || !conversations.every(Array.isArray)) {
    ex.send(openAiError(400, 'BadRequestError', 'messages must be a list of conversations'))
    return
  }
  const tokens = tokenBudget(ex, body['max_completion_tokens'] ?? body['max_tokens'])
  ex.generate(json(200, {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: nowSeconds(),
    model,
    choices: conversations.map((_, index) => ({ index, message: { role: 'assistant', content: completionText(tokens) }, logprobs: null, finish_reason: 'length', stop_reason: null })),
    usage: usage(promptWords(conversations), tokens * conversations.length)
  }), tokens)
}

function responses (ex: Exchange): void {
  const opened = openRequest(ex)
  if (opened === undefined) return
  const { body, model } = opened
  const tokens = tokenBudget(ex, body['max_output_tokens'])
  const promptTokens = promptWords(body['input'])
  const id = `resp_${randomUUID()}`
  const itemId = `msg_${randomUUID()}`
  const createdAt = nowSeconds()
  const response = (text: string | undefined): Json => ({
    id,
    object: 'response',
    created_at: createdAt,
    model,
    status: text === undefined ? 'in_progress' : 'completed',
    output: text === undefined ? [] : [{ type: 'message', id: itemId, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] }],
    usage: text === undefined ? null : { input_tokens: promptTokens, output_tokens: tokens, total_tokens: promptTokens + tokens }
  })
  if (body['stream'] !== true) {
    ex.generate(json(200, response(completionText(tokens))), tokens)
    return
  }
  const event = (type: string, value: Json): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...value })}\n\n`
  const delta = template(
    { type: 'response.output_text.delta', sequence_number: SLOT, item_id: itemId, output_index: 0, content_index: 0, delta: SLOT },
    'event: response.output_text.delta\ndata: ', '\n\n')
  ex.stream({
    headers: SSE_HEADERS,
    tokens,
    headersFirst: true,
    start: event('response.created', { sequence_number: 0, response: response(undefined) }),
    chunk: index => delta(String(index + 1), tokenJson(index)),
    end: event('response.completed', { sequence_number: tokens + 1, response: response(completionText(tokens)) })
  })
}

/** The prompt of an Anthropic request: its `system` and its messages. */
const anthropicPrompt = (body: Json): number => promptWords(body['system']) + promptWords(body['messages'])

/**
 * POST /v1/messages: a message object, or Anthropic's event stream (message_start with the input
 * tokens, a text block of token deltas, message_delta with the cumulative output tokens, message_stop).
 * message_delta carries `output_tokens` only, as Anthropic documents it (vLLM adds `input_tokens`):
 * a gateway has to take the input tokens from message_start.
 */
function messages (ex: Exchange): void {
  const opened = openRequest(ex, ANTHROPIC_ERRORS)
  if (opened === undefined) return
  const { body, model } = opened
  const cap = body['max_tokens']
  // Required and positive, as in vLLM's AnthropicMessagesRequest.
  if (typeof cap !== 'number' || !Number.isInteger(cap) || cap <= 0) {
    ex.send(anthropicError(400, 'invalid_request_error', 'max_tokens: a positive integer is required'))
    return
  }
  const tokens = tokenBudget(ex, cap)
  const inputTokens = anthropicPrompt(body)
  const id = `msg_${randomUUID()}`
  const message = (content: Json[], stopReason: string | null, outputTokens: number): Json => ({
    id, type: 'message', role: 'assistant', content, model, stop_reason: stopReason, stop_sequence: null, usage: { input_tokens: inputTokens, output_tokens: outputTokens }
  })
  if (body['stream'] !== true) {
    ex.generate(json(200, message([{ type: 'text', text: completionText(tokens) }], 'max_tokens', tokens)), tokens)
    return
  }
  const event = (type: string, value: Json = {}): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...value })}\n\n`
  const delta = template({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: SLOT } }, 'event: content_block_delta\ndata: ', '\n\n')
  ex.stream({
    headers: SSE_HEADERS,
    tokens,
    headersFirst: true,
    start: event('message_start', { message: message([], null, 0) }) +
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) + event('ping'),
    chunk: index => delta(tokenJson(index)),
    end: event('content_block_stop', { index: 0 }) +
      event('message_delta', { delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: tokens } }) +
      event('message_stop')
  })
}

// POST /v1/messages/count_tokens: the prompt's tokens, nothing generated.
function countTokens (ex: Exchange): void {
  const opened = openRequest(ex, ANTHROPIC_ERRORS)
  if (opened !== undefined) ex.generate(json(200, { input_tokens: anthropicPrompt(opened.body) }), 0)
}

function embeddings (ex: Exchange): void {
  const opened = openRequest(ex)
  if (opened === undefined) return
  const { body, model } = opened
  const input = body['input']
  const items = inputItems(input)
  const promptTokens = promptWords(input)
  ex.generate(json(200, {
    id: `embd-${randomUUID()}`,
    object: 'list',
    created: nowSeconds(),
    model,
    data: items.map((_, index) => ({ object: 'embedding', index, embedding: EMBEDDING })),
    usage: usage(promptTokens, 0)
  }), 0)
}

function rerank (ex: Exchange): void {
  const opened = openRequest(ex)
  if (opened === undefined) return
  const { body, model } = opened
  const documents: unknown[] = Array.isArray(body['documents']) ? body['documents'] : []
  ex.generate(json(200, {
    id: `rerank-${randomUUID()}`,
    model,
    usage: { total_tokens: promptWords(body['query']) + promptWords(documents) },
    results: documents.map((document, index) => ({
      index,
      document: { text: typeof document === 'string' ? document : field(document, 'text') },
      relevance_score: 1 / (index + 1)
    }))
  }), 0)
}

function score (ex: Exchange): void {
  const opened = openRequest(ex)
  if (opened === undefined) return
  const { body, model } = opened
  const second = body['text_2']
  const promptTokens = promptWords(body['text_1']) + promptWords(second)
  ex.generate(json(200, {
    id: `score-${randomUUID()}`,
    object: 'list',
    created: nowSeconds(),
    model,
    data: Array.from({ length: Array.isArray(second) ? second.length : 1 }, (_, index) => ({ index, object: 'score', score: 1 / (index + 1) })),
    usage: usage(promptTokens, 0)
  }), 0)
}

/** Items of a pooling request's `input`: a flat list of numbers is one tokenized input, any other list a batch. */
function inputItems (input: unknown): unknown[] {
  return Array.isArray(input) && input.some(item => typeof item !== 'number') ? input : [input]
}

/** A pooling-style answer: one `item` per input of the request, usage counted from its words. */
function perInput (prefix: string, item: (index: number) => Record<string, unknown>) {
  return function answer (ex: Exchange): void {
    const opened = openRequest(ex)
    if (opened === undefined) return
    const { body, model } = opened
    ex.generate(json(200, {
      id: `${prefix}-${randomUUID()}`,
      object: 'list',
      created: nowSeconds(),
      model,
      data: inputItems(body['input']).map((_, index) => item(index)),
      usage: usage(promptWords(body['input']), 0)
    }), 0)
  }
}

// /pooling: the model's raw pooled output per input
const pooling = perInput('pool', index => ({ index, object: 'pooling', data: EMBEDDING }))
const classify = perInput('classify', index => ({ index, label: 'positive', probs: [0.875, 0.125], num_classes: 2 }))

// Cohere's embed API (POST /v2/embed): `texts` in, embeddings keyed by type out
function cohereEmbed (ex: Exchange): void {
  const opened = openRequest(ex)
  if (opened === undefined) return
  const texts: unknown[] = Array.isArray(opened.body['texts']) ? opened.body['texts'] : []
  ex.generate(json(200, {
    id: `embd-${randomUUID()}`,
    embeddings: { float: texts.map(() => EMBEDDING) },
    texts,
    meta: { api_version: { version: '2' }, billed_units: { input_tokens: promptWords(texts) } },
    response_type: 'embeddings_by_type'
  }), 0)
}

/**
 * POST /v1/audio/transcriptions and /translations: a multipart form (`model` and `stream` fields, a
 * `file` part), read as vLLM's Starlette reads it. The text names what was parsed (model, file name and
 * size) before the tokens; `stream=true` answers SSE chunks ending `[DONE]`, with a usage chunk when
 * `stream_include_usage=true`.
 */
function audio (task: 'transcription' | 'translation') {
  return (ex: Exchange): void => {
    const parts = formParts(ex.req.headers['content-type'], ex.body)
    if (parts === undefined) {
      ex.send(openAiError(400, 'BadRequestError', 'The request body is not a multipart form'))
      return
    }
    const fields = formFields(parts)
    const models = ex.options.models ?? []
    const requested = fields.get('model')
    const model = requested ?? models[0]
    if (model === undefined || !models.includes(model)) {
      ex.send(openAiError(404, 'NotFoundError', `The model \`${String(requested)}\` does not exist.`))
      return
    }
    const file = parts.find(part => part.name === 'file' && part.filename !== undefined)
    if (file === undefined) {
      ex.send(openAiError(400, 'BadRequestError', 'The form has no file part'))
      return
    }
    const { tokens } = ex.settings
    const heard = `${model} heard ${String(file.filename)} (${file.data.length} bytes):`
    if (!formFlag(fields.get('stream'))) {
      ex.generate(json(200, { text: heard + completionText(tokens), usage: { type: 'duration', seconds: 1 } }), tokens)
      return
    }
    const head = { id: `trsc-${randomUUID()}`, object: `${task}.chunk`, created: nowSeconds(), model }
    const frame = (delta: Json, finishReason: string | null): Json => ({ ...head, choices: [{ delta, finish_reason: finishReason, stop_reason: null }] })
    const next = template(frame({ content: SLOT }, null), 'data: ', '\n\n')
    let end = sse(frame({ content: '' }, 'stop'))
    if (formFlag(fields.get('stream_include_usage'))) end += sse({ ...head, choices: [], usage: usage(1, tokens) })
    ex.stream({
      headers: SSE_HEADERS,
      tokens,
      headersFirst: true,
      start: sse(frame({ content: heard }, null)),
      chunk: index => next(tokenJson(index)),
      end: end + SSE_DONE
    })
  }
}

export function listModels (ex: Exchange, served: ServedModels = servedModels): void {
  const created = nowSeconds()
  ex.send(json(200, {
    object: 'list',
    data: served(ex).map(id => ({ id, object: 'model', created, owned_by: 'vllm', root: id, parent: null, max_model_len: 4096 }))
  }))
}

const ROUTES = new Map<string, (ex: Exchange) => void>([
  ['GET /health', ex => { ex.send(EMPTY_OK) }],
  ['GET /v1/models', ex => { listModels(ex) }],
  ['POST /v1/chat/completions', completions(true)],
  ['POST /v1/chat/completions/batch', chatBatch],
  ['POST /v1/completions', completions(false)],
  ['POST /v1/responses', responses],
  ['POST /v1/messages', messages],
  ['POST /v1/messages/count_tokens', countTokens],
  ['POST /v1/embeddings', embeddings],
  ['POST /v1/rerank', rerank],
  ['POST /v1/score', score],
  ['POST /v2/embed', cohereEmbed],
  // unprefixed: vLLM's key check skips them
  ['POST /pooling', pooling],
  ['POST /classify', classify],
  ['POST /score', score],
  ['POST /rerank', rerank],
  ['POST /v1/audio/transcriptions', audio('transcription')],
  ['POST /v1/audio/translations', audio('translation')]
])

// Routes the gateway never forwards (src/profiles/vllm-denied.ts) answer too: anything unmodelled gets
// 200 (Exchange.emulated), and these WebSocket handshakes 101, so that a test sees one that got through.
// /v1/responses takes a WebSocket only in vLLM PR #35492.
const WEBSOCKETS: ReadonlySet<string> = new Set(['/v1/realtime', '/v1/responses'])

function handle (ex: Exchange): void {
  // vLLM's CORSMiddleware defaults (--allowed-origins '["*"]', no credentials): any Origin is allowed.
  if (ex.req.headers.origin !== undefined) ex.res.setHeader('access-control-allow-origin', '*')
  if (!authorized(ex)) {
    ex.send(UNAUTHORIZED)
    return
  }
  const route = ROUTES.get(`${ex.req.method} ${ex.path}`)
  if (route === undefined) ex.emulated()
  else route(ex)
}

export async function startVllmEmulator (options: EmulatorOptions = {}): Promise<Emulator> {
  return await startServer({
    framework: 'vllm',
    defaultModels: ['demo-llm'],
    internalError: openAiError(500, 'InternalServerError', 'Emulated internal error'),
    handle,
    websockets: WEBSOCKETS
  }, options)
}
