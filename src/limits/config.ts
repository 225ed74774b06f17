/**
 * The limits of each identity, resolved once from `rateLimit`: an identity's own keys over the
 * defaults, field by field for `tokens`.
 * @module
 */
import { durationMs } from '../lib/duration.js'
import type { Config } from '../config/schema.js'

export type RateLimitConfig = NonNullable<Config['rateLimit']>

const DEFAULT_TOKEN_WINDOW = '1 minute'
const DEFAULT_MAX_TOKENS = 1024

export interface TokenLimits {
  readonly max: number
  readonly windowMs: number
  readonly defaultMaxTokens: number
}

export interface IdentityLimits {
  readonly requests: { readonly max: number, readonly windowMs: number } | undefined
  readonly concurrency: number | undefined
  readonly tokens: TokenLimits | undefined
}

type Limits = Omit<RateLimitConfig, 'identities' | 'redis' | 'timeWindow'> & { timeWindow?: string | number | undefined }

function resolve (defaults: RateLimitConfig, own: Limits): IdentityLimits {
  const max = own.max ?? defaults.max
  const tokens = own.tokens ?? defaults.tokens
  return {
    requests: max === undefined ? undefined : { max, windowMs: durationMs(own.timeWindow ?? defaults.timeWindow) },
    concurrency: own.concurrency ?? defaults.concurrency,
    tokens: tokens === undefined
      ? undefined
      : {
          max: tokens.max,
          windowMs: durationMs(tokens.timeWindow ?? defaults.tokens?.timeWindow ?? DEFAULT_TOKEN_WINDOW),
          defaultMaxTokens: tokens.defaultMaxTokens ?? defaults.tokens?.defaultMaxTokens ?? DEFAULT_MAX_TOKENS
        }
  }
}

export class LimitTable {
  readonly #defaults: IdentityLimits
  readonly #identities: ReadonlyMap<string, IdentityLimits>
  /** Which kinds of limit any identity has: a kind nobody has adds no hook. */
  readonly uses: { readonly requests: boolean, readonly concurrency: boolean, readonly tokens: boolean }

  constructor (config: RateLimitConfig) {
    this.#defaults = resolve(config, config)
    this.#identities = new Map(Object.entries(config.identities).map(([id, own]) => [id, resolve(config, own)]))
    const all = [this.#defaults, ...this.#identities.values()]
    this.uses = {
      requests: all.some(l => l.requests !== undefined),
      concurrency: all.some(l => l.concurrency !== undefined),
      tokens: all.some(l => l.tokens !== undefined)
    }
  }

  for (identity: string): IdentityLimits {
    return this.#identities.get(identity) ?? this.#defaults
  }
}
