/**
 * vLLM rules, on the JSON body of its routes (`context.json`, parsed once by the body parser).
 * Advisories: each rule's `advisory` (docs/guards.md links them).
 * @module
 */
import { isObject } from '../../lib/json-object.js'
import type { JsonBody } from '../json-body.js'
import { schemaProblem } from '../json-schema-check.js'
import { mediaUrlProblem, type MediaPolicy } from '../media-url.js'
import { refuse, type JsonRule, type Outcome, type RuleSettings } from '../types.js'

// TorchServe's vLLM handler runs vLLM's own OpenAI serving code: its routes get the same rules.
const HOSTED_CHAT = 'hosted-openai-chat-completions'
const HOSTED_COMPLETIONS = 'hosted-openai-completions'
const BODY_ROUTES = ['chat-completions', 'chat-completions-batch', 'completions', 'messages', 'messages-count-tokens', 'embeddings', 'responses', 'rerank-v1', 'rerank-v2', 'score', 'embed-v2', 'pooling', 'classify', 'pooling-score', 'pooling-rerank', HOSTED_CHAT, HOSTED_COMPLETIONS]
const framework = ['vllm'] as const
const withHosted = ['vllm', 'torchserve'] as const

/** Refuses any of `fields` present in the body, or strips them when the action is `strip`. */
function forbidFields (fields: readonly string[]) {
  return ({ json }: JsonBody, settings: RuleSettings): Outcome => {
    const present = fields.filter(field => field in json)
    if (present.length === 0) return undefined
    if (settings.action === 'refuse') return refuse(`"${present.join('", "')}" ${present.length === 1 ? 'is' : 'are'} not accepted`)
    for (const field of present) delete json[field]
    return 'changed'
  }
}

/**
 * Caps numeric `fields` at the option `max`, or refuses larger values. A value that is present but
 * not a number is refused: vLLM's validation would coerce `"100"` to 100 behind the check.
 */
function capFields (fields: readonly string[]) {
  return ({ json }: JsonBody, settings: RuleSettings): Outcome => {
    const max = settings.integer('max')
    let outcome: Outcome
    for (const field of fields) {
      const value = json[field]
      if (value === undefined || value === null) continue
      if (typeof value !== 'number') return refuse(`"${field}" must be a number`)
      if (value <= max) continue
      if (settings.action === 'refuse') return refuse(`"${field}" is ${value}, more than ${max}`)
      json[field] = max
      outcome = 'changed'
    }
    return outcome
  }
}

/** Refuses a list in the route's `fieldsByRoute` longer than the option `max`. */
function capListLength (what: string, fieldsByRoute: Readonly<Record<string, readonly string[]>>, isItem: (value: unknown) => boolean) {
  return ({ json, route }: JsonBody, settings: RuleSettings): Outcome => {
    const max = settings.integer('max')
    for (const field of fieldsByRoute[route] ?? []) {
      const value = json[field]
      if (!Array.isArray(value) || !value.some(isItem)) continue
      if (value.length > max) return refuse(`"${field}" holds ${value.length} ${what}, more than ${max}`)
    }
    return undefined
  }
}

// Prompts in a list: strings or token-id lists; a flat list of numbers is one tokenized prompt.
const PROMPT_FIELDS = {
  completions: ['prompt'],
  [HOSTED_COMPLETIONS]: ['prompt'],
  // a chat batch's conversations, each a prompt of the batch
  'chat-completions-batch': ['messages'],
  embeddings: ['input'],
  'rerank-v1': ['documents'],
  'rerank-v2': ['documents'],
  score: ['text_1', 'text_2'],
  // the unprefixed pooling routes take the same requests as their /v1 counterparts and /v1/embeddings
  pooling: ['input'],
  classify: ['input'],
  'pooling-score': ['text_1', 'text_2'],
  'pooling-rerank': ['documents']
}
const MESSAGE_FIELDS = { 'chat-completions': ['messages'], [HOSTED_CHAT]: ['messages'], responses: ['input'], messages: ['messages'], 'messages-count-tokens': ['messages'] }
// Lists of conversations: the message cap applies to each.
const CONVERSATION_FIELDS: Readonly<Record<string, readonly string[]>> = { 'chat-completions-batch': ['messages'] }

