import assert from 'node:assert/strict'
import { test } from 'node:test'
import { request } from 'undici'
import { hashKey } from '../../src/auth/api-keys.js'
import { AUDIENCE, ISSUER, kidVariants, refusalOf, signingKey, signToLength } from '../auth/jwt-fixtures.js'
import { auth, KEYS, startStack } from '../helpers/stack.js'
import { gatewayRefusal } from '../helpers/refusal.js'

const chatBody = JSON.stringify({ model: 'demo-llm', messages: [] })

test('missing, malformed and unknown credentials get 401 with WWW-Authenticate and reach no upstream', async (t) => {
  const stack = await startStack(t)
  const attempts: Array<[string, Record<string, string>]> = [
    ['no credential', {}],
    ['Bearer without a token', { authorization: 'Bearer' }],
    ['a key as Basic credentials', { authorization: `Basic ${Buffer.from(`u:${KEYS.alice}`).toString('base64')}` }],
    ['a key with one character more', { authorization: `Bearer ${KEYS.alice}x` }],
    ['a key in upper case', { authorization: `Bearer ${KEYS.alice.toUpperCase()}` }],
    ['an unknown X-API-Key', { 'x-api-key': 'nope' }],
    ['two different keys, Authorization and X-API-Key', { authorization: `Bearer ${KEYS.alice}`, 'x-api-key': KEYS.scoped }],
    ['a 5000-character token', { authorization: `Bearer ${'a'.repeat(5000)}` }]
  ]
  for (const [name, headers] of attempts) {
    await t.test(name, async () => {
      const response = await request(`${stack.url}/v1/chat/completions`, {
        method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: chatBody
      })
      assert.equal(response.statusCode, 401)
      assert.match(String(response.headers['www-authenticate']), /^Bearer/)
      assert.equal(gatewayRefusal(await response.body.json()).code, 'IG_ERR_UNAUTHENTICATED')
    })
  }
  // Never from the query string.
  const query = await request(`${stack.url}/v1/models?api_key=${KEYS.alice}`)
  assert.equal(query.statusCode, 401)
  await query.body.dump()
  // Management routes answer 401 too: anonymous callers learn nothing about the allowlist.
  const management = await request(`${stack.url}/v2/repository/index`, { method: 'POST' })
  assert.equal(management.statusCode, 401)
  await management.body.dump()
  assert.deepEqual(stack.vllm.received, [])
  assert.deepEqual(stack.triton.received, [])
})

test('Bearer and x-api-key both work; client credentials never reach the upstream, its own credential does', async (t) => {
  const stack = await startStack(t, {
    emulators: { vllm: { requireToken: 'vllm-secret' } },
    upstreams: { vllm: { headers: { authorization: 'Bearer vllm-secret' } } }
  })
  for (const headers of [auth(), { 'x-api-key': KEYS.alice }, { authorization: `bearer   ${KEYS.alice}` }]) {
    const response = await request(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', cookie: 'session=s3cr3t', 'proxy-authorization': 'Basic eA==' },
      body: chatBody
    })
    assert.equal(response.statusCode, 200)
    await response.body.dump()
  }
  assert.equal(stack.vllm.received.length, 3)
  for (const received of stack.vllm.received) {
    assert.equal(received.headers.authorization, 'Bearer vllm-secret')
    assert.equal(received.headers['x-api-key'], undefined)
    assert.equal(received.headers.cookie, undefined)
    assert.equal(received.headers['proxy-authorization'], undefined)
    assert.ok(!JSON.stringify(received.headers).includes(KEYS.alice))
  }
})

