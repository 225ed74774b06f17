/**
 * The one schema for infergate's config: it validates files, fills defaults (`default` annotations,
 * applied by the loader) and gives the TypeScript types. Key names are the public contract
 * (../shared/reference/contract.md): add keys, never rename them.
 * @module
 */
import Type, { type Static } from 'typebox'
import { FRAMEWORKS } from '../profiles/types.js'

/** Milliseconds as a number, or a string with a unit: "250ms", "30s", "5m", "1h", "1 minute". */
export const DURATION_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hour|hours)\\s*$'
const Duration = (defaultValue: string) => Type.Union([
  Type.Integer({ minimum: 0 }),
  Type.String({ pattern: DURATION_PATTERN })
], { default: defaultValue, errorMessage: 'must be a duration: milliseconds, or a number with a unit (ms, s, m, h)' })

const Port = (defaultValue: number) => Type.Integer({ minimum: 0, maximum: 65535, default: defaultValue })
const Host = (defaultValue: string) => Type.String({ minLength: 1, default: defaultValue })

// A model name or a pattern with `*` wildcards ("llama-*"); "*" alone means every model.
const ModelPattern = Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\s/\\\\]+$' })
const ModelList = Type.Array(ModelPattern, { minItems: 1, default: ['*'] })

// Lower-case names keep matching and masking simple: HTTP header names are case-insensitive.
const HeaderName = '^[a-z0-9!#$%&\'*+.^_`|~-]+$'

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
  }, { additionalProperties: false, default: {} })
}, { additionalProperties: false })

const ApiKey = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$', errorMessage: 'must be 64 lower-case hex digits (infergate hash-key KEY)' }),
  models: ModelList
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
    // Longest time a client may take to send a whole request (headers and body); slow-loris bound.
    requestTimeout: Duration('5m')
  }, { additionalProperties: false, default: {} }),
  logging: Type.Object({
    level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map(l => Type.Literal(l)), { default: 'info' }),
    // Debugging only: request bodies (JSON routes) in the access log, credentials scrubbed, capped.
    bodies: Type.Boolean({ default: false }),
    bodyBytes: Type.Integer({ minimum: 0, maximum: 1_048_576, default: 4096 })
  }, { additionalProperties: false, default: {} }),
  upstreams: Type.Array(Upstream, { minItems: 1, errorMessage: 'must list at least one upstream' }),
  auth: Type.Object({
    apiKeys: Type.Array(ApiKey, { default: [] })
  }, { additionalProperties: false, default: {} })
}, { additionalProperties: false })

export type Config = Static<typeof ConfigSchema>
export type UpstreamConfig = Config['upstreams'][number]
export type ApiKeyConfig = Config['auth']['apiKeys'][number]
