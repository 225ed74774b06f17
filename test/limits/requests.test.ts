import assert from 'node:assert/strict'
import { test } from 'node:test'
import { request } from 'undici'
import { KEYS, startStack } from '../helpers/stack.js'
import { chat } from './helpers.js'

test('requests per window: 429 IG_ERR_RATE_LIMITED with Retry-After and RateLimit headers; the upstream receives nothing', async (t) => {
  const stack = await startStack(t, { config: { rateLimit: { max: 2, timeWindow: '1 minute' } } })
  const first = await chat(stack.url)
  assert.equal(first.status, 200)
  assert.equal(first.headers['ratelimit-limit'], '2')
  assert.equal(first.headers['ratelimit-remaining'], '1')
  assert.equal((await chat(stack.url)).status, 200)
  const refused = await chat(stack.url)
  assert.equal(refused.status, 429)
  assert.equal(refused.code, 'IG_ERR_RATE_LIMITED')
  assert.ok(Number(refused.retryAfter) > 0 && Number(refused.retryAfter) <= 60, `Retry-After ${refused.retryAfter}`)
  assert.equal(refused.headers['ratelimit-remaining'], '0')
  assert.equal(stack.vllm.received.length, 2, 'the refused request was not forwarded')
  // Other routes and frameworks count against the same identity.
  const triton = await request(`${stack.url}/v2/health/ready`, { headers: { authorization: `Bearer ${KEYS.alice}` } })
  await triton.body.dump()
  assert.equal(triton.statusCode, 429)
  assert.equal(stack.triton.received.length, 0)
  const metrics = await (await request(`${stack.gateway.metricsUrl}/metrics`)).body.text()
  assert.match(metrics, /infergate_refusals_total\{reason="IG_ERR_RATE_LIMITED"\} 2/)
})

test('per-identity overrides: each identity has its own counter and its own max', async (t) => {
  const stack = await startStack(t, { config: { rateLimit: { max: 1, identities: { scoped: { max: 3 } } } } })
  assert.equal((await chat(stack.url)).status, 200)
  assert.equal((await chat(stack.url)).code, 'IG_ERR_RATE_LIMITED')
  for (let i = 0; i < 3; i++) assert.equal((await chat(stack.url, {}, {}, KEYS.scoped)).status, 200)
  assert.equal((await chat(stack.url, {}, {}, KEYS.scoped)).code, 'IG_ERR_RATE_LIMITED')
})

test('an identity without a request limit is not counted; anonymous callers still get 401 first', async (t) => {
  const stack = await startStack(t, { config: { rateLimit: { identities: { scoped: { max: 1 } } } } })
  for (let i = 0; i < 3; i++) assert.equal((await chat(stack.url)).status, 200)
  const anonymous = await request(`${stack.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  await anonymous.body.dump()
  assert.equal(anonymous.statusCode, 401)
  assert.equal((await chat(stack.url, {}, {}, KEYS.scoped)).status, 200)
  assert.equal((await chat(stack.url, {}, {}, KEYS.scoped)).status, 429)
})
