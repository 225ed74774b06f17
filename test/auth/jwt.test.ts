import assert from 'node:assert/strict'
import { createHmac, createPublicKey } from 'node:crypto'
import { test } from 'node:test'
import { deflateRawSync } from 'node:zlib'
import { CompactSign } from 'jose'
import { request } from 'undici'
import { TokenCache } from '../../src/auth/token-cache.js'
import { startStack } from '../helpers/stack.js'
import {
  AUDIENCE, b64url, ISSUER, kidVariants, sign, signingKey, signRaw, signToLength, startJwksServer, tokenRefusal
} from './jwt-fixtures.js'
import { gatewayRefusal } from '../helpers/refusal.js'

async function call (url: string, token: string, path = '/v2/models/demo-tensor') {
  const response = await request(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } })
  const body = await response.body.text()
  if (response.statusCode < 400) return { status: response.statusCode, code: undefined, message: undefined }
  const { code, message } = gatewayRefusal(body)
  return { status: response.statusCode, code, message }
}

function jwtConfig (jwksUri: string, extra: Record<string, unknown> = {}) {
  return {
    config: {
      limits: { headerBytes: 262_144 },
      auth: {
        jwt: { issuer: ISSUER, audience: AUDIENCE, jwksUri, algorithms: ['RS256', 'ES256', 'EdDSA'], modelsClaim: 'models', ...extra }
      }
    }
  }
}

test('RS256, ES256 and EdDSA tokens from the JWKS are accepted; scopes come from the models claim', async (t) => {
  const keys = await Promise.all([signingKey('RS256', 'rsa-1'), signingKey('ES256', 'ec-1'), signingKey('EdDSA', 'ed-1')])
  const jwks = await startJwksServer(t, keys.map(k => k.jwk))
  const stack = await startStack(t, jwtConfig(jwks.url))
  for (const key of keys) {
    const token = await sign(key, { claims: { models: ['demo-tensor', 'demo-llm'] } })
    assert.deepEqual(await call(stack.url, token), { status: 200, code: undefined, message: undefined }, key.alg)
  }
  const [rsa] = keys
  const narrow = await sign(rsa!, { claims: { models: 'demo-llm other' } })
  assert.equal((await call(stack.url, narrow)).code, 'IG_ERR_MODEL_NOT_ALLOWED')
  const noClaim = await sign(rsa!)
  assert.equal((await call(stack.url, noClaim)).code, 'IG_ERR_MODEL_NOT_ALLOWED', 'an absent models claim allows no model')
  assert.equal(jwks.requests.length, 1, 'one JWKS fetch served every verification')
  const received = stack.triton.received[0]
  assert.equal(received?.headers.authorization, undefined, 'the token is never forwarded')
})

