/**
 * Keys and one long-lived token per algorithm for the JWT contenders, made synchronously at import
 * (a contender's client headers are plain values). The token never changes during a run, so the
 * cached variants measure the verified-token cache and the uncached ones jose's verification.
 * @module
 */
import { generateKeyPairSync, sign } from 'node:crypto'
import type { ConfigObject } from './infergate.js'

const ISSUER = 'https://bench.issuer'
const AUDIENCE = 'infergate'

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

function keyPair (alg: 'RS256' | 'ES256') {
  return alg === 'RS256'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' })
}

export interface BenchJwt {
  readonly token: string
  readonly config: (base: ConfigObject, cacheEntries?: number) => ConfigObject
}

export function benchJwt (alg: 'RS256' | 'ES256'): BenchJwt {
  const { privateKey, publicKey } = keyPair(alg)
  const input = `${b64url({ alg, typ: 'JWT', kid: 'bench' })}.${b64url({
    sub: 'bench', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 86_400, models: ['*']
  })}`
  // JWS wants ECDSA signatures as r || s, not DER.
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' })
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string
  return {
    token: `${input}.${signature.toString('base64url')}`,
    config: (base, cacheEntries) => ({
      ...base,
      auth: {
        ...(base['auth'] as ConfigObject),
        jwt: { issuer: ISSUER, audience: AUDIENCE, algorithms: [alg], publicKeys: [pem], modelsClaim: 'models' },
        ...(cacheEntries === undefined ? {} : { tokenCache: { maxEntries: cacheEntries } })
      }
    })
  }
}
