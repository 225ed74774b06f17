/**
 * The one schema for infergate's config: it validates files, fills defaults (`default` annotations,
 * applied by the loader) and gives the TypeScript types. Key names are the public contract: add keys,
 * never rename them. Every key's `description` is its entry in docs/configuration.md (`npm run docs`
 * renders it; a test fails when the committed file is stale or a key has no description).
 * @module
 */
import Type, { type Static } from 'typebox'
import { DURATION_PATTERN } from '../lib/duration.js'
import { FRAMEWORKS } from '../profiles/types.js'

/** Milliseconds as a number, or a string with a unit: "250ms", "30s", "5m", "1h", "1 minute". */
const Duration = (defaultValue: string | undefined, description: string) => Type.Union([
  Type.Integer({ minimum: 0 }),
  Type.String({ pattern: DURATION_PATTERN })
], {
  ...(defaultValue === undefined ? {} : { default: defaultValue }),
  description,
  errorMessage: 'must be a duration: milliseconds, or a number with a unit (ms, s, m, h)'
})

const Port = (defaultValue: number, description: string) => Type.Integer({ minimum: 0, maximum: 65535, default: defaultValue, description })
const Host = (defaultValue: string, description: string) => Type.String({ minLength: 1, default: defaultValue, description })

// A model name or a pattern with `*` wildcards ("llama-*"); "*" alone means every model.
const ModelPattern = Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\s/\\\\]+$' })
const ModelList = (description: string) => Type.Array(ModelPattern, { minItems: 1, default: ['*'], description })

// Lower-case names keep matching and masking simple: HTTP header names are case-insensitive.
const HeaderName = '^[a-z0-9!#$%&\'*+.^_`|~-]+$'
const CorsHeaderName = Type.String({ pattern: HeaderName, errorMessage: 'must be a lower-case header name' })

const Upstream = Type.Object({
  name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', errorMessage: 'must be lower-case letters, digits, "_" or "-" (at most 63)', description: 'The upstream\'s name in logs and metrics: lower-case letters, digits, `_`, `-`; unique.' }),
  framework: Type.Union(FRAMEWORKS.map(name => Type.Literal(name)), { description: 'Selects the route profile: what is forwarded and how refusals are shaped (docs/routes.md).' }),
  url: Type.String({ minLength: 1, description: 'Origin only: `http(s)://host:port`, no path, no credentials (send those with `headers`).' }),
  models: ModelList('Model names this upstream serves; `*` wildcards (`llama-*`).'),
  routes: Type.Array(Type.String(), { default: [], description: 'Optional route groups of the framework\'s profile to switch on (docs/routes.md); unknown groups are errors.' }),
  // The backend's own credential: client values of the same header never pass (src/proxy).
  headers: Type.Record(Type.String({ pattern: HeaderName }), Type.String(), { default: {}, description: 'Headers sent on every request to this upstream, e.g. vLLM\'s `--api-key` or TorchServe\'s inference token; lower-case names, `_` allowed. A client\'s header of the same name (or the same with `-` for `_`) is dropped.' }),
  timeouts: Type.Object({
    connect: Duration('10s', 'TCP connect to the upstream.'),
    firstByte: Duration('5m', 'Until the response headers arrive (a non-streaming completion sends them only when it is done): 504 after it.'),
    idle: Duration('5m', 'Longest silence between two response chunks, not the length of a whole stream: the stream is cut after it.')
  }, { additionalProperties: false, default: {} }),
  pool: Type.Object({
    connections: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 8192, description: 'Most open connections to this upstream; a token stream holds one for minutes, so this bounds open sockets, not requests per second.' }),
    keepAlive: Duration('60s', 'Idle upstream connections are closed after this.')
  }, { additionalProperties: false, default: {} }),
  healthCheck: Type.Object({
    path: Type.Optional(Type.String({ pattern: '^/[\\x21-\\x7e]*$', description: 'What `/readyz` probes; default: the framework\'s health route (vLLM `/health`, Triton `/v2/health/ready`, TorchServe `/ping`).' })),
    timeout: Duration('2s', 'Bound on one probe.'),
    cache: Duration('1s', 'How long one probe result answers `/readyz` before the next probe (frequent probes cannot flood a backend).')
  }, { additionalProperties: false, default: {} }),
  limits: Type.Object({
    bodyBytes: Type.Optional(Type.Integer({ minimum: 0, description: 'Largest request body for this upstream, instead of `limits.bodyBytes` (Triton tensors and vision prompts are larger than chat prompts). JSON bodies are held whole while read: memory per request in flight up to it.' }))
  }, { additionalProperties: false, default: {} }),
  // Rule ids and options are checked against the rules in semantics.ts.
  guards: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()), { default: {}, description: 'Advisory guards, all on by default: per rule id, `enabled: false` switches one off, `action` picks among its actions, and its options tune it (docs/guards.md).' })
}, { additionalProperties: false, description: 'The model servers (at least one).' })

