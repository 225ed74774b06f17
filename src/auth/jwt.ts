/**
 * JWT verification with jose: a length cap per issuer checked before the signature, strict
 * algorithms per issuer, required `exp`, `iss` and `aud`, `nbf` honoured, an `iat` in the future
 * refused, optional maximum age, and tokens whose header carries `jku`, `x5u`, `x5c`, an embedded
 * `jwk`, `zip` or `crit` refused outright (never followed). Verified tokens are cached by the hash of
 * the whole token until they expire, so the hot path pays a signature check once per token.
 * @module
 */
import { createHash, createPublicKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import {
  createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify,
  type JWK, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions
} from 'jose'
import { durationMs } from '../lib/duration.js'
import type { JwtIssuerConfig } from '../config/schema.js'
import { ConfigInvalidError } from '../errors.js'
import { compileModelPatterns, type ModelMatcher } from '../lib/model-patterns.js'
import { RemoteJwks } from './jwks.js'
import type { Principal } from '../exchange/principal.js'
import { TokenCache } from './token-cache.js'

/** Why a token was refused: a bounded set (a metric label). */
export type JwtProblem =
  | 'malformed' | 'too_long' | 'header' | 'issuer' | 'algorithm' | 'unknown_key' | 'signature' | 'expired'
  | 'claims' | 'unsupported' | 'jwks_unavailable'

const REASON_BY_CODE: Readonly<Record<string, JwtProblem>> = {
  ERR_JWT_EXPIRED: 'expired',
  ERR_JWT_CLAIM_VALIDATION_FAILED: 'claims',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'signature',
  ERR_JOSE_ALG_NOT_ALLOWED: 'algorithm',
  ERR_JWKS_NO_MATCHING_KEY: 'unknown_key',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'unknown_key',
  ERR_JWKS_UNAVAILABLE: 'jwks_unavailable',
  ERR_JOSE_NOT_SUPPORTED: 'unsupported',
  ERR_JWS_INVALID: 'malformed',
  ERR_JWT_INVALID: 'malformed'
}

// Header parameters refused whatever their value. Following `jku`, `x5u`, `x5c` or `jwk` lets the
// token choose its own key. `zip` belongs to JWE: a JWS that asks for it wants a verifier to inflate
// attacker bytes. `crit` names extensions the verifier must understand, and infergate implements none
// (jose's one, `b64: false`, is not allowed in a JWT anyway).
const REFUSED_HEADERS = ['jku', 'x5u', 'x5c', 'jwk', 'zip', 'crit'] as const
// A JSON header and two more segments: any payload, so that a compressed one is refused as a token.
const JWT_SHAPE = /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/
const MAX_IDENTITY = 256
const anyModel: ModelMatcher = () => true

export class JwtRejectedError extends Error {
  readonly reason: JwtProblem
  constructor (reason: JwtProblem, message: string) {
    super(message)
    this.reason = reason
  }
}

/** Whether a bearer value is a compact JWS (then it never goes to the API keys). */
export function looksLikeJwt (value: string): boolean {
  return JWT_SHAPE.test(value)
}

interface Issuer {
  readonly config: JwtIssuerConfig
  readonly key: JWTVerifyGetKey
  readonly options: JWTVerifyOptions
  readonly maxAgeMs: number | undefined
  readonly defaultModels: ModelMatcher
}

export interface JwtVerifierEvents {
  onJwksRefresh (issuer: string, outcome: 'success' | 'failure', error?: Error): void
}

function toJwk (key: string | Record<string, unknown>): JWK {
  return typeof key === 'string' ? createPublicKey(key).export({ format: 'jwk' }) as JWK : key as JWK
}

function keySource (config: JwtIssuerConfig, at: string, events: JwtVerifierEvents): JWTVerifyGetKey {
  if (config.secret !== undefined) {
    const secret = new TextEncoder().encode(config.secret)
    return () => secret
  }
  if (config.jwksUri !== undefined) {
    return new RemoteJwks(config.jwksUri, {
      cacheMaxAgeMs: durationMs(config.jwks.cacheMaxAge),
      cooldownMs: durationMs(config.jwks.cooldown),
      timeoutMs: durationMs(config.jwks.timeout),
      onRefresh: (outcome, error) => events.onJwksRefresh(config.issuer, outcome, error)
    }).getKey
  }
  try {
    const set: JSONWebKeySet = config.jwksFile !== undefined
      ? JSON.parse(readFileSync(config.jwksFile, 'utf8')) as JSONWebKeySet
      : { keys: (config.publicKeys ?? []).map(toJwk) }
    return staticKeys(set)
  } catch (err) {
    const key = config.jwksFile !== undefined ? 'jwksFile' : 'publicKeys'
    throw new ConfigInvalidError(`${at}.${key}: ${(err as Error).message}`)
  }
}

/**
 * A static key set. A key configured without a `kid` (a PEM key, typically) still verifies tokens
 * whose header names one: the kid only selects a key, the signature is what proves it.
 */
function staticKeys (set: JSONWebKeySet): JWTVerifyGetKey {
  const all = createLocalJWKSet(set)
  const unnamed = set.keys.filter(key => key.kid === undefined)
  if (unnamed.length === 0) return all
  const anonymous = createLocalJWKSet({ keys: unnamed })
  return async (header, token) => {
    try {
      return await all(header, token)
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY' || header.kid === undefined) throw err
      const { kid: _kid, ...rest } = header
      return await anonymous(rest, token)
    }
  }
}

function modelsFrom (claim: unknown): ModelMatcher | undefined {
  if (typeof claim === 'string') return compileModelPatterns(claim.split(' ').filter(Boolean))
  if (Array.isArray(claim) && claim.every(m => typeof m === 'string')) return compileModelPatterns(claim)
  return undefined
}

export class JwtVerifier {
  readonly #issuers = new Map<string, Issuer>()
  readonly #cache: TokenCache
  /** The longest token any issuer accepts: longer ones are refused before anything reads them. */
  readonly maxTokenBytes: number

  constructor (issuers: readonly JwtIssuerConfig[], cacheEntries: number, events: JwtVerifierEvents) {
    issuers.forEach((config, i) => {
      const maxAgeMs = config.maxTokenAge === undefined ? undefined : durationMs(config.maxTokenAge)
      this.#issuers.set(config.issuer, {
        config,
        key: keySource(config, `auth.jwt[${i}]`, events),
        options: {
          issuer: config.issuer,
          audience: config.audience,
          algorithms: [...config.algorithms],
          clockTolerance: config.clockToleranceSeconds,
          requiredClaims: maxAgeMs === undefined ? ['exp', 'iss', 'aud'] : ['exp', 'iss', 'aud', 'iat'],
          ...(maxAgeMs === undefined ? {} : { maxTokenAge: `${Math.floor(maxAgeMs / 1000)}s` })
        },
        maxAgeMs,
        defaultModels: compileModelPatterns(config.defaultModels)
      })
    })
    this.#cache = new TokenCache(cacheEntries)
    this.maxTokenBytes = Math.max(0, ...issuers.map(config => config.maxTokenBytes))
  }

  get enabled (): boolean {
    return this.#issuers.size > 0
  }

  /** A cached principal for this exact token, without any verification cost but a hash. */
  cached (token: string): { key: string, principal: Principal | undefined } {
    const key = createHash('sha256').update(token).digest('base64')
    return { key, principal: this.#cache.get(key, Date.now()) }
  }

  async verify (token: string, cacheKey: string): Promise<Principal> {
    const issuer = this.#issuerOf(token)
    let payload: JWTPayload
    try {
      payload = (await jwtVerify(token, issuer.key, issuer.options)).payload
    } catch (err) {
      const code = (err as { code?: string }).code
      throw new JwtRejectedError(code === undefined ? 'malformed' : REASON_BY_CODE[code] ?? 'malformed', (err as Error).message)
    }
    // jose checks this only with maxTokenAge; a token minted ahead of the clock is refused either way.
    if (payload.iat !== undefined && payload.iat > Date.now() / 1000 + issuer.config.clockToleranceSeconds) {
      throw new JwtRejectedError('claims', '"iat" claim timestamp is in the future')
    }
    const principal = this.#principalOf(issuer, payload)
    const expiresAt = Math.min((payload.exp as number) * 1000,
      issuer.maxAgeMs === undefined ? Infinity : (payload.iat as number) * 1000 + issuer.maxAgeMs)
    this.#cache.set(cacheKey, principal, expiresAt)
    return principal
  }

  #issuerOf (token: string): Issuer {
    let iss: unknown
    try {
      const header = decodeProtectedHeader(token)
      const refused = REFUSED_HEADERS.find(name => header[name] !== undefined)
      if (refused !== undefined) throw new JwtRejectedError('header', `token header "${refused}" is never accepted`)
      iss = decodeJwt(token).iss
    } catch (err) {
      if (err instanceof JwtRejectedError) throw err
      throw new JwtRejectedError('malformed', 'token is not a valid JWT')
    }
    const issuer = typeof iss === 'string' ? this.#issuers.get(iss) : undefined
    if (issuer === undefined) throw new JwtRejectedError('issuer', 'token issuer is not trusted')
    // Before the key lookup and the signature: the authenticator already held it to the largest cap.
    if (token.length > issuer.config.maxTokenBytes) throw new JwtRejectedError('too_long', 'token longer than its issuer\'s maxTokenBytes')
    return issuer
  }

  #principalOf (issuer: Issuer, payload: JWTPayload): Principal {
    const id = payload[issuer.config.identityClaim]
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_IDENTITY) {
      throw new JwtRejectedError('claims', `token has no usable "${issuer.config.identityClaim}" claim`)
    }
    const claim = issuer.config.modelsClaim
    let mayUse = anyModel
    if (claim !== undefined) {
      const value = payload[claim]
      const models = value === undefined ? issuer.defaultModels : modelsFrom(value)
      if (models === undefined) throw new JwtRejectedError('claims', `token claim "${claim}" must be a list of model names`)
      mayUse = models
    }
    return Object.freeze({ id, method: 'jwt', mayUse })
  }
}
