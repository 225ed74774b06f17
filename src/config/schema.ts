/**
 * The one schema for infergate's config: it validates files, fills defaults (`default` annotations,
 * applied by the loader) and gives the TypeScript types. Key names are the public contract
 * (../shared/reference/contract.md): add keys, never rename them.
 * @module
 */
import Type, { type Static } from 'typebox'
import { DURATION_PATTERN } from '../lib/duration.js'
import { FRAMEWORKS } from '../profiles/types.js'

/** Milliseconds as a number, or a string with a unit: "250ms", "30s", "5m", "1h", "1 minute". */
const Duration = (defaultValue?: string) => Type.Union([
  Type.Integer({ minimum: 0 }),
  Type.String({ pattern: DURATION_PATTERN })
], {
  ...(defaultValue === undefined ? {} : { default: defaultValue }),
  errorMessage: 'must be a duration: milliseconds, or a number with a unit (ms, s, m, h)'
})

const Port = (defaultValue: number) => Type.Integer({ minimum: 0, maximum: 65535, default: defaultValue })
const Host = (defaultValue: string) => Type.String({ minLength: 1, default: defaultValue })

// A model name or a pattern with `*` wildcards ("llama-*"); "*" alone means every model.
const ModelPattern = Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\s/\\\\]+$' })
const ModelList = Type.Array(ModelPattern, { minItems: 1, default: ['*'] })

// Lower-case names keep matching and masking simple: HTTP header names are case-insensitive.
const HeaderName = '^[a-z0-9!#$%&\'*+.^_`|~-]+$'
const CorsHeaderName = Type.String({ pattern: HeaderName, errorMessage: 'must be a lower-case header name' })

const Upstream = Type.Object({
  name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', errorMessage: 'must be lower-case letters, digits, "_" or "-" (at most 63)' }),
  framework: Type.Union(FRAMEWORKS.map(name => Type.Literal(name))),
  url: Type.String({ minLength: 1 }),
  models: ModelList,
  // Optional inference route groups of the framework's profile (for example vLLM "responses").
  routes: Type.Array(Type.String(), { default: [] }),
  // Sent upstream on every request (the backend's own credential); client values never pass.
  headers: Type.Record(Type.String({ pattern: HeaderName }), Type.String(), { default: {} }),
  timeouts: Type.Object({
    connect: Duration('10s'),
    // Until the response headers arrive: a non-streaming completion sends them only when it is done.
    firstByte: Duration('5m'),
    // Longest silence between two response chunks, not the length of a whole stream.
    idle: Duration('5m')
  }, { additionalProperties: false, default: {} }),
  pool: Type.Object({
    // Token streams hold a connection for minutes: this bounds open sockets, not requests per second.
    connections: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 8192 }),
    keepAlive: Duration('60s')
  }, { additionalProperties: false, default: {} }),
  healthCheck: Type.Object({
    path: Type.Optional(Type.String({ pattern: '^/[\\x21-\\x7e]*$' })),
    timeout: Duration('2s'),
    // How long one probe result answers /readyz before the next probe.
    cache: Duration('1s')
  }, { additionalProperties: false, default: {} }),
  limits: Type.Object({
    // Overrides `limits.bodyBytes` for this upstream (Triton tensors and vision prompts are larger
    // than chat prompts). JSON bodies are held whole while read: memory per request up to it.
    bodyBytes: Type.Optional(Type.Integer({ minimum: 0 }))
  }, { additionalProperties: false, default: {} }),
  // Advisory guards (src/guards), all on by default: per rule id, `enabled`, `action` and the rule's
  // options. Rule ids and options are checked against the rules in semantics.ts.
  guards: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()), { default: {} })
}, { additionalProperties: false })

export const ApiKeySchema = Type.Object({
  // Several entries may share an id: one identity, several keys (rotation).
  id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$', errorMessage: 'must be 64 lower-case hex digits (infergate hash-key KEY)' }),
  models: ModelList,
  expiresAt: Type.Optional(Type.String({ format: 'date-time', errorMessage: 'must be an RFC 3339 date-time, e.g. 2027-01-31T00:00:00Z' })),
  disabled: Type.Boolean({ default: false })
}, { additionalProperties: false })

// "none" is not among them, and never will be.
export const JWT_ALGORITHMS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
  'HS256', 'HS384', 'HS512'
] as const