test('an identity may use only its models: 403 outside its scope, nothing forwarded', async (t) => {
  const stack = await startStack(t, { emulators: { triton: { models: ['demo-tensor', 'other-tensor'] } } })
  const scoped = auth(KEYS.scoped)
  const refused = [
    request(`${stack.url}/v2/models/other-tensor/infer`, { method: 'POST', headers: { ...scoped, 'content-type': 'application/json' }, body: '{}' }),
    request(`${stack.url}/predictions/demo-model`, { method: 'POST', headers: scoped, body: 'x' }),
    request(`${stack.url}/v1/chat/completions`, {
      method: 'POST', headers: { ...scoped, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'secret-llm', messages: [] })
    })
  ]
  for (const response of await Promise.all(refused)) {
    assert.equal(response.statusCode, 403)
    assert.equal(gatewayRefusal(await response.body.json()).code, 'IG_ERR_MODEL_NOT_ALLOWED')
  }
  assert.deepEqual(stack.triton.received, [])
  assert.deepEqual(stack.torchserve.received, [])
  assert.deepEqual(stack.vllm.received, [])
  const allowed = await request(`${stack.url}/v2/models/demo-tensor`, { headers: scoped })
  assert.equal(allowed.statusCode, 200)
  await allowed.body.dump()
})

test('x-request-id is propagated when safe, generated otherwise, and echoed to the client', async (t) => {
  const stack = await startStack(t)
  const given = await request(`${stack.url}/v2/models/demo-tensor`, { headers: { ...auth(), 'x-request-id': 'trace-123' } })
  await given.body.dump()
  assert.equal(given.headers['x-request-id'], 'trace-123')
  assert.equal(stack.triton.received[0]?.headers['x-request-id'], 'trace-123')
  const unsafe = await request(`${stack.url}/v2/models/demo-tensor`, { headers: { ...auth(), 'x-request-id': 'bad id\u0001'.replace('\u0001', '') + ' <script>' } })
  await unsafe.body.dump()
  assert.match(String(unsafe.headers['x-request-id']), /^[0-9a-f]{12}-[0-9a-z]+$/)
  assert.equal(stack.triton.received[1]?.headers['x-request-id'], unsafe.headers['x-request-id'])
})

test('the credential cap follows the largest maxTokenBytes; API keys stay capped at 4,096', async (t) => {
  const keys = kidVariants(await signingKey('ES256', 'k1'))
  const stack = await startStack(t, {
    config: {
      limits: { headerBytes: 65_536 },
      auth: {
        apiKeys: [{ id: 'alice', sha256: hashKey(KEYS.alice) }],
        jwt: { issuer: ISSUER, audience: AUDIENCE, publicKeys: keys.map(k => k.jwk), algorithms: ['ES256'], maxTokenBytes: 16_384 }
      }
    }
  })
  const jwt = await signToLength(keys, 10_000)
  const refused = (method: string) => ({ status: 401, code: 'IG_ERR_UNAUTHENTICATED', method, reason: 'too_long' })
  const passed = { status: 200, code: undefined, method: undefined, reason: undefined }
  const rows: Array<[string, Record<string, string>, object]> = [
    ['a 10,000-byte JWT', auth(jwt), passed],
    ['a 16,384-byte JWT', auth(await signToLength(keys, 16_384)), passed],
    ['a 16,385-byte JWT: over every cap, refused before its kind is known', auth(await signToLength(keys, 16_385)), refused('none')],
    ['a 4,097-character API key (Bearer)', auth('a'.repeat(4097)), refused('api-key')],
    ['a 4,097-character API key (x-api-key)', { 'x-api-key': 'a'.repeat(4097) }, refused('api-key')],
    ['the 10,000-byte JWT in x-api-key, where it is an API key', { 'x-api-key': jwt }, refused('api-key')],
    ['a 4,096-character API key is looked up', auth('a'.repeat(4096)), { ...refused('api-key'), reason: 'unknown' }],
    ['a 60,000-character value', auth('a'.repeat(60_000)), refused('none')],
    ['a known API key', auth(), passed]
  ]
  for (const [name, headers, expected] of rows) {
    await t.test(name, async () => assert.deepEqual(await refusalOf(stack, headers), expected))
  }
  assert.equal(stack.triton.received.length, 3)
  assert.ok(stack.triton.received.every(r => r.headers.authorization === undefined && r.headers['x-api-key'] === undefined))
})
