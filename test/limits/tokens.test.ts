import assert from 'node:assert/strict'
import { once } from 'node:events'
import { test } from 'node:test'
import { request } from 'undici'
import type { RecordedRequest } from '../../src/emulators/index.js'
import { auth, KEYS, startStack } from '../helpers/stack.js'
import { chat, chatBody, eventually } from './helpers.js'
import { gatewayRefusal } from '../helpers/refusal.js'

const admitted = async (url: string, fields: Record<string, unknown>, headers: Record<string, string> = {}, key: string = KEYS.alice) => {
  const response = await chat(url, fields, headers, key)
  assert.equal(response.status, 200, response.text)
  return response
}

test('a request that would exceed what is left of the token budget: 429 IG_ERR_TOKEN_LIMITED with Retry-After, nothing forwarded', async (t) => {
  const stack = await startStack(t, { config: { rateLimit: { tokens: { max: 100, defaultMaxTokens: 60 } } } })
  await admitted(stack.url, { max_tokens: 60 }, { 'x-emulate-tokens': '60' })
  const over = await chat(stack.url, { max_tokens: 41 })
  assert.equal(over.status, 429)
  assert.equal(over.code, 'IG_ERR_TOKEN_LIMITED')
  assert.ok(Number(over.retryAfter) >= 1 && Number(over.retryAfter) <= 60, `Retry-After ${over.retryAfter}`)
  // No max_tokens: defaultMaxTokens is reserved.
  assert.equal((await chat(stack.url)).code, 'IG_ERR_TOKEN_LIMITED')
  assert.equal((await chat(stack.url, { max_completion_tokens: 40, max_tokens: 500 })).status, 200)
  assert.equal(stack.vllm.received.length, 2)
})

test('a request that can never fit the identity\'s budget: 400 IG_ERR_TOKEN_REQUEST_TOO_LARGE, no Retry-After, nothing reserved', async (t) => {
  const stack = await startStack(t, {
    config: { rateLimit: { tokens: { max: 20, defaultMaxTokens: 25 }, identities: { scoped: { tokens: { max: 50 } } } } }
  })
  const rows: Array<[string, Record<string, unknown>, string, number, number]> = [
    ['max_tokens over the default budget', { max_tokens: 30 }, KEYS.alice, 30, 20],
    ['max_completion_tokens wins over a smaller max_tokens', { max_completion_tokens: 21, max_tokens: 5 }, KEYS.alice, 21, 20],
    ['defaultMaxTokens over the budget, for a request naming none', {}, KEYS.alice, 25, 20],
    ['over the identity\'s own budget', { max_tokens: 51 }, KEYS.scoped, 51, 50]
  ]
  for (const [name, fields, key, tokens, max] of rows) {
    await t.test(name, async () => {
      const refused = await chat(stack.url, fields, {}, key)
      assert.equal(refused.status, 400)
      assert.equal(refused.code, 'IG_ERR_TOKEN_REQUEST_TOO_LARGE')
      assert.equal(refused.retryAfter, undefined)
      const message = gatewayRefusal(refused.text).message
      assert.match(message, new RegExp(`\\b${tokens}\\b.*\\b${max}\\b`))
    })
  }
  assert.equal(stack.vllm.received.length, 0)
  // Nothing was reserved: the whole budget is still there, and the identity's own budget applies.
  await admitted(stack.url, { max_tokens: 20 }, { 'x-emulate-tokens': '20' })
  await admitted(stack.url, { max_tokens: 30 }, { 'x-emulate-tokens': '30' }, KEYS.scoped)
  const metrics = await stack.gateway.metrics.registry.metrics()
  assert.match(metrics, /infergate_refusals_total\{reason="IG_ERR_TOKEN_REQUEST_TOO_LARGE"\} 4/)
})

test('settlement from usage: a 7-token answer with max_tokens 100 leaves 93 tokens available again', async (t) => {
  const stack = await startStack(t, { config: { rateLimit: { tokens: { max: 100 } } } })
  const answer = await admitted(stack.url, { max_tokens: 100 }, { 'x-emulate-tokens': '7' })
  assert.match(answer.text, /"completion_tokens":7/)
  await eventually(() => admitted(stack.url, { max_tokens: 93 }, { 'x-emulate-tokens': '93' }))
  // 7 + 93: the budget is spent.
  assert.equal((await chat(stack.url, { max_tokens: 1 })).code, 'IG_ERR_TOKEN_LIMITED')
})

