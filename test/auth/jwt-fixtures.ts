/** Keys, a JWKS server and token signing for JWT tests. */
import { createSign, KeyObject } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { request } from 'undici'
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type CryptoKey } from 'jose'
import { gatewayRefusal } from '../helpers/refusal.js'

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
  if (options.claims?.iat === undefined) jwt = jwt.setIssuedAt()
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

/** The same key under kids one character apart: a header one byte longer lets a token reach any length. */
export function kidVariants (key: SigningKey): SigningKey[] {
  return ['', '-', '--'].map(suffix => ({ ...key, kid: key.kid + suffix, jwk: { ...key.jwk, kid: key.kid + suffix } }))
}

/** A valid token of exactly `length` characters (bytes: base64url is ASCII), padded with a `pad` claim. */
export async function signToLength (keys: readonly SigningKey[], length: number, options: TokenOptions = {}): Promise<string> {
  for (const key of keys) {
    const padded = (pad: number) => sign(key, { ...options, claims: { ...options.claims, pad: 'x'.repeat(pad) } })
    // Three bytes of claims are four characters of base64url.
    let pad = Math.max(0, Math.floor((length - (await padded(0)).length) * 3 / 4) - 3)
    for (let token = await padded(pad); token.length <= length; token = await padded(++pad)) {
      if (token.length === length) return token
    }
  }
  throw new Error(`no token of exactly ${length} characters`)
}

/**
 * Calls with these headers and says why the gateway refused: the `method` and `reason` whose
 * `infergate_auth_failures_total` count the call raised (both undefined when it raised none).
 */
export async function refusalOf (stack: { url: string, gateway: { metricsUrl: string } }, headers: Record<string, string>,
  path = '/v2/models/demo-tensor') {
  const before = await authFailures(stack.gateway.metricsUrl)
  const response = await request(`${stack.url}${path}`, { headers })
  const body = await response.body.json()
  const after = await authFailures(stack.gateway.metricsUrl)
  const raised = [...after].find(([series, count]) => count > (before.get(series) ?? 0))?.[0]
  const [method, reason] = raised?.split(' ') ?? []
  return { status: response.statusCode, code: response.statusCode >= 400 ? gatewayRefusal(body).code : undefined, method, reason }
}

/** As refusalOf, presenting a bearer token. */
export const tokenRefusal = (stack: Parameters<typeof refusalOf>[0], token: string) => refusalOf(stack, { authorization: `Bearer ${token}` })

const AUTH_FAILURE = /^infergate_auth_failures_total\{method="([^"]+)",reason="([^"]+)"\} (\d+)$/

async function authFailures (metricsUrl: string): Promise<Map<string, number>> {
  const text = await (await request(`${metricsUrl}/metrics`)).body.text()
  const counts = new Map<string, number>()
  for (const line of text.split('\n')) {
    const found = AUTH_FAILURE.exec(line)
    if (found !== null) counts.set(`${found[1] as string} ${found[2] as string}`, Number(found[3]))
  }
  return counts
}
