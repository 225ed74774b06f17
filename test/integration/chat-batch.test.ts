/**
 * vLLM's chat batch (`POST /v1/chat/completions/batch`, group `batch`): scoped by the JSON
 * `model` like chat, never streamed, message and `n` caps per conversation, the conversations
 * counted as a prompt list, and a token reservation of max_tokens × n × conversations.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { gatewayRefusal } from '../helpers/refusal.js'
import { auth, KEYS, startStack, type StackOptions } from '../helpers/stack.js'

const PATH = '/v1/chat/completions/batch'
const conversation = (messages = 1) => Array.from({ length: messages }, (_, i) => ({ role: 'user', content: `message ${i}` }))

async function batch (url: string, fields: Record<string, unknown>, key: string = KEYS.alice) {
  const response = await request(`${url}${PATH}`, {
    method: 'POST',
    headers: { ...auth(key), 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'demo-llm', messages: [conversation(), conversation()], ...fields })
  })
  const text = await response.body.text()
  return { status: response.statusCode, text, code: response.statusCode >= 400 ? gatewayRefusal(text).code : undefined }
}

const withBatch = (extra: Record<string, unknown> = {}, config: StackOptions['config'] = undefined): StackOptions =>
  ({ upstreams: { vllm: { routes: ['batch'], ...extra } }, ...(config === undefined ? {} : { config }) })

test('the batch group forwards a batch, scoped by the JSON model; off, the route is refused', async t => {
  const off = await startStack(t)
  const refused = await batch(off.url, {})
  assert.equal(refused.status, 404)
  assert.equal(refused.code, 'IG_ERR_ROUTE_NOT_ALLOWED')
  assert.equal(off.vllm.received.length, 0)

  const stack = await startStack(t, { ...withBatch(), emulators: { vllm: { models: ['demo-llm', 'other-llm'] } } })
  const answered = await batch(stack.url, { max_tokens: 3 })
  assert.equal(answered.status, 200, answered.text)
  const body = JSON.parse(answered.text) as { choices: Array<{ index: number }>, usage: { completion_tokens: number } }
  assert.deepEqual(body.choices.map(choice => choice.index), [0, 1])
  assert.equal(body.usage.completion_tokens, 6)
  assert.equal(stack.vllm.received.length, 1)

  const outOfScope = await batch(stack.url, { model: 'other-llm' }, KEYS.scoped)
  assert.equal(outOfScope.status, 403)
  assert.equal(outOfScope.code, 'IG_ERR_MODEL_NOT_ALLOWED')
  const noModel = await batch(stack.url, { model: undefined })
  assert.equal(noModel.code, 'IG_ERR_MODEL_REQUIRED')
  assert.equal(stack.vllm.received.length, 1)
  // Metrics and logs take the route like any other.
  assert.match(await stack.gateway.metrics.registry.metrics(), /route="chat-completions-batch"/)
})

test('a chat batch never streams: any "stream" but false is refused before it is forwarded', async t => {
  const stack = await startStack(t, withBatch())
  for (const stream of [true, 'true', 1]) {
    await t.test(`stream: ${JSON.stringify(stream)}`, async () => {
      const refused = await batch(stack.url, { stream })
      assert.equal(refused.status, 400, refused.text)
      assert.equal(refused.code, 'IG_ERR_BODY_INVALID')
      assert.match(gatewayRefusal(refused.text).message, /"stream" is not supported on \/v1\/chat\/completions\/batch/)
    })
  }
  assert.equal(stack.vllm.received.length, 0)
  assert.equal((await batch(stack.url, { stream: false })).status, 200)
})

test('guards apply per conversation: message caps, conversation count, n and max_tokens caps', async t => {
  const stack = await startStack(t, withBatch({ guards: { 'vllm-message-count': { max: 2 }, 'vllm-prompt-count': { max: 3 }, 'vllm-n': { max: 2 }, 'vllm-max-tokens': { max: 5 } } }))
  const rows: ReadonlyArray<readonly [string, Record<string, unknown>, string | undefined]> = [
    ['three conversations of two messages (six in all) pass', { messages: [conversation(2), conversation(2), conversation(2)] }, undefined],
    ['a conversation over the message cap', { messages: [conversation(1), conversation(3)] }, 'vllm-message-count.*messages\\[1\\] holds 3 messages, more than 2'],
    ['a conversation that is not a list', { messages: [conversation(1), { role: 'user', content: 'flat' }] }, 'vllm-message-count.*messages\\[1\\] is not a conversation'],
    ['more conversations than the prompt-count cap', { messages: [conversation(), conversation(), conversation(), conversation()] }, 'vllm-prompt-count.*"messages" holds 4 prompts, more than 3'],
    ['a client chat template', { chat_template: '{{ x }}' }, 'vllm-chat-template']
  ]
  for (const [name, fields, refusal] of rows) {
    await t.test(name, async () => {
      stack.vllm.reset()
      const answer = await batch(stack.url, fields)
      if (refusal === undefined) {
        assert.equal(answer.status, 200, answer.text)
        return
      }
      assert.equal(answer.status, 400, answer.text)
      assert.equal(answer.code, 'IG_ERR_GUARD_REFUSED')
      assert.match(gatewayRefusal(answer.text).message, new RegExp(refusal))
      assert.equal(stack.vllm.received.length, 0)
    })
  }
  await t.test('n and max_tokens are capped for every conversation', async () => {
    stack.vllm.reset()
    assert.equal((await batch(stack.url, { n: 50, max_tokens: 500 })).status, 200)
    const forwarded = JSON.parse((stack.vllm.received[0]?.body ?? '').toString()) as Record<string, unknown>
    assert.equal(forwarded['n'], 2)
    assert.equal(forwarded['max_tokens'], 5)
  })
})

test('the token budget reserves max_tokens × n × conversations', async t => {
  const stack = await startStack(t, withBatch({}, { rateLimit: { tokens: { max: 100 } } }))
  const over = await batch(stack.url, { max_tokens: 20, n: 2, messages: [conversation(), conversation(), conversation()] })
  assert.equal(over.status, 400, over.text)
  assert.equal(over.code, 'IG_ERR_TOKEN_REQUEST_TOO_LARGE')
  assert.match(gatewayRefusal(over.text).message, /reserves 120 tokens, more than the whole budget of 100/)
  assert.equal(stack.vllm.received.length, 0)
  // 20 × 2 × 2 = 80 fits; the emulator generates 8 tokens per conversation, 16 are settled.
  const fits = await batch(stack.url, { max_tokens: 20, n: 2 })
  assert.equal(fits.status, 200, fits.text)
})
