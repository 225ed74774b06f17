/**
 * TorchServe's vLLM handler, its OpenAI API under `/predictions/{m}/{v}/v1` (group `hosted-openai`),
 * as the official openai SDK calls it: scoped by the path's model (the JSON `model` is the handler's
 * own second name, required but never scoped), refusals in the OpenAI envelope, vLLM's guards and the
 * token budget as on vLLM, and no client `url_path` header reaching the handler.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import OpenAI from 'openai'
import { request } from 'undici'
import { hashKey } from '../../src/auth/api-keys.js'
import { HOSTED_MODEL } from '../../src/emulators/torchserve.js'
import { gatewayRefusal } from '../helpers/refusal.js'
import { auth, KEYS, startStack, type Stack, type StackOptions } from '../helpers/stack.js'
import { eventually } from '../limits/helpers.js'

const BASE = '/predictions/demo-model/1.0/v1'
// A key scoped to TorchServe's model only: the JSON model names something else altogether.
const TORCHSERVE_ONLY = 'ig_test-tsonly-0123456789abcdefghijklmnopqrst'

const hostedStack = (t: Parameters<typeof startStack>[0], options: StackOptions = {}): Promise<Stack> => startStack(t, {
  ...options,
  emulators: { torchserve: { tokens: 5 } },
  upstreams: { torchserve: { routes: ['hosted-openai'], ...options.upstreams?.torchserve } },
  config: {
    auth: {
      apiKeys: [
        { id: 'alice', sha256: hashKey(KEYS.alice) },
        { id: 'scoped', sha256: hashKey(KEYS.scoped), models: ['demo-llm', 'demo-tensor'] },
        { id: 'ts-only', sha256: hashKey(TORCHSERVE_ONLY), models: ['demo-model'] }
      ]
    },
    ...options.config
  }
})

const sdk = (stack: Stack, key: string = KEYS.alice) => new OpenAI({ baseURL: `${stack.url}${BASE}`, apiKey: key, maxRetries: 0 })

async function rejected (promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const err = await promise.then(() => assert.fail('admitted'), (err: unknown) => err)
  assert.ok(err instanceof OpenAI.APIError, String(err))
  return err
}

test('the openai SDK with baseURL …/predictions/{m}/{v}/v1: chat, streamed chat, completions, models', async t => {
  const stack = await hostedStack(t)
  const client = sdk(stack)
  const chat = await client.chat.completions.create({ model: HOSTED_MODEL, messages: [{ role: 'user', content: 'hi' }] })
  assert.equal(chat.choices[0]?.message.content, ' tok0 tok1 tok2 tok3 tok4')
  assert.equal(chat.model, HOSTED_MODEL)

  const stream = await client.chat.completions.create({ model: HOSTED_MODEL, messages: [{ role: 'user', content: 'hi' }], stream: true })
  let text = ''
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
  assert.equal(text, ' tok0 tok1 tok2 tok3 tok4')

  const completion = await client.completions.create({ model: HOSTED_MODEL, prompt: 'hi', max_tokens: 3 })
  assert.equal(completion.choices[0]?.text, ' tok0 tok1 tok2')

  const models = await client.models.list()
  assert.deepEqual(models.data.map(m => m.id), [HOSTED_MODEL])
  assert.deepEqual(stack.torchserve.received.map(r => `${r.method} ${r.url}`), [
    `POST ${BASE}/chat/completions`, `POST ${BASE}/chat/completions`, `POST ${BASE}/completions`, `GET ${BASE}/models`
  ])
  for (const received of stack.torchserve.received) assert.equal(received.headers.authorization, undefined)
})

test('scope comes from the path\'s model, never the JSON model; the JSON model must be a string', async t => {
  const stack = await hostedStack(t)
  // The JSON model is in this key's scope, the path's is not.
  const outOfScope = await rejected(sdk(stack, KEYS.scoped).chat.completions.create({ model: 'demo-llm', messages: [] }))
  assert.ok(outOfScope instanceof OpenAI.PermissionDeniedError)
  assert.equal(outOfScope.code, 'IG_ERR_MODEL_NOT_ALLOWED')
  assert.equal(outOfScope.type, 'permission_error')
  assert.match(outOfScope.message, /model "demo-model" is not allowed/)
  const models = await rejected(sdk(stack, KEYS.scoped).models.list())
  assert.equal(models.code, 'IG_ERR_MODEL_NOT_ALLOWED')
  assert.equal(stack.torchserve.received.length, 0)

  // The path's model is in scope: the JSON model is the handler's to check, whatever it names.
  const handlerRefusal = await rejected(sdk(stack, TORCHSERVE_ONLY).chat.completions.create({ model: 'secret-model', messages: [] }))
  assert.equal(handlerRefusal.status, 404)
  assert.match(handlerRefusal.message, /secret-model/)
  assert.equal(stack.torchserve.received.length, 1)
  assert.equal((await sdk(stack, TORCHSERVE_ONLY).chat.completions.create({ model: HOSTED_MODEL, messages: [] })).model, HOSTED_MODEL)

  stack.torchserve.reset()
  for (const [name, body] of [['no model', { messages: [] }], ['a number', { model: 7, messages: [] }], ['an empty string', { model: '', messages: [] }]] as const) {
    await t.test(name, async () => {
      const response = await request(`${stack.url}${BASE}/chat/completions`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify(body) })
      const text = await response.body.text()
      assert.equal(response.statusCode, 400, text)
      assert.equal(gatewayRefusal(text).code, 'IG_ERR_MODEL_REQUIRED')
      assert.equal((JSON.parse(text) as { error: { param: string } }).error.param, 'model')
    })
  }
  await t.test('a body that is not JSON', async () => {
    const response = await request(`${stack.url}${BASE}/completions`, { method: 'POST', headers: { ...auth(), 'content-type': 'text/plain' }, body: 'hi' })
    assert.equal(response.statusCode, 415)
    assert.equal(gatewayRefusal(await response.body.text()).code, 'IG_ERR_MEDIA_TYPE')
  })
  assert.equal(stack.torchserve.received.length, 0)
})

test('the hosted-openai routes are fixed suffixes and off unless the group is on', async t => {
  const off = await startStack(t)
  const refused = await rejected(sdk(off).chat.completions.create({ model: HOSTED_MODEL, messages: [] }))
  assert.equal(refused.status, 404)
  const stack = await hostedStack(t)
  for (const path of [`${BASE}/embeddings`, `${BASE}/chat/completions/batch`, `${BASE}/responses`, `${BASE}/x/../models`, '/predictions/demo-model/v1/chat/completions']) {
    await t.test(path, async () => {
      const response = await request(`${stack.url}${path}`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ model: HOSTED_MODEL }) })
      await response.body.dump()
      assert.ok(response.statusCode === 404 || response.statusCode === 400, `${response.statusCode}`)
    })
  }
  assert.equal(off.torchserve.received.length + stack.torchserve.received.length, 0)
})

test('no client url_path header (any spelling) reaches the handler, which would route on it', async t => {
  const stack = await hostedStack(t)
  const spellings = ['url_path', 'URL_PATH', 'url-path', 'X-Url-Path', 'Url.Path']
  for (const name of spellings) {
    await t.test(name, async () => {
      stack.torchserve.reset()
      const response = await request(`${stack.url}${BASE}/chat/completions`, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json', [name]: 'v1/models' },
        body: JSON.stringify({ model: HOSTED_MODEL, messages: [] })
      })
      const body = await response.body.json() as { object: string }
      assert.equal(response.statusCode, 200)
      // A model list would mean the handler took the client's url_path.
      assert.equal(body.object, 'chat.completion')
      const forwarded = Object.keys(stack.torchserve.received[0]?.headers ?? {})
      assert.deepEqual(forwarded.filter(header => /url.?path/i.test(header)), [])
    })
  }
})

test('vLLM\'s guards and the token budget apply to the hosted routes', async t => {
  const stack = await hostedStack(t, {
    upstreams: { torchserve: { guards: { 'vllm-n': { max: 2 } } } },
    config: { rateLimit: { tokens: { max: 100 } } }
  })
  const client = sdk(stack)
  const template = await rejected(client.chat.completions.create({ model: HOSTED_MODEL, messages: [], chat_template: '{{ 7*7 }}' } as OpenAI.ChatCompletionCreateParamsNonStreaming))
  assert.equal(template.status, 400)
  assert.equal(template.code, 'IG_ERR_GUARD_REFUSED')
  assert.match(template.message, /vllm-chat-template/)
  const embeds = await rejected(client.completions.create({ model: HOSTED_MODEL, prompt: 'x', prompt_embeds: 'AAAA' } as OpenAI.CompletionCreateParamsNonStreaming))
  assert.match(embeds.message, /vllm-prompt-embeds/)
  const tooLarge = await rejected(client.completions.create({ model: HOSTED_MODEL, prompt: 'x', max_tokens: 101 }))
  assert.equal(tooLarge.code, 'IG_ERR_TOKEN_REQUEST_TOO_LARGE')
  assert.equal(stack.torchserve.received.length, 0)

  // n is capped: 3 tokens × 2 choices reserved, the 3 generated settled.
  await client.chat.completions.create({ model: HOSTED_MODEL, messages: [], n: 9, max_tokens: 3 })
  assert.equal((JSON.parse(stack.torchserve.received[0]?.body.toString() ?? '{}') as { n: number }).n, 2)
  // A stream's usage: asked for by the gateway, read, and kept from the client that did not ask.
  const stream = await client.chat.completions.create({ model: HOSTED_MODEL, messages: [], max_tokens: 90, stream: true })
  const chunks: OpenAI.ChatCompletionChunk[] = []
  for await (const chunk of stream) chunks.push(chunk)
  assert.equal(chunks.some(chunk => chunk.usage !== undefined && chunk.usage !== null), false)
  assert.deepEqual((JSON.parse(stack.torchserve.received[1]?.body.toString() ?? '{}') as { stream_options: unknown }).stream_options, { include_usage: true })
  // Settled from usage (3 and 5 tokens used), 92 are left: a 90-token request fits again.
  await eventually(async () => {
    const again = await request(`${stack.url}${BASE}/completions`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ model: HOSTED_MODEL, prompt: 'x', max_tokens: 90 }) })
    await again.body.dump()
    assert.equal(again.statusCode, 200)
  })
})
