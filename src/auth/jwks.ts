/**
 * A remote JWKS as the gateway needs it, in place of jose's createRemoteJWKSet, which fails every
 * verification while a stale set cannot be refreshed: here an outage keeps the cached keys serving,
 * refreshes happen in the background, an unknown `kid` triggers a refetch (key rotation without a
 * restart), and no refetch happens more often than the cooldown, whatever kids attackers send.
 * @module
 */
import { createLocalJWKSet, type JSONWebKeySet, type JWSHeaderParameters, type FlattenedJWSInput } from 'jose'
import { request } from 'undici'

const MAX_JWKS_BYTES = 1_048_576

export interface JwksOptions {
  readonly cacheMaxAgeMs: number
  readonly cooldownMs: number
  readonly timeoutMs: number
  /** Hears every refresh attempt: the metric and the log. */
  readonly onRefresh: (outcome: 'success' | 'failure', error?: Error) => void
}

type LocalSet = ReturnType<typeof createLocalJWKSet>

export class RemoteJwks {
  readonly #url: string
  readonly #options: JwksOptions
  #keys: LocalSet | undefined
  #fetchedAt = 0
  #attemptedAt = -Infinity
  #pending: Promise<void> | undefined

  constructor (url: string, options: JwksOptions) {
    this.#url = url
    this.#options = options
  }

  /** jose's key getter for jwtVerify. */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    if (this.#keys === undefined) await this.refresh()
    else if (Date.now() - this.#fetchedAt > this.#options.cacheMaxAgeMs && !this.#coolingDown()) this.refresh().catch(() => undefined)
    const keys = this.#keys
    if (keys === undefined) throw new JwksUnavailableError()
    try {
      return await keys(header, token)
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY' || this.#coolingDown()) throw err
      await this.refresh()
      return await (this.#keys ?? keys)(header, token)
    }
  }

  #coolingDown (): boolean {
    return Date.now() - this.#attemptedAt < this.#options.cooldownMs
  }

  /** Fetches the set once (concurrent callers share the fetch); failures keep the current keys. */
  refresh (): Promise<void> {
    this.#pending ??= this.#fetch().finally(() => { this.#pending = undefined })
    return this.#pending
  }

  async #fetch (): Promise<void> {
    this.#attemptedAt = Date.now()
    try {
      const { timeoutMs } = this.#options
      const response = await request(this.#url, {
        headers: { accept: 'application/jwk-set+json, application/json' },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs)
      })
      const text = await response.body.text()
      if (response.statusCode !== 200) throw new Error(`JWKS answered ${response.statusCode}`)
      if (text.length > MAX_JWKS_BYTES) throw new Error('JWKS larger than 1 MiB')
      const set = JSON.parse(text) as JSONWebKeySet
      if (!Array.isArray(set.keys)) throw new Error('JWKS has no "keys" array')
      this.#keys = createLocalJWKSet(set)
      this.#fetchedAt = Date.now()
      this.#options.onRefresh('success')
    } catch (err) {
      this.#options.onRefresh('failure', err as Error)
    }
  }
}

/** No keys could ever be fetched: the gateway cannot verify, the token may be fine. */
class JwksUnavailableError extends Error {
  readonly code = 'ERR_JWKS_UNAVAILABLE'
  constructor () {
    super('no JWKS could be fetched yet')
  }
}