/** Refuses a conversation in the route's `CONVERSATION_FIELDS` that is not a list or is longer than the option `max`. */
function capConversations ({ json, route }: JsonBody, settings: RuleSettings): Outcome {
  const max = settings.integer('max')
  for (const field of CONVERSATION_FIELDS[route] ?? []) {
    const conversations = json[field]
    if (!Array.isArray(conversations)) continue
    for (const [i, conversation] of conversations.entries()) {
      if (!Array.isArray(conversation)) return refuse(`${field}[${i}] is not a conversation (a list of messages)`)
      if (conversation.length > max) return refuse(`${field}[${i}] holds ${conversation.length} messages, more than ${max}`)
    }
  }
  return undefined
}
const capMessages = capListLength('messages', MESSAGE_FIELDS, () => true)

const policies = new WeakMap<RuleSettings, MediaPolicy>()
function mediaPolicy (settings: RuleSettings): MediaPolicy {
  let policy = policies.get(settings)
  if (policy === undefined) {
    policy = {
      allowedHosts: new Set(settings.strings('allowedHosts').map(host => host.toLowerCase())),
      dataBytes: settings.integer('dataBytes'),
      lookupTimeoutMs: settings.integer('lookupTimeoutMs')
    }
    policies.set(settings, policy)
  }
  return policy
}

async function mediaProblems (body: JsonBody, settings: RuleSettings): Promise<Outcome> {
  const media = body.facts.media
  if (media.length === 0) return undefined
  const maxParts = settings.integer('maxParts')
  if (media.length > maxParts) return refuse(`the request has ${media.length} media parts, more than ${maxParts}`)
  const policy = mediaPolicy(settings)
  const problems = await Promise.all(media.map(ref => ref.url !== undefined
    ? mediaUrlProblem(ref.url, policy)
    : (ref.data as string).length > policy.dataBytes ? `"${ref.key}" data is longer than ${policy.dataBytes} bytes` : undefined))
  const problem = problems.find(p => p !== undefined)
  return problem === undefined ? undefined : refuse(problem)
}

const VIDEO_DATA_URL = /^data:\s*video\//i

/** Where an API puts its structured-output schema and its tools' names and parameter schemas. */
interface ToolShape {
  readonly structured: (json: Record<string, unknown>) => unknown
  /** The tool's name and parameter schema; undefined when it is not a tool of this API. */
  readonly tool: (tool: unknown) => { readonly name: unknown, readonly parameters: unknown } | undefined
  readonly expected: string
}

const field = (value: unknown, key: string): unknown => isObject(value) ? value[key] : undefined

const OPENAI_TOOLS: ToolShape = {
  structured: json => field(field(json['response_format'], 'json_schema'), 'schema'),
  tool: tool => {
    if (!isObject(tool) || tool['type'] !== 'function') return undefined
    // Chat nests the function; the Responses API puts its fields on the tool itself.
    const fn = isObject(tool['function']) ? tool['function'] : tool
    return { name: fn['name'], parameters: fn['parameters'] }
  },
  expected: '{"type":"function", …}'
}

// Anthropic's Messages API: vLLM turns input_schema into the function's parameters and
// output_config.format.schema into response_format, then runs them as chat's.
const ANTHROPIC_TOOLS: ToolShape = {
  structured: json => field(field(json['output_config'], 'format'), 'schema'),
  tool: tool => isObject(tool) ? { name: tool['name'], parameters: tool['input_schema'] } : undefined,
  expected: '{"name", "input_schema"}'
}

const TOOL_SHAPES: Readonly<Record<string, ToolShape>> = { messages: ANTHROPIC_TOOLS, 'messages-count-tokens': ANTHROPIC_TOOLS }