test('concurrent streams cannot overshoot: reservations count while streaming; a cut stream is charged its reservation', async (t) => {
  const stack = await startStack(t, { config: { rateLimit: { tokens: { max: 100 } } } })
  const stream = await request(`${stack.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json', 'x-emulate-inter-token-ms': '60000' },
    body: chatBody({ stream: true, max_tokens: 60 })
  })
  await stream.body[Symbol.asyncIterator]().next()
  assert.equal((await chat(stack.url, { stream: true, max_tokens: 60 })).code, 'IG_ERR_TOKEN_LIMITED')
  await admitted(stack.url, { max_tokens: 40 }, { 'x-emulate-tokens': '40' })
  const settled = once(stack.vllm.events, 'settled')
  stream.body.destroy()
  assert.equal((await settled as [RecordedRequest])[0].outcome, 'aborted')
  // No usage arrived for the cut stream: it keeps its 60 (never refunded blindly), 60 + 40 = 100.
  for (let i = 0; i < 3; i++) assert.equal((await chat(stack.url, { max_tokens: 1 })).code, 'IG_ERR_TOKEN_LIMITED')
})

test('include_usage: injected upstream for a stream that did not ask, its usage chunk stripped, settled from it', async (t) => {
  const stack = await startStack(t, { config: { rateLimit: { tokens: { max: 50 } } } })
  const body = chatBody({ stream: true, max_tokens: 50, stream_options: { continuous_usage_stats: false } })
  const response = await request(`${stack.url}/v1/chat/completions`, {
    method: 'POST', headers: { ...auth(), 'content-type': 'application/json', 'x-emulate-tokens': '5' }, body
  })
  const text = await response.body.text()
  const forwarded = JSON.parse(String(stack.vllm.received[0]?.body)) as { stream_options: Record<string, unknown> }
  assert.deepEqual(forwarded.stream_options, { continuous_usage_stats: false, include_usage: true })
  assert.doesNotMatch(text, /"usage"/)
  assert.match(text, /"finish_reason":"length"/)
  assert.ok(text.endsWith('data: [DONE]\n\n'))
  assert.equal(text.split('\n\n').filter(frame => frame.startsWith('data: {')).length, 6, 'five tokens and the finish chunk')
  // Settled from the stripped usage: 5 of 50 used.
  await eventually(() => admitted(stack.url, { max_tokens: 45 }))
})

test('a client that asked for usage gets it, and every other body is forwarded byte for byte', async (t) => {
  const stack = await startStack(t, { config: { rateLimit: { tokens: { max: 1000 } } } })
  const asked = chatBody({ stream: true, max_tokens: 10, stream_options: { include_usage: true } })
  const response = await request(`${stack.url}/v1/chat/completions`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: asked })
  assert.match(await response.body.text(), /"choices":\[\],"usage":\{"prompt_tokens"/)
  const plain = chatBody({ max_tokens: 10 })
  await admitted(stack.url, { max_tokens: 10 })
  assert.deepEqual(stack.vllm.received.map(r => r.body.toString()), [asked, plain])
})

test('a token refusal after a concurrency slot was taken gives the slot back; other frameworks have no token budget', async (t) => {
  const stack = await startStack(t, { config: { rateLimit: { concurrency: 1, tokens: { max: 10 } } } })
  assert.equal((await chat(stack.url, { max_tokens: 11 })).code, 'IG_ERR_TOKEN_REQUEST_TOO_LARGE')
  await eventually(() => admitted(stack.url, { max_tokens: 5 }, { 'x-emulate-tokens': '5' }))
  await eventually(async () => assert.equal((await chat(stack.url, { max_tokens: 6 })).code, 'IG_ERR_TOKEN_LIMITED'))
  await eventually(() => admitted(stack.url, { max_tokens: 5 }))
  const triton = await request(`${stack.url}/v2/models/demo-tensor/infer`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'INPUT0', shape: [1, 1], datatype: 'FP32', data: [1] }] })
  })
  await triton.body.dump()
  assert.equal(triton.statusCode, 200)
})

/** An Anthropic Messages request (x-api-key, as its SDKs send the key) through the gateway. */
// The Anthropic Messages routes are the opt-in `messages` group.
const MESSAGES = { vllm: { routes: ['messages'] } }

async function messages (url: string, path: string, fields: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await request(`${url}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': KEYS.alice, 'anthropic-version': '2023-06-01', 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'demo-llm', messages: [{ role: 'user', content: 'hi' }], ...fields })
  })
  const text = await response.body.text()
  return { status: response.statusCode, text, code: response.statusCode >= 400 ? gatewayRefusal(text).code : undefined }
}

