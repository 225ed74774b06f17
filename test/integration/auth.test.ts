import assert from 'node:assert/strict'
import { test } from 'node:test'
import { request } from 'undici'
import { auth, KEYS, startStack } from '../helpers/stack.js'

const chatBody = JSON.stringify({ model: 'demo-llm', messages: [] })

test('missing, malformed and unknown credentials get 401 with WWW-Authenticate and reach no upstream', async (t) => {
  const stack = await startStack(t)
  const attempts: Array<Record<string, string>> = [
    {},
    { authorization: 'Bearer' },
    { authorization: `Basic ${Buffer.from(`u:${KEYS.alice}`).toString('base64')}` },
    { authorization: `Bearer ${KEYS.alice}x` },
    { authorization: `Bearer ${KEYS.alice.toUpperCase()}` },
    { 'x-api-key': 'nope' },
    { authorization: `Bearer ${KEYS.alice}`, 'x-api-key': KEYS.scoped },
    { authorization: `Bearer ${'a'.repeat(5000)}` }
  ]
  for (const headers of attempts) {
    const response = await request(`${stack.url}/v1/chat/completions`, {
      method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: chatBody
    })
    assert.equal(response.statusCode, 401, JSON.stringify(headers).slice(0, 80))
    assert.match(String(response.headers['www-authenticate']), /^Bearer/)
    const body = await response.body.json() as { error: { code: string } }
    assert.equal(body.error.code, 'IG_ERR_UNAUTHENTICATED')
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
    assert.equal((await response.body.json() as { error: { code: string } }).error.code, 'IG_ERR_MODEL_NOT_ALLOWED')
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
