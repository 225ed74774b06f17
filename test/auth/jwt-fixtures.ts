/** Keys, a JWKS server and token signing for JWT tests. */
import { createSign, KeyObject } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type CryptoKey } from 'jose'

export const ISSUER = 'https://issuer.test'
export const AUDIENCE = 'infergate'

export interface SigningKey {
  readonly alg: string
  readonly kid: string
  readonly privateKey: CryptoKey
  readonly jwk: JWK
}

export async function signingKey (alg: string, kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  return { alg, kid, privateKey, jwk: { ...await exportJWK(publicKey), kid, alg, use: 'sig' } }
}

/** A JWKS endpoint whose key set tests can change (rotation) or take down (outage). */
export interface JwksServer {
  readonly url: string
  keys: JWK[]
  down: boolean
  readonly requests: IncomingMessage[]
}

export async function startJwksServer (t: TestContext, keys: JWK[]): Promise<JwksServer> {
  const state = { keys, down: false, requests: [] as IncomingMessage[] }
  const server = createServer((request, response) => {
    state.requests.push(request)
    if (state.down) {
      response.writeHead(503).end()
      return
    }
    response.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify({ keys: state.keys }))
  }).listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => { server.closeAllConnections(); server.close() })
  const { port } = server.address() as AddressInfo
  return Object.assign(state, { url: `http://127.0.0.1:${port}/jwks.json` })
}

export interface TokenOptions {
  readonly header?: Record<string, unknown>
  readonly claims?: JWTPayload
  readonly expiresIn?: string | number
  readonly omit?: ReadonlyArray<'exp' | 'iss' | 'aud'>
}

export async function sign (key: SigningKey, options: TokenOptions = {}): Promise<string> {
  const omit = new Set(options.omit ?? [])
  let jwt = new SignJWT({ sub: 'svc-1', ...options.claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...options.header })
    .setIssuedAt()
  if (!omit.has('iss') && options.claims?.iss === undefined) jwt = jwt.setIssuer(ISSUER)
  if (!omit.has('aud') && options.claims?.aud === undefined) jwt = jwt.setAudience(AUDIENCE)
  if (!omit.has('exp')) jwt = jwt.setExpirationTime(options.expiresIn ?? '5m')
  return await jwt.sign(key.privateKey)
}

export const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** Signs any header as is (jose refuses to produce some of the tokens attackers send). */
export function signRaw (key: SigningKey, header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${b64url(header)}.${b64url(payload)}`
  const signature = createSign('sha256').update(input).sign(KeyObject.from(key.privateKey))
  return `${input}.${signature.toString('base64url')}`
}
