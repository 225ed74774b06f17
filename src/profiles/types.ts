/**
 * Route profiles: each framework's inference API as data. Anything not listed here is never forwarded.
 * @module
 */
export const FRAMEWORKS = ['vllm', 'triton', 'torchserve'] as const
export type Framework = typeof FRAMEWORKS[number]

/**
 * Where a request names its model: a path parameter, a JSON body's field, or a text field of a
 * multipart/form-data body (vLLM's audio routes: the audio is a file part beside it).
 */
export type ModelSource =
  | { readonly from: 'path', readonly param: string }
  | { readonly from: 'body', readonly field: string }
  | { readonly from: 'form', readonly field: string }
  | { readonly from: 'none' }

/**
 * Whether the response streams: `never`; `always`; `if-requested` when the JSON body sets
 * `stream: true` (OpenAI style) or, on form routes, the `stream` field is true; `maybe` when the
 * backend's handler decides (TorchServe); `refused`: never, and the backend refuses a JSON `stream`
 * (vLLM's chat batch), so the gateway refuses it first.
 */
export type Streaming = 'never' | 'always' | 'if-requested' | 'maybe' | 'refused'

/**
 * The error shape a framework's clients parse, for the gateway's own refusals
 * (src/server/error-envelope.ts): the OpenAI API's, Anthropic's Messages API's, KServe v2's
 * (Triton, TorchServe's KServe routes: `"error"` is a string) or TorchServe's own.
 */
export type ErrorEnvelope = 'openai' | 'anthropic' | 'kserve' | 'torchserve'

/**
 * How the backend reads a path parameter: `raw`, the escapes left as sent (Triton matches the
 * undecoded target), or `percent-decoded`, as the gateway reads it. A parameter holding a `%` never
 * matches a raw backend's rule: the gateway would check the decoded name, the backend use the escaped one.
 */
export type PathDecoding = 'raw' | 'percent-decoded'

/**
 * How a route's requests cap generation and its answers report token usage, read by token budgets,
 * metrics and the access log (src/observability/usage-dialects.ts): `openai` (its JSON's `usage`, or a
 * stream's usage chunk), `openai-when-asked` (the same, but a stream carries it only when the body asks,
 * `stream_options.include_usage`, so the gateway asks: chat and completions), `anthropic` (the Messages
 * API: `usage` of the message, or of the stream's `message_start` and `message_delta` events).
 */
export type UsageDialectName = 'openai' | 'openai-when-asked' | 'anthropic'

export interface RouteRule {
  /** Stable name, used in logs and metrics. */
  readonly id: string
  readonly methods: readonly string[]
  /** `/v2/models/{model}/infer`: a `{param}` matches within one path segment. */
  readonly path: string
  readonly model: ModelSource
  readonly streaming: Streaming
  /** Optional group an operator switches on per upstream (`upstreams[].routes`); absent: always on. */
  readonly group?: string
  /**
   * Answered by the gateway rather than forwarded: `model-list` merges the model lists of every
   * upstream offering the route and keeps the models the caller may use.
   */
  readonly answer?: 'model-list'
  /**
   * A JSON body the gateway parses and checks (guards, token budgets) although the model is in the
   * path: its `modelField` must name a model (a string), a second name the backend checks itself,
   * never used for scope or routing.
   */
  readonly jsonBody?: { readonly modelField: string }
  /**
   * The JSON field listing the independent requests of a batch (vLLM's chat batch: `messages`, one
   * conversation each): a token budget reserves for every one of them.
   */
  readonly batch?: string
  /** Its clients' error shape, when it is not the profile's. */
  readonly envelope?: ErrorEnvelope
  /** How it caps and reports generated tokens; absent: it generates none, and token budgets leave it alone. */
  readonly usage?: UsageDialectName
  /**
   * Per path parameter, the characters its backend reads differently from the gateway (TorchServe cuts
   * a KServe model name at its first `:`): a value holding one, plain or escaped, never matches.
   */
  readonly paramRefuses?: Readonly<Record<string, string>>
}

/**
 * A route the backend serves that the gateway never forwards, whatever the config says, and why: data
 * for the README's table and for the test that sends each one (the allowlist alone enforces it).
 */
export interface DeniedRoute {
  readonly method: string
  readonly path: string
  /** Asked for as a WebSocket handshake (`Upgrade: websocket`) rather than a plain request. */
  readonly upgrade?: 'websocket'
  readonly reason: string
}

export interface Profile {
  readonly framework: Framework
  readonly rules: readonly RouteRule[]
  /** Routes of the backend that stay refused although clients may expect them (src/profiles/*-denied.ts). */
  readonly denied: readonly DeniedRoute[]
  /** The error shape of its routes' refusals. */
  readonly envelope: ErrorEnvelope
  /**
   * Path prefixes (whole segments) its clients call besides its rules (management APIs, routes not
   * enabled), answered in that shape when refused; the longest prefix over every profile wins.
   */
  readonly envelopePaths: Readonly<Record<string, ErrorEnvelope>>
  /** What the gateway probes for /readyz; never forwarded for clients. */
  readonly healthPath: string
  /**
   * Path-parameter values that the backend routes elsewhere than the template suggests
   * (Triton serves statistics at /v2/models/stats): a request naming one never matches.
   */
  readonly reservedModelNames: readonly string[]
  readonly pathDecoding: PathDecoding
}

export const bodyModel: ModelSource = { from: 'body', field: 'model' }
export const formModel: ModelSource = { from: 'form', field: 'model' }
export const pathModel: ModelSource = { from: 'path', param: 'model' }
export const noModel: ModelSource = { from: 'none' }

/** The model is in the body, which must then be read before the upstream is chosen. */
export const modelInBody = (source: ModelSource): source is { readonly from: 'body' | 'form', readonly field: string } =>
  source.from === 'body' || source.from === 'form'