test('the JWT attack table: every forged, stale or misdirected token gets 401 and reaches nothing', async (t) => {
  const good = await signingKey('RS256', 'rsa-1')
  const attacker = await signingKey('RS256', 'rsa-1')
  const attackerEc = await signingKey('ES256', 'evil')
  const jwks = await startJwksServer(t, [good.jwk])
  const attackerJwks = await startJwksServer(t, [attacker.jwk])
  const stack = await startStack(t, jwtConfig(jwks.url))
  const claims = { models: ['demo-tensor'] }
  const valid = await sign(good, { claims })
  const [header, payload, signature] = valid.split('.') as [string, string, string]
  const publicPem = createPublicKey({ key: good.jwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string
  const hmacWithPublicKey = (() => {
    const h = b64url({ alg: 'HS256', kid: 'rsa-1', typ: 'JWT' })
    const p = payload
    return `${h}.${p}.${createHmac('sha256', publicPem).update(`${h}.${p}`).digest('base64url')}`
  })()
  const now = Math.floor(Date.now() / 1000)
  const attacks: Array<[string, string]> = [
    ['alg none', `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`],
    ['alg none, upper case', `${b64url({ alg: 'NONE', typ: 'JWT' })}.${payload}.`],
    ['HS256 signed with the RSA public key', hmacWithPublicKey],
    ['expired', await sign(good, { claims, expiresIn: now - 120 })],
    ['not yet valid (nbf in the future)', await sign(good, { claims: { ...claims, nbf: now + 3600 } })],
    ['wrong issuer', await sign(good, { claims: { ...claims, iss: 'https://evil.test' } })],
    ['wrong audience', await sign(good, { claims: { ...claims, aud: 'someone-else' } })],
    ['missing exp', await sign(good, { claims, omit: ['exp'] })],
    ['missing aud', await sign(good, { claims, omit: ['aud'] })],
    ['unknown kid', await sign(attackerEc, { claims, header: { kid: 'nope' } })],
    ['right kid, wrong key', await sign(attacker, { claims })],
    ['embedded jwk', await sign(attacker, { claims, header: { jwk: attacker.jwk } })],
    ['jku at an attacker JWKS', await sign(attacker, { claims, header: { jku: attackerJwks.url } })],
    ['x5u at an attacker server', await sign(attacker, { claims, header: { x5u: attackerJwks.url } })],
    ['tampered payload', `${header}.${b64url({ sub: 'admin', iss: ISSUER, aud: AUDIENCE, exp: now + 600, models: ['*'] })}.${signature}`],
    ['truncated signature', `${header}.${payload}.${signature.slice(0, -8)}`],
    ['signature of another token', `${header}.${payload}.${(await sign(good, { claims: { sub: 'other' } })).split('.')[2]}`],
    ['unknown crit header', signRaw(good, { alg: 'RS256', kid: 'rsa-1', crit: ['x-must-understand'], 'x-must-understand': true },
      { sub: 'svc-1', iss: ISSUER, aud: AUDIENCE, exp: now + 600, ...claims })],
    ['100 KB token', await sign(good, { claims: { ...claims, pad: 'x'.repeat(100_000) } })],
    ['not a JWT at all, JWT-shaped', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.!!!']
  ]
  for (const [name, token] of attacks) {
    await t.test(name, async () => {
      const result = await call(stack.url, token)
      assert.equal(result.status, 401)
      assert.equal(result.code, 'IG_ERR_UNAUTHENTICATED')
    })
  }
  assert.deepEqual(attackerJwks.requests, [], 'the attacker\'s jku/x5u was never fetched')
  assert.deepEqual(stack.triton.received, [])
  assert.equal((await call(stack.url, valid)).status, 200, 'and the real token still works')
})

test('key rotation at the JWKS server is picked up without a restart; an outage keeps the cached keys', async (t) => {
  const first = await signingKey('ES256', 'k1')
  const second = await signingKey('ES256', 'k2')
  const jwks = await startJwksServer(t, [first.jwk])
  const stack = await startStack(t, jwtConfig(jwks.url, { jwks: { cooldown: 0, cacheMaxAge: '10m', timeout: '1s' } }))
  const claims = { models: ['demo-tensor'] }
  assert.equal((await call(stack.url, await sign(first, { claims }))).status, 200)
  jwks.keys = [first.jwk, second.jwk]
  assert.equal((await call(stack.url, await sign(second, { claims }))).status, 200, 'an unknown kid made the gateway refetch')
  assert.equal(jwks.requests.length, 2)
  jwks.down = true
  const third = await signingKey('ES256', 'k3')
  assert.equal((await call(stack.url, await sign(third, { claims }))).status, 401, 'an unknown kid, and the refetch fails')
  assert.equal((await call(stack.url, await sign(first, { claims: { ...claims, jti: 'fresh' } }))).status, 200,
    'the keys fetched before the outage still verify')
  const metrics = await (await request(`${stack.gateway.metricsUrl}/metrics`)).body.text()
  assert.match(metrics, /infergate_jwks_refreshes_total\{issuer="https:\/\/issuer\.test",result="failure"\} 1/)
  assert.match(metrics, /infergate_jwks_refreshes_total\{issuer="https:\/\/issuer\.test",result="success"\} 2/)
})

test('an unreachable JWKS at the first token: 503, not a verdict on the token', async (t) => {
  const key = await signingKey('RS256', 'k1')
  const jwks = await startJwksServer(t, [key.jwk])
  jwks.down = true
  const stack = await startStack(t, jwtConfig(jwks.url))
  assert.deepEqual(await call(stack.url, await sign(key, { claims: { models: ['demo-tensor'] } })), {
    status: 503, code: 'IG_ERR_AUTH_UNAVAILABLE', message: 'the token issuer\'s keys cannot be fetched; try again later'
  })
})

test('HMAC issuers use their shared secret only; several issuers each verify with their own keys', async (t) => {
  const secret = 'a-shared-secret-of-at-least-32-chars!'
  const rsa = await signingKey('RS256', 'r1')
  const stack = await startStack(t, {
    config: {
      auth: {
        jwt: [
          { issuer: 'https://hmac.test', audience: AUDIENCE, secret, algorithms: ['HS256'] },
          { issuer: ISSUER, audience: AUDIENCE, publicKeys: [rsa.jwk], algorithms: ['RS256'] }
        ]
      }
    }
  })
  const { SignJWT } = await import('jose')
  const hmac = (iss: string) => new SignJWT({ sub: 'h' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(iss)
    .setAudience(AUDIENCE).setExpirationTime('5m').sign(new TextEncoder().encode(secret))
  assert.equal((await call(stack.url, await hmac('https://hmac.test'))).status, 200)
  assert.equal((await call(stack.url, await hmac(ISSUER))).status, 401, 'an HMAC token claiming the RSA issuer')
  assert.equal((await call(stack.url, await sign(rsa))).status, 200)
  assert.equal((await call(stack.url, await sign(rsa, { claims: { iss: 'https://hmac.test' } }))).status, 401)
  // A JWT in x-api-key is an API key, and no such key exists.
  const viaApiKey = await request(`${stack.url}/v2/models/demo-tensor`, { headers: { 'x-api-key': await sign(rsa) } })
  assert.equal(viaApiKey.statusCode, 401)
  await viaApiKey.body.dump()
})

test('the verified-token cache holds a token until it expires, and no longer', () => {
  const cache = new TokenCache(2)
  const principal = { id: 'a', method: 'jwt' as const, mayUse: () => true }
  cache.set('t1', principal, 1000)
  assert.equal(cache.get('t1', 999), principal)
  assert.equal(cache.get('t1', 1000), undefined)
  cache.set('t1', principal, 5000)
  cache.set('t2', principal, 5000)
  cache.set('t3', principal, 5000)
  assert.equal(cache.get('t1', 0), undefined, 'bounded: the oldest entry made room')
  assert.equal(cache.get('t3', 0), principal)
  const off = new TokenCache(0)
  off.set('t', principal, 5000)
  assert.equal(off.get('t', 0), undefined)
})

test('PEM public keys (no kid) verify tokens whose header names a kid; a wrong key still fails', async (t) => {
  const key = await signingKey('ES256', 'idp-key-7')
  const other = await signingKey('ES256', 'idp-key-7')
  const pem = createPublicKey({ key: key.jwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string
  const stack = await startStack(t, { config: { auth: { jwt: { issuer: ISSUER, audience: AUDIENCE, publicKeys: [pem], algorithms: ['ES256'] } } } })
  assert.equal((await call(stack.url, await sign(key))).status, 200)
  assert.equal((await call(stack.url, await sign(other))).status, 401)
})

const TOO_LONG = { status: 401, code: 'IG_ERR_UNAUTHENTICATED', method: 'jwt', reason: 'too_long' }
// Over the largest cap of all, nothing has looked at the value yet: which kind of credential it is, is not known.
const OVER_EVERY_CAP = { ...TOO_LONG, method: 'none' }
const PASSED = { status: 200, code: undefined, method: undefined, reason: undefined }
const refused = (reason: string) => ({ status: 401, code: 'IG_ERR_UNAUTHENTICATED', method: 'jwt', reason })

/** A token whose signature is wrong, of the same length. */
function tampered (token: string): string {
  const at = token.length - 10
  return `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`
}

test('maxTokenBytes: a valid token of exactly the cap passes; one byte more is refused (too_long) before anything reads it', async (t) => {
  const keys = kidVariants(await signingKey('ES256', 'k1'))
  const jwks = await startJwksServer(t, keys.map(k => k.jwk))
  const stack = await startStack(t, jwtConfig(jwks.url, { maxTokenBytes: 512, jwks: { cooldown: 0, cacheMaxAge: '10m', timeout: '1s' } }))
  const claims = { models: ['demo-tensor'] }
  const atCap = await signToLength(keys, 512, { claims })
  const overCap = await signToLength(keys, 513, { claims })
  const rows: Array<[string, string]> = [
    ['a valid token one byte over the cap', overCap],
    ['a valid token of 3,883 bytes', await signToLength(keys, 3883, { claims })],
    ['over the cap, with a bad signature (never checked)', tampered(overCap)],
    ['over the cap, naming an unknown kid (never looked up)', await sign(keys[0]!, { claims: { ...claims, pad: 'x'.repeat(400) }, header: { kid: 'rotated' } })],
    ['over the cap, JWT-shaped garbage (never decoded)', `eyJ${'A'.repeat(300)}.eyJ${'A'.repeat(300)}.x`]
  ]
  for (const [name, token] of rows) {
    await t.test(name, async () => assert.deepEqual(await tokenRefusal(stack, token), TOO_LONG))
  }
  assert.equal(jwks.requests.length, 0, 'no over-cap token made the gateway fetch a key')
  assert.deepEqual(stack.triton.received, [])
  await t.test('a valid token of exactly the cap', async () => {
    assert.equal(atCap.length, 512)
    assert.deepEqual(await tokenRefusal(stack, atCap), PASSED)
  })
  await t.test('one byte over, after a token of the cap was verified and cached', async () => {
    assert.deepEqual(await tokenRefusal(stack, overCap), TOO_LONG)
  })
})

test('the default maxTokenBytes (8192): a 5,750-byte token passes, 8,192 passes, 8,193 is refused', async (t) => {
  const keys = kidVariants(await signingKey('RS256', 'r1'))
  const jwks = await startJwksServer(t, keys.map(k => k.jwk))
  const stack = await startStack(t, jwtConfig(jwks.url))
  const claims = { models: ['demo-tensor'] }
  const rows: Array<[number, object]> = [[5750, PASSED], [8192, PASSED], [8193, OVER_EVERY_CAP]]
  for (const [length, expected] of rows) {
    await t.test(`${length} bytes`, async () => assert.deepEqual(await tokenRefusal(stack, await signToLength(keys, length, { claims })), expected))
  }
})

test('several issuers: each token is held to its own issuer\'s maxTokenBytes; the credential cap follows the largest', async (t) => {
  const LARGE = 'https://large.test'
  const small = kidVariants(await signingKey('ES256', 's1'))
  const large = kidVariants(await signingKey('ES256', 'l1'))
  const issuer = (iss: string, keys: ReturnType<typeof kidVariants>, maxTokenBytes: number) =>
    ({ issuer: iss, audience: AUDIENCE, publicKeys: keys.map(k => k.jwk), algorithms: ['ES256'], maxTokenBytes })
  const stack = await startStack(t, {
    config: { limits: { headerBytes: 65_536 }, auth: { jwt: [issuer(ISSUER, small, 512), issuer(LARGE, large, 20_000)] } }
  })
  const rows: Array<[string, Promise<string>, object]> = [
    ['small issuer, 512 bytes', signToLength(small, 512), PASSED],
    ['small issuer, 513 bytes', signToLength(small, 513), TOO_LONG],
    ['small issuer, 3,000 bytes, a bad signature: under the large cap, over its own', signToLength(small, 3000).then(tampered), TOO_LONG],
    ['large issuer, 5,000 bytes', signToLength(large, 5000, { claims: { iss: LARGE } }), PASSED],
    ['large issuer, 20,000 bytes', signToLength(large, 20_000, { claims: { iss: LARGE } }), PASSED],
    ['large issuer, 20,001 bytes', signToLength(large, 20_001, { claims: { iss: LARGE } }), OVER_EVERY_CAP]
  ]
  for (const [name, token, expected] of rows) {
    await t.test(name, async () => assert.deepEqual(await tokenRefusal(stack, await token), expected))
  }
})

test('iat: a token issued in the future beyond clockToleranceSeconds is refused (claims); within the tolerance it passes', async (t) => {
  const AGED = 'https://aged.test'
  const key = await signingKey('ES256', 'k1')
  const issuer = (iss: string, extra: object) => ({ issuer: iss, audience: AUDIENCE, publicKeys: [key.jwk], algorithms: ['ES256'], ...extra })
  const stack = await startStack(t, {
    config: { auth: { jwt: [issuer(ISSUER, { clockToleranceSeconds: 30 }), issuer(AGED, { clockToleranceSeconds: 30, maxTokenAge: '1h' })] } }
  })
  const now = Math.floor(Date.now() / 1000)
  const rows: Array<[string, Record<string, unknown>, object]> = [
    ['issued an hour ahead', { iat: now + 3600 }, refused('claims')],
    ['issued 90 s ahead, tolerance 30 s', { iat: now + 90 }, refused('claims')],
    ['issued 5 s ahead, within the tolerance', { iat: now + 5 }, PASSED],
    ['issued now', {}, PASSED],
    ['iat not a number', { iat: 'soon' }, refused('claims')],
    ['with maxTokenAge: issued an hour ahead', { iss: AGED, iat: now + 3600 }, refused('claims')],
    ['with maxTokenAge: issued 5 s ahead', { iss: AGED, iat: now + 5 }, PASSED]
  ]
  for (const [name, claims, expected] of rows) {
    await t.test(name, async () => {
      // exp well after iat: only iat is wrong.
      assert.deepEqual(await tokenRefusal(stack, await sign(key, { claims, expiresIn: '3h' })), expected)
    })
  }
})

test('header parameters: zip, crit and the key-pointing ones are refused (header), whatever their value', async (t) => {
  const key = await signingKey('RS256', 'r1')
  const stack = await startStack(t, { config: { auth: { jwt: { issuer: ISSUER, audience: AUDIENCE, publicKeys: [key.jwk], algorithms: ['RS256'] } } } })
  const payload = { sub: 'svc-1', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600 }
  const raw = (header: Record<string, unknown>) => signRaw(key, { alg: 'RS256', kid: 'r1', ...header }, payload)
  const deflated = await new CompactSign(deflateRawSync(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'RS256', kid: 'r1', zip: 'DEF' }).sign(key.privateKey)
  const rows: Array<[string, string]> = [
    ['zip DEF, a plain payload (SignJWT)', await sign(key, { header: { zip: 'DEF' } })],
    ['zip DEF, a deflated payload (CompactSign)', deflated],
    ['zip null', raw({ zip: null })],
    ['x5c', raw({ x5c: [Buffer.from('not a certificate').toString('base64')] })],
    ['jku', raw({ jku: 'http://127.0.0.1:1/jwks.json' })],
    ['x5u', raw({ x5u: 'http://127.0.0.1:1/cert.pem' })],
    ['jwk', raw({ jwk: key.jwk })],
    ['crit naming an unknown extension', raw({ crit: ['x-must-understand'], 'x-must-understand': true })],
    ['crit b64 false (an unencoded payload)', raw({ crit: ['b64'], b64: false })],
    ['crit b64 true', raw({ crit: ['b64'], b64: true })],
    ['crit naming an inherited property', raw({ crit: ['constructor'], constructor: 1 })],
    ['crit naming a registered parameter', raw({ crit: ['exp'], exp: payload.exp })],
    ['crit empty', raw({ crit: [] })],
    ['crit not a list', raw({ crit: 'x-must-understand' })]
  ]
  for (const [name, token] of rows) {
    await t.test(name, async () => assert.deepEqual(await tokenRefusal(stack, token), refused('header')))
  }
  assert.deepEqual(stack.triton.received, [])
  await t.test('the same token without them', async () => assert.deepEqual(await tokenRefusal(stack, raw({})), PASSED))
})