test('Anthropic Messages: max_tokens is the reservation, as vLLM applies it; count_tokens spends no budget', async (t) => {
  const stack = await startStack(t, { upstreams: MESSAGES, config: { rateLimit: { tokens: { max: 50, defaultMaxTokens: 60 } } } })
  const rows: Array<[string, string, Record<string, unknown>, number, string | undefined]> = [
    // vLLM's Anthropic request has no max_completion_tokens: it would not cap the generation.
    ['max_tokens over the budget, a small max_completion_tokens beside it', '/v1/messages', { max_tokens: 60, max_completion_tokens: 1 }, 400, 'IG_ERR_TOKEN_REQUEST_TOO_LARGE'],
    ['no max_tokens: defaultMaxTokens, over the budget', '/v1/messages', {}, 400, 'IG_ERR_TOKEN_REQUEST_TOO_LARGE'],
    ['count_tokens generates nothing: nothing reserved', '/v1/messages/count_tokens', {}, 200, undefined],
    ['count_tokens again', '/v1/messages/count_tokens', {}, 200, undefined]
  ]
  for (const [name, path, fields, status, code] of rows) {
    await t.test(name, async () => {
      const answer = await messages(stack.url, path, fields)
      assert.equal(answer.status, status, answer.text)
      assert.equal(answer.code, code)
      if (code !== undefined) assert.match(answer.text, /^\{"type":"error","error":\{"type":"invalid_request_error"/)
    })
  }
  // The whole budget is left for a message.
  assert.equal((await messages(stack.url, '/v1/messages', { max_tokens: 50 }, { 'x-emulate-tokens': '50' })).status, 200)
  assert.equal(stack.vllm.received.length, 3)
})

test('settlement from Anthropic usage: a message\'s usage.output_tokens, a stream\'s message_delta; streams are forwarded as sent', async (t) => {
  const stack = await startStack(t, { upstreams: MESSAGES, config: { rateLimit: { tokens: { max: 100 } } } })
  const message = await messages(stack.url, '/v1/messages', { max_tokens: 100 }, { 'x-emulate-tokens': '7' })
  assert.match(message.text, /"usage":\{"input_tokens":1,"output_tokens":7\}/)
  const streamed = await eventually(async () => {
    const answer = await messages(stack.url, '/v1/messages', { max_tokens: 93, stream: true }, { 'x-emulate-tokens': '3' })
    assert.equal(answer.status, 200, answer.text)
    return answer
  })
  assert.match(streamed.text, /event: message_delta\ndata: \{"type":"message_delta".*"usage":\{"output_tokens":3\}\}/)
  // Anthropic streams always report usage: nothing is asked for (no stream_options), the body is forwarded byte for byte.
  const sent = stack.vllm.received.at(-1)?.body.toString()
  assert.equal(sent, JSON.stringify({ model: 'demo-llm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 93, stream: true }))
  // 7 + 3 used: 90 left.
  await eventually(async () => assert.equal((await messages(stack.url, '/v1/messages', { max_tokens: 90 }, { 'x-emulate-tokens': '90' })).status, 200))
  assert.equal((await messages(stack.url, '/v1/messages', { max_tokens: 1 })).code, 'IG_ERR_TOKEN_LIMITED')
})

test('an Anthropic stream cut before message_delta is charged its reservation, though message_start reported usage', async (t) => {
  const stack = await startStack(t, { upstreams: MESSAGES, config: { rateLimit: { tokens: { max: 100 } } } })
  const stream = await request(`${stack.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': KEYS.alice, 'content-type': 'application/json', 'x-emulate-inter-token-ms': '60000' },
    body: JSON.stringify({ model: 'demo-llm', messages: [], max_tokens: 60, stream: true })
  })
  const first = await stream.body[Symbol.asyncIterator]().next()
  assert.match(String(first.value), /event: message_start/)
  const settled = once(stack.vllm.events, 'settled')
  stream.body.destroy()
  assert.equal((await settled as [RecordedRequest])[0].outcome, 'aborted')
  // message_start's output_tokens (0) is not the stream's usage: the 60 stay charged.
  for (let i = 0; i < 3; i++) assert.equal((await messages(stack.url, '/v1/messages', { max_tokens: 41 })).code, 'IG_ERR_TOKEN_LIMITED')
  await eventually(async () => assert.equal((await messages(stack.url, '/v1/messages', { max_tokens: 40 })).status, 200))
})