const JwtIssuer = Type.Object({
  issuer: Type.String({ minLength: 1 }),
  audience: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })],
    { errorMessage: 'must be a string or a list of strings' }),
  // Required, no default: the verifier never guesses which algorithms a token may use.
  algorithms: Type.Array(Type.Union(JWT_ALGORITHMS.map(a => Type.Literal(a))), { minItems: 1 }),
  // Exactly one key source.
  jwksUri: Type.Optional(Type.String({ minLength: 1 })),
  publicKeys: Type.Optional(Type.Array(Type.Union([Type.String({ minLength: 1 }), Type.Record(Type.String(), Type.Unknown())]), { minItems: 1, errorMessage: 'must be a list of PEM public keys or JWKs' })),
  jwksFile: Type.Optional(Type.String({ minLength: 1 })),
  secret: Type.Optional(Type.String({ minLength: 32, errorMessage: 'must be at least 32 characters' })),
  jwks: Type.Object({
    cacheMaxAge: Duration('10m'),
    // No refetch more often than this, unknown kid or not: an attacker's random kids cannot hammer the issuer.
    cooldown: Duration('30s'),
    timeout: Duration('5s')
  }, { additionalProperties: false, default: {} }),
  identityClaim: Type.String({ minLength: 1, default: 'sub' }),
  // Without modelsClaim every verified token may use every model; with it, a token without the claim
  // may use only defaultModels (none unless configured).
  modelsClaim: Type.Optional(Type.String({ minLength: 1 })),
  defaultModels: Type.Array(ModelPattern, { default: [] }),
  clockToleranceSeconds: Type.Integer({ minimum: 0, maximum: 300, default: 30 }),
  maxTokenAge: Type.Optional(Duration()),
  maxTokenBytes: Type.Integer({ minimum: 256, maximum: 65_536, default: 8192 })
}, { additionalProperties: false })