export const ApiKeySchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$', description: 'The identity\'s name in logs, metrics and limits (never the key); several entries may share an id: one identity, several keys (rotation).' }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$', errorMessage: 'must be 64 lower-case hex digits (infergate hash-key KEY)', description: 'SHA-256 of the key, 64 lower-case hex digits (`infergate hash-key`); never the key itself.' }),
  models: ModelList('Models this identity may call; `*` wildcards.'),
  expiresAt: Type.Optional(Type.String({ format: 'date-time', errorMessage: 'must be an RFC 3339 date-time, e.g. 2027-01-31T00:00:00Z', description: 'RFC 3339 date-time after which the key is refused (`API key expired`).' })),
  disabled: Type.Boolean({ default: false, description: 'Refuse the key (`API key revoked`) without deleting the entry.' })
}, { additionalProperties: false, description: 'API keys; with no keys and no JWT issuer, every request is refused.' })

// "none" is not among them, and never will be.
const JWT_ALGORITHMS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
  'HS256', 'HS384', 'HS512'
] as const

const JwtIssuer = Type.Object({
  issuer: Type.String({ minLength: 1, description: 'Must equal the token\'s `iss`; a token is verified only with the keys of the issuer it names.' }),
  audience: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })],
    { errorMessage: 'must be a string or a list of strings', description: 'The token\'s `aud` must contain one of them. `exp`, `iss` and `aud` are required claims; `nbf` is honoured.' }),
  // Required, no default: the verifier never guesses which algorithms a token may use.
  algorithms: Type.Array(Type.Union(JWT_ALGORITHMS.map(a => Type.Literal(a))), { minItems: 1, description: 'The only algorithms accepted (required, no default). `HS*` only with `secret`, and `secret` only with `HS*`, so a public key can never be used as an HMAC secret.' }),
  // Exactly one key source (semantics.ts).
  jwksUri: Type.Optional(Type.String({ minLength: 1, description: 'A remote key set: fetched at the first token, kept `jwks.cacheMaxAge`, refreshed in the background when stale, refetched when a token names an unknown `kid`. Exactly one of `jwksUri`, `publicKeys`, `jwksFile`, `secret`.' })),
  publicKeys: Type.Optional(Type.Array(Type.Union([Type.String({ minLength: 1 }), Type.Record(Type.String(), Type.Unknown())]), { minItems: 1, errorMessage: 'must be a list of PEM public keys or JWKs', description: 'Static keys: PEM public keys or JWKs.' })),
  jwksFile: Type.Optional(Type.String({ minLength: 1, description: 'Static keys from a JWKS file.' })),
  secret: Type.Optional(Type.String({ minLength: 32, errorMessage: 'must be at least 32 characters', description: 'A shared HMAC secret (at least 32 characters), only with `HS*` algorithms.' })),
  jwks: Type.Object({
    cacheMaxAge: Duration('10m', 'How long a fetched key set is used before a background refresh.'),
    // An attacker's random kids cannot hammer the issuer.
    cooldown: Duration('30s', 'No refetch more often than this, unknown `kid` or not.'),
    timeout: Duration('5s', 'Bound on each JWKS fetch.')
  }, { additionalProperties: false, default: {} }),
  identityClaim: Type.String({ minLength: 1, default: 'sub', description: 'The claim that names the identity.' }),
  modelsClaim: Type.Optional(Type.String({ minLength: 1, description: 'The claim holding the token\'s models (an array or a space-separated string, wildcards allowed). Without it every verified token may use every model.' })),
  defaultModels: Type.Array(ModelPattern, { default: [], description: 'With `modelsClaim`: the scope of a token without the claim (none unless configured).' }),
  clockToleranceSeconds: Type.Integer({ minimum: 0, maximum: 300, default: 30, description: 'Leeway for `exp`, `nbf`, `iat`; a token whose `iat` is further in the future is refused.' }),
  maxTokenAge: Type.Optional(Duration(undefined, 'Also require `iat` and refuse tokens older than this.')),
  maxTokenBytes: Type.Integer({ minimum: 256, maximum: 65_536, default: 8192, description: 'Longer tokens are refused (`too_long`) before any key lookup or signature check; longer tokens also need `limits.headerBytes` to fit.' })
}, { additionalProperties: false })