function toolsProblem ({ json, route }: JsonBody, settings: RuleSettings): Outcome {
  const shape = TOOL_SHAPES[route] ?? OPENAI_TOOLS
  const limits = { maxDepth: settings.integer('maxSchemaDepth'), maxPatternLength: settings.integer('maxPatternLength') }
  const structured = shape.structured(json)
  if (structured !== undefined) {
    const problem = schemaProblem(structured, limits)
    if (problem !== undefined) return refuse(`${shape === OPENAI_TOOLS ? 'response_format' : 'output_config'}: ${problem}`)
  }
  const tools = json['tools']
  if (tools === undefined || tools === null) return undefined
  if (!Array.isArray(tools)) return refuse('"tools" is not a list')
  const maxTools = settings.integer('maxTools')
  if (tools.length > maxTools) return refuse(`"tools" lists ${tools.length} tools, more than ${maxTools}`)
  for (const [i, item] of tools.entries()) {
    const tool = shape.tool(item)
    if (tool === undefined) return refuse(`tools[${i}] is not ${shape.expected}`)
    if (typeof tool.name !== 'string' || tool.name.length === 0) return refuse(`tools[${i}] has no function name`)
    const parameters = tool.parameters
    if (parameters === undefined || parameters === null) continue
    if (!isObject(parameters)) return refuse(`tools[${i}] parameters are not an object`)
    const problem = schemaProblem(parameters, limits)
    if (problem !== undefined) return refuse(`tools[${i}] parameters: ${problem}`)
  }
  return undefined
}