export const ConfigSchema = Type.Object({
  listen: Type.Object({
    host: Host('127.0.0.1'),
    port: Port(8080)
  }, { additionalProperties: false, default: {} }),
  metrics: Type.Object({
    host: Host('127.0.0.1'),
    port: Port(9464),
    // Scrapers must send `Authorization: Bearer <it>`; set it whenever host is not loopback.
    bearerToken: Type.Optional(Type.String({ minLength: 16, errorMessage: 'must be at least 16 characters' })),
    // A per-identity request counter: off by default (identities are unbounded), capped when on.
    identityLabel: Type.Object({
      enabled: Type.Boolean({ default: false }),
      max: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 })
    }, { additionalProperties: false, default: {} })
  }, { additionalProperties: false, default: {} }),
  limits: Type.Object({
    bodyBytes: Type.Integer({ minimum: 0, default: 1_048_576 }),
    // All request header bytes together; larger requests get 431 from the HTTP parser.
    headerBytes: Type.Integer({ minimum: 1024, maximum: 1_048_576, default: 16_384 }),
    // The request target (path and query).
    pathBytes: Type.Integer({ minimum: 16, maximum: 65_536, default: 2048 })
  }, { additionalProperties: false, default: {} }),
  server: Type.Object({
    // After SIGTERM/SIGINT: how long in-flight requests and streams may take to finish.
    drainTimeout: Duration('30s'),
    // Idle keep-alive connections from clients are closed after this.
    keepAliveTimeout: Duration('72s'),
    // Longest time a client may take to send its request line and headers (408 after it).
    headersTimeout: Duration('10s'),
    // Longest time a client may take to send a whole request (headers and body), from its first
    // byte; slow-loris bound (408 after it, the upstream exchange aborted). 0: no bound.
    requestTimeout: Duration('5m'),
    // Open connections per client address; more are closed as they are accepted. Absent: no limit.
    maxConnectionsPerClient: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 }))
  }, { additionalProperties: false, default: {} }),
  logging: Type.Object({
    level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map(l => Type.Literal(l)), { default: 'info' }),
    // Debugging only: request bodies (JSON routes) in the access log, credentials scrubbed, capped.
    bodies: Type.Boolean({ default: false }),
    bodyBytes: Type.Integer({ minimum: 0, maximum: 1_048_576, default: 4096 })
  }, { additionalProperties: false, default: {} }),
  upstreams: Type.Array(Upstream, { minItems: 1, errorMessage: 'must list at least one upstream' }),
  // Browser access (src/server/cors.ts). Absent: no Access-Control-* header ever, preflights get 401.
  cors: Type.Optional(Type.Object({
    // Origins as browsers send them (`https://app.example.com`), or "*" alone; checked in semantics.ts.
    origins: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, errorMessage: 'must list at least one origin (or "*")' }),
    // How long a browser may reuse a preflight answer (Access-Control-Max-Age, whole seconds).
    maxAge: Duration('10m'),
    // Request headers a page may send, beyond authorization, content-type, x-api-key, x-request-id.
    allowHeaders: Type.Array(CorsHeaderName, { default: [] }),
    // Response headers a page may read, beyond x-request-id, retry-after, ratelimit-* and Triton's
    // inference-header-content-length.
    exposeHeaders: Type.Array(CorsHeaderName, { default: [] }),
    // Access-Control-Allow-Credentials: only for pages that fetch with `credentials: 'include'`.
    credentials: Type.Boolean({ default: false })
  }, { additionalProperties: false })),
  auth: Type.Object({
    apiKeys: Type.Array(ApiKeySchema, { default: [] }),
    // More keys from a file (a mounted Secret): re-read on SIGHUP and when it changes.
    apiKeysFile: Type.Optional(Type.String({ minLength: 1 })),
    // One issuer, or a list (several issuers); a single object is read as a list of one.
    jwt: Type.Array(JwtIssuer, { default: [] }),
    // Verified JWTs, by the hash of the whole token, until they expire: no signature check per request.
    tokenCache: Type.Object({
      maxEntries: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 10_000 })
    }, { additionalProperties: false, default: {} })
  }, { additionalProperties: false, default: {} }),
  // Limits per identity (src/limits). Absent: no limits at all. Each limit applies only when set,
  // here for every identity or under `identities` for one (an identity's keys replace these).
  rateLimit: Type.Optional((() => {
    const window = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: DURATION_PATTERN })], {
      errorMessage: 'must be a duration: milliseconds, or a number with a unit (ms, s, m, h)'
    })
    const limits = {
      // Requests per `timeWindow`.
      max: Type.Optional(Type.Integer({ minimum: 1 })),
      // In-flight requests; a stream counts until it ends.
      concurrency: Type.Optional(Type.Integer({ minimum: 1 })),
      // Generated (completion) tokens per window on vLLM routes: `max_tokens` is reserved on admission.
      // Unset fields fall back to the defaults' (then to 1 minute and 1024, src/limits/config.ts).
      tokens: Type.Optional(Type.Object({
        max: Type.Integer({ minimum: 1 }),
        timeWindow: Type.Optional(window),
        // Reserved for requests that name no max_tokens / max_completion_tokens.
        defaultMaxTokens: Type.Optional(Type.Integer({ minimum: 1 }))
      }, { additionalProperties: false }))
    }
    return Type.Object({
      ...limits,
      timeWindow: Duration('1 minute'),
      // Defaults are not filled inside records: an identity without its own window takes the one above.
      identities: Type.Record(Type.String({ minLength: 1 }), Type.Object({
        ...limits,
        timeWindow: Type.Optional(window)
      }, { additionalProperties: false }), { default: {} }),
      // Shared counters for several replicas; without it they live in this process.
      redis: Type.Optional(Type.Object({
        url: Type.String({ pattern: '^rediss?://', errorMessage: 'must be a redis:// or rediss:// URL' }),
        keyPrefix: Type.String({ default: 'infergate:' }),
        // Redis unreachable: refuse with 503 (closed) or let requests through unlimited (open).
        onError: Type.Union([Type.Literal('closed'), Type.Literal('open')], { default: 'closed' }),
        // Bounds connects and commands, so that an outage never holds requests for long.
        timeout: Duration('500ms'),
        // A replica that dies leaves its concurrency leases behind for at most this long.
        leaseTtl: Duration('30s')
      }, { additionalProperties: false }))
    }, { additionalProperties: false })
  })())
}, { additionalProperties: false })

export type Config = Static<typeof ConfigSchema>
export type UpstreamConfig = Config['upstreams'][number]
export type ApiKeyConfig = Config['auth']['apiKeys'][number]
export type JwtIssuerConfig = Config['auth']['jwt'][number]