export const ConfigSchema = Type.Object({
  listen: Type.Object({
    host: Host('127.0.0.1', 'The gateway\'s listening address.'),
    port: Port(8080, 'The gateway\'s port.')
  }, { additionalProperties: false, default: {} }),
  metrics: Type.Object({
    host: Host('127.0.0.1', 'The metrics listener\'s address (`GET /metrics`); the gateway port never serves metrics.'),
    port: Port(9464, 'The metrics listener\'s port; must differ from `listen`.'),
    bearerToken: Type.Optional(Type.String({ minLength: 16, errorMessage: 'must be at least 16 characters', description: 'Scrapers must send `Authorization: Bearer <it>`; set it (from an environment variable) whenever `metrics.host` is not loopback (127.0.0.0/8, `::1` in any spelling, `localhost`; the gateway warns otherwise).' })),
    // Identities are unbounded: off by default, capped when on.
    identityLabel: Type.Object({
      enabled: Type.Boolean({ default: false, description: 'Adds `infergate_identity_requests_total{identity}`.' }),
      max: Type.Integer({ minimum: 1, maximum: 10_000, default: 100, description: 'Identities beyond this many count as `other`.' })
    }, { additionalProperties: false, default: {} })
  }, { additionalProperties: false, default: {} }),
  limits: Type.Object({
    bodyBytes: Type.Integer({ minimum: 0, default: 1_048_576, description: 'Largest request body, declared or chunked: 413 before anything is forwarded. Per upstream: `upstreams[].limits.bodyBytes`.' }),
    headerBytes: Type.Integer({ minimum: 1024, maximum: 1_048_576, default: 16_384, description: 'All request header bytes together; larger requests get 431 from the HTTP parser.' }),
    pathBytes: Type.Integer({ minimum: 16, maximum: 65_536, default: 2048, description: 'Longest request target (path and query); longer ones get 400.' })
  }, { additionalProperties: false, default: {} }),
  server: Type.Object({
    drainTimeout: Duration('30s', 'After SIGTERM or SIGINT: how long in-flight requests and streams may take to finish.'),
    keepAliveTimeout: Duration('72s', 'Idle keep-alive connections from clients are closed after this.'),
    headersTimeout: Duration('10s', 'Longest time a client may take to send its request line and headers (408 after it); at most `requestTimeout`.'),
    // The slow-loris bound.
    requestTimeout: Duration('5m', 'Longest time a client may take to send a whole request, body included, from its first byte (408 after it, the upstream request aborted); `0`: no bound.'),
    maxConnectionsPerClient: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Open connections per client address; more are closed as they are accepted, unanswered (clients behind one NAT share an address). Absent: no limit.' }))
  }, { additionalProperties: false, default: {} }),
  logging: Type.Object({
    level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map(l => Type.Literal(l)), { default: 'info', description: '`warn` keeps the audit events and drops the access lines.' }),
    bodies: Type.Boolean({ default: false, description: 'Debugging only: JSON request bodies (prompts!) in the access log, credential fields redacted, capped at `bodyBytes`; the gateway warns at start.' }),
    bodyBytes: Type.Integer({ minimum: 0, maximum: 1_048_576, default: 4096, description: 'Cap on a logged body.' })
  }, { additionalProperties: false, default: {} }),
  upstreams: Type.Array(Upstream, { minItems: 1, errorMessage: 'must list at least one upstream', description: 'The model servers, at least one. A request goes to the first one (in this order) that offers its route and serves its model.' }),
  // src/server/cors.ts; origins are checked in semantics.ts.
  cors: Type.Optional(Type.Object({
    origins: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, errorMessage: 'must list at least one origin (or "*")', description: 'Origins exactly as browsers send them (`scheme://host[:port]`, lower-case, no path or trailing `/`, no default port), compared byte for byte; or `["*"]` alone (any origin, answered `*`). `null` is refused.' }),
    maxAge: Duration('10m', 'How long a browser may reuse a preflight answer (`Access-Control-Max-Age`, whole seconds; Chromium caps it at 2 h).'),
    allowHeaders: Type.Array(CorsHeaderName, { default: [], description: 'Request headers a page may send, beyond `authorization`, `content-type`, `x-api-key`, `x-request-id`; lower-case; `*` for any (never with credentials). The `openai` SDK in a browser sends `x-stainless-*` headers, the Anthropic SDK `anthropic-version`, `anthropic-beta` and `anthropic-dangerous-direct-browser-access` too: list them or use `*`.' }),
    exposeHeaders: Type.Array(CorsHeaderName, { default: [], description: 'Response headers a page may read, beyond `x-request-id`, `retry-after`, `ratelimit-*` and Triton\'s `inference-header-content-length`.' }),
    credentials: Type.Boolean({ default: false, description: '`Access-Control-Allow-Credentials: true`, for pages that fetch with `credentials: \'include\'` (an `Authorization` header does not need it); `*` in any list is then a config error.' })
  }, { additionalProperties: false, description: 'Browser access. Absent: no `Access-Control-*` header ever, and preflights get 401.' })),
  auth: Type.Object({
    apiKeys: Type.Array(ApiKeySchema, { default: [] }),
    apiKeysFile: Type.Optional(Type.String({ minLength: 1, description: 'More keys from a YAML/JSON file (a list, or `apiKeys: [...]`), e.g. a mounted Secret; re-read on SIGHUP and when it changes. A bad file at start stops the gateway; later, it keeps the keys in force.' })),
    // A single object is read as a list of one (load.ts).
    jwt: Type.Array(JwtIssuer, { default: [], description: 'One JWT issuer, or a list of them.' }),
    tokenCache: Type.Object({
      maxEntries: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 10_000, description: 'Verified JWTs cached by the SHA-256 of the whole token until they expire (no signature check per request); `0` turns the cache off.' })
    }, { additionalProperties: false, default: {} })
  }, { additionalProperties: false, default: {} }),
  rateLimit: Type.Optional((() => {
    const window = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: DURATION_PATTERN })], {
      errorMessage: 'must be a duration: milliseconds, or a number with a unit (ms, s, m, h)',
      description: 'Its own window; unset: the one above it (then `1 minute`).'
    })
    const limits = {
      max: Type.Optional(Type.Integer({ minimum: 1, description: 'Requests per `timeWindow` (429 `IG_ERR_RATE_LIMITED`, with `Retry-After`); a fixed window that starts with the identity\'s first request.' })),
      concurrency: Type.Optional(Type.Integer({ minimum: 1, description: 'Requests in flight; a stream counts until it ends (429 `IG_ERR_CONCURRENCY_LIMITED`).' })),
      // Unset fields fall back to the defaults' (then to 1 minute and 1024, src/limits/config.ts).
      tokens: Type.Optional(Type.Object({
        max: Type.Integer({ minimum: 1, description: 'Generated tokens per window on the routes that generate them (vLLM, TorchServe `hosted-openai`): a request\'s `max_tokens` is reserved on admission and settled to the reported usage.' }),
        timeWindow: Type.Optional(window),
        defaultMaxTokens: Type.Optional(Type.Integer({ minimum: 1, description: 'Reserved for requests that name no `max_tokens` / `max_completion_tokens` (default 1024).' }))
      }, { additionalProperties: false, description: 'A token budget (vLLM, TorchServe `hosted-openai`); an identity\'s `tokens` replace these field by field.' }))
    }
    return Type.Object({
      ...limits,
      timeWindow: Duration('1 minute', 'The window of `max` and, unless it has its own, of `tokens.max`.'),
      // Defaults are not filled inside records: an identity without its own window takes the one above.
      identities: Type.Record(Type.String({ minLength: 1 }), Type.Object({
        ...limits,
        timeWindow: Type.Optional(window)
      }, { additionalProperties: false }), { default: {}, description: 'The same limits (except `redis`) for one identity, by id: its keys replace the defaults.' }),
      redis: Type.Optional(Type.Object({
        url: Type.String({ pattern: '^rediss?://', errorMessage: 'must be a redis:// or rediss:// URL', description: '`redis://` or `rediss://`: counters in Redis, shared by every replica.' }),
        keyPrefix: Type.String({ default: 'infergate:', description: 'Prefix of every key infergate writes.' }),
        onError: Type.Union([Type.Literal('closed'), Type.Literal('open')], { default: 'closed', description: 'Redis unreachable: `closed` refuses with 503 `IG_ERR_LIMITS_UNAVAILABLE`, `open` lets requests through unlimited.' }),
        timeout: Duration('500ms', 'Bounds connecting and each command, so that an outage never holds requests for long.'),
        leaseTtl: Duration('30s', 'A replica that dies frees its concurrency slots after this.')
      }, { additionalProperties: false, description: 'Shared counters for several replicas; without it they live in this process (each replica limits alone).' }))
    }, { additionalProperties: false, description: 'Limits per identity (docs/operations.md#limits). Absent: nothing is limited. Each limit applies only where it is set, for every identity or under `identities` for one.' })
  })())
}, { additionalProperties: false })

export type Config = Static<typeof ConfigSchema>
export type UpstreamConfig = Config['upstreams'][number]
export type ApiKeyConfig = Config['auth']['apiKeys'][number]
export type JwtIssuerConfig = Config['auth']['jwt'][number]