export const vllmRules: readonly JsonRule[] = [
  {
    id: 'vllm-prompt-embeds',
    frameworks: withHosted,
    routes: BODY_ROUTES,
    advisory: 'CVE-2025-62164',
    summary: 'refuses `prompt_embeds` (tensors vLLM loads with torch.load)',
    on: 'json',
    actions: ['refuse'],
    options: {},
    check: forbidFields(['prompt_embeds'])
  },
  {
    id: 'vllm-chat-template',
    frameworks: withHosted,
    routes: BODY_ROUTES,
    advisory: 'CVE-2025-62426',
    summary: 'refuses (or, with `action: strip`, removes) client-supplied `chat_template` and `chat_template_kwargs`',
    on: 'json',
    actions: ['refuse', 'strip'],
    options: {},
    check: forbidFields(['chat_template', 'chat_template_kwargs'])
  },
  {
    id: 'vllm-responses-store',
    frameworks: framework,
    routes: ['responses'],
    advisory: 'vLLM Responses store without an owner check (responses/serving.py; any caller holding another identity\'s response id continues or reads it)',
    summary: 'refuses (or, with `action: strip`, removes) `previous_response_id` and `background` in `POST /v1/responses`; switch it off only where the vLLM store is off or one identity uses the upstream',
    on: 'json',
    actions: ['refuse', 'strip'],
    options: {},
    check: forbidFields(['previous_response_id', 'background'])
  },
  {
    id: 'vllm-n',
    frameworks: withHosted,
    routes: ['chat-completions', 'chat-completions-batch', 'completions', HOSTED_CHAT, HOSTED_COMPLETIONS],
    advisory: 'CVE-2026-34756',
    summary: 'caps `n` and `best_of` at `max` (or refuses larger values with `action: refuse`); a chat batch\'s `n` applies to each conversation',
    on: 'json',
    actions: ['cap', 'refuse'],
    options: { max: { kind: 'integer', default: 8, min: 1, max: 1024 } },
    check: capFields(['n', 'best_of'])
  },
  {
    id: 'vllm-max-tokens',
    frameworks: withHosted,
    routes: ['chat-completions', 'chat-completions-batch', 'completions', 'responses', 'messages', HOSTED_CHAT, HOSTED_COMPLETIONS],
    advisory: 'CVE-2026-34756 (generation bound)',
    summary: 'caps `max_tokens`, `max_completion_tokens` and `max_output_tokens` at `max` (or refuses)',
    on: 'json',
    actions: ['cap', 'refuse'],
    options: { max: { kind: 'integer', default: 32_768, min: 1, max: 10_000_000 } },
    check: capFields(['max_tokens', 'max_completion_tokens', 'max_output_tokens'])
  },
  {
    id: 'vllm-prompt-count',
    frameworks: withHosted,
    routes: Object.keys(PROMPT_FIELDS),
    advisory: 'CVE-2026-34756',
    summary: 'refuses prompt lists (`prompt`, `input`, `documents`, `text_1`, `text_2`, a chat batch\'s conversations) longer than `max`',
    on: 'json',
    actions: ['refuse'],
    options: { max: { kind: 'integer', default: 64, min: 1, max: 100_000 } },
    check: capListLength('prompts', PROMPT_FIELDS, item => typeof item === 'string' || Array.isArray(item) || isObject(item))
  },
  {
    id: 'vllm-message-count',
    frameworks: withHosted,
    routes: [...Object.keys(MESSAGE_FIELDS), ...Object.keys(CONVERSATION_FIELDS)],
    advisory: 'CVE-2026-34756 (request size)',
    summary: 'refuses `messages` (chat, Anthropic Messages and count_tokens; Responses: `input`) lists longer than `max`; in a chat batch, each conversation',
    on: 'json',
    actions: ['refuse'],
    options: { max: { kind: 'integer', default: 1024, min: 1, max: 100_000 } },
    check: (body, settings) => capMessages(body, settings) ?? capConversations(body, settings)
  },
  {
    id: 'vllm-media',
    frameworks: withHosted,
    routes: BODY_ROUTES,
    advisory: 'CVE-2026-24779, CVE-2026-22778',
    summary: '`image_url`, `video_url`, `audio_url`, `input_audio`: `data:` within `dataBytes`, or http(s) from `allowedHosts` resolving to public addresses only (lookup within `lookupTimeoutMs`); no backslash, userinfo or encoded host; at most `maxParts`',
    on: 'json',
    actions: ['refuse'],
    options: {
      allowedHosts: { kind: 'strings', default: [] },
      dataBytes: { kind: 'integer', default: 8_388_608, min: 0, max: 1_073_741_824 },
      maxParts: { kind: 'integer', default: 16, min: 0, max: 10_000 },
      lookupTimeoutMs: { kind: 'integer', default: 2000, min: 1, max: 60_000 }
    },
    check: mediaProblems
  },
  {
    id: 'vllm-video-data-url',
    frameworks: withHosted,
    routes: BODY_ROUTES,
    advisory: 'CVE-2026-5497',
    summary: 'refuses `video/*` data: URLs in media parts (switch it off to allow them)',
    on: 'json',
    actions: ['refuse'],
    options: {},
    check: ({ facts }) => facts.media.some(ref => ref.url !== undefined && VIDEO_DATA_URL.test(ref.url))
      ? refuse('video data: URLs are not accepted')
      : undefined
  },
  {
    id: 'vllm-tools',
    frameworks: withHosted,
    routes: ['chat-completions', 'chat-completions-batch', 'responses', 'messages', 'messages-count-tokens', HOSTED_CHAT],
    advisory: 'CVE-2025-48944',
    summary: '`tools`: at most `maxTools` `{type:"function", function:{name, parameters}}` (Anthropic Messages: `{name, input_schema}`); schemas (also `response_format.json_schema`, Anthropic\'s `output_config.format.schema`) at most `maxSchemaDepth` deep, JSON Schema `type`s, `pattern`s that compile and are at most `maxPatternLength` long',
    on: 'json',
    actions: ['refuse'],
    options: {
      maxTools: { kind: 'integer', default: 128, min: 0, max: 10_000 },
      maxSchemaDepth: { kind: 'integer', default: 16, min: 1, max: 1000 },
      maxPatternLength: { kind: 'integer', default: 1024, min: 1, max: 1_000_000 }
    },
    check: toolsProblem
  },
  {
    id: 'vllm-json-limits',
    frameworks: withHosted,
    routes: BODY_ROUTES,
    advisory: 'CVE-2026-9540 (body caps)',
    summary: 'refuses bodies nested deeper than `maxDepth` or with a string (outside media parts) longer than `maxStringLength`',
    on: 'json',
    actions: ['refuse'],
    options: {
      maxDepth: { kind: 'integer', default: 32, min: 1, max: 10_000 },
      maxStringLength: { kind: 'integer', default: 1_048_576, min: 1, max: 1_073_741_824 }
    },
    check: ({ facts }, settings) => {
      const maxDepth = settings.integer('maxDepth')
      if (facts.depth > maxDepth) return refuse(`the body is nested deeper than ${maxDepth} levels`)
      const maxString = settings.integer('maxStringLength')
      return facts.longestString > maxString ? refuse(`a string is longer than ${maxString} characters`) : undefined
    }
  }
]
