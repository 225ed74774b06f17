/**
 * vLLM's Anthropic Messages API through the gateway with the official `@anthropic-ai/sdk` client:
 * a gateway key as the SDK's `apiKey` (sent as `x-api-key`), `anthropic-version` and
 * `anthropic-beta` passed to vLLM, the key never; refusals in Anthropic's error shape, as the SDK's
 * own typed errors; usage counted from Anthropic's fields.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import Anthropic from '@anthropic-ai/sdk'
import { startEmulator } from '../../src/emulators/index.js'
import { startGateway } from '../../src/serve.js'
import { KEYS, startEmulators, startStack, stackConfig } from '../helpers/stack.js'

const ask = { model: 'demo-llm', max_tokens: 64, messages: [{ role: 'user' as const, content: 'Say hello' }] }
const client = (url: string, key: string) => new Anthropic({ baseURL: url, apiKey: key, maxRetries: 0, defaultHeaders: { 'anthropic-beta': 'demo-beta-2026' } })

test('messages.create, messages.stream and countTokens through the gateway with a gateway key', async (t) => {
  const stack = await startStack(t, { emulators: { vllm: { tokens: 5 } }, upstreams: { vllm: { routes: ['messages'] } } })
  const anthropic = client(stack.url, KEYS.alice)

  const message = await anthropic.messages.create(ask)
  assert.equal(message.type, 'message')
  assert.deepEqual(message.content, [{ type: 'text', text: ' tok0 tok1 tok2 tok3 tok4' }])
  assert.deepEqual(message.usage, { input_tokens: 2, output_tokens: 5 })

  const stream = anthropic.messages.stream(ask)
  const events: string[] = []
  let text = ''
  for await (const event of stream) {
    events.push(event.type)
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text
  }
  assert.equal(text, ' tok0 tok1 tok2 tok3 tok4')
  // (the SDK drops `ping` events: test/emulators/vllm.test.ts sees them on the wire)
  assert.deepEqual([...new Set(events)], ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'])
  const final = await stream.finalMessage()
  assert.deepEqual(final.usage, { input_tokens: 2, output_tokens: 5 })

  const counted = await anthropic.messages.countTokens({ model: 'demo-llm', messages: [{ role: 'user', content: 'one two three' }] })
  assert.equal(counted.input_tokens, 3)

  assert.equal(stack.vllm.received.length, 3)
  for (const received of stack.vllm.received) {
    assert.equal(received.headers['x-api-key'], undefined, 'the gateway key never reaches vLLM')
    assert.equal(received.headers.authorization, undefined)
    assert.match(String(received.headers['anthropic-version']), /^\d{4}-\d{2}-\d{2}$/)
    assert.equal(received.headers['anthropic-beta'], 'demo-beta-2026')
  }
  const forwarded = JSON.parse(String(stack.vllm.received[1]?.body)) as Record<string, unknown>
  assert.equal(forwarded['stream'], true)

  // The message and the stream: prompt and completion tokens from Anthropic's usage fields; count_tokens generates nothing.
  const metrics = await stack.gateway.metrics.registry.metrics()
  assert.match(metrics, /infergate_tokens_total\{model="demo-llm",kind="prompt"\} 4\n/)
  assert.match(metrics, /infergate_tokens_total\{model="demo-llm",kind="completion"\} 10\n/)
  assert.match(metrics, /infergate_requests_total\{upstream="vllm",route="messages",status_class="2xx"\} 2\n/)
  assert.match(metrics, /infergate_requests_total\{upstream="vllm",route="messages-count-tokens",status_class="2xx"\} 1\n/)
})

test('refusals are the SDK\'s typed errors, in Anthropic\'s error shape, with the request id; vLLM receives nothing', async (t) => {
  const stack = await startStack(t, { upstreams: { vllm: { models: ['demo-llm'], routes: ['messages'] } } })
  const rows: ReadonlyArray<readonly [string, () => Promise<unknown>, abstract new (...args: never[]) => InstanceType<typeof Anthropic.APIError>, number, string, string]> = [
    ['unknown key', () => client(stack.url, 'ig_wrong').messages.create(ask), Anthropic.AuthenticationError, 401, 'authentication_error', 'IG_ERR_UNAUTHENTICATED'],
    ['model outside the key\'s scope', () => client(stack.url, KEYS.scoped).messages.create({ ...ask, model: 'other-llm' }), Anthropic.PermissionDeniedError, 403, 'permission_error', 'IG_ERR_MODEL_NOT_ALLOWED'],
    ['model outside the scope, streaming', () => client(stack.url, KEYS.scoped).messages.stream({ ...ask, model: 'other-llm' }).finalMessage(), Anthropic.PermissionDeniedError, 403, 'permission_error', 'IG_ERR_MODEL_NOT_ALLOWED'],
    ['count_tokens, model outside the scope', () => client(stack.url, KEYS.scoped).messages.countTokens({ model: 'other-llm', messages: [] }), Anthropic.PermissionDeniedError, 403, 'permission_error', 'IG_ERR_MODEL_NOT_ALLOWED'],
    ['model nobody serves', () => client(stack.url, KEYS.alice).messages.create({ ...ask, model: 'other-llm' }), Anthropic.NotFoundError, 404, 'not_found_error', 'IG_ERR_MODEL_NOT_FOUND'],
    ['Anthropic route vLLM does not offer (batches)', () => client(stack.url, KEYS.alice).messages.batches.list(), Anthropic.NotFoundError, 404, 'not_found_error', 'IG_ERR_ROUTE_NOT_ALLOWED']
  ]
  for (const [name, call, type, status, errorType, code] of rows) {
    await t.test(name, async () => {
      const err = await call().then(() => assert.fail('admitted'), (e: unknown) => e)
      assert.ok(err instanceof type, String(err))
      assert.equal(err.status, status)
      const body = err.error as { type: string, error: { type: string, message: string, code: string }, request_id: string }
      assert.equal(body.type, 'error')
      assert.equal(body.error.type, errorType)
      assert.equal(body.error.code, code)
      assert.ok(typeof err.requestID === 'string' && err.requestID.length > 0)
      assert.equal(body.request_id, err.requestID)
    })
  }
  assert.deepEqual(stack.vllm.received, [])
})

test('routing by model: each Messages request and count_tokens goes to the vLLM upstream serving its model', async (t) => {
  const emulators = await startEmulators(t)
  const other = await startEmulator('vllm', { models: ['other-llm'], tokens: 3 })
  t.after(() => other.close())
  const base = stackConfig(emulators)
  const gateway = await startGateway(stackConfig(emulators, {
    config: { upstreams: [{ ...base.upstreams[0], models: ['demo-llm'], routes: ['messages'] }, ...base.upstreams.slice(1), { name: 'vllm-other', framework: 'vllm', url: other.url, models: ['other-llm'], routes: ['messages'] }] }
  }))
  t.after(() => gateway.app.close())
  const anthropic = client(gateway.url, KEYS.alice)
  const message = await anthropic.messages.create({ ...ask, model: 'other-llm' })
  assert.equal(message.usage.output_tokens, 3)
  await anthropic.messages.stream(ask).finalMessage()
  await anthropic.messages.countTokens({ model: 'other-llm', messages: [{ role: 'user', content: 'a b' }] })
  assert.deepEqual(other.received.map(r => r.url), ['/v1/messages', '/v1/messages/count_tokens'])
  assert.deepEqual(emulators.vllm.received.map(r => r.url), ['/v1/messages'])
})
