/**
 * The opt-in inference routes (docs/routes.md: vLLM `pooling` and `embed-v2`, Triton
 * `model-config`, TorchServe's `PUT /explanations`): with their group on, forwarded and scoped by
 * model (a key scoped to other models gets 403, nothing forwarded); with it off, 404 and nothing
 * forwarded.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Client } from 'undici'
import type { Emulator, Framework } from '../../src/emulators/index.js'
import { auth, KEYS, startStack, type Stack } from '../helpers/stack.js'
import { gatewayRefusal } from '../helpers/refusal.js'

interface Request {
  readonly method: string
  readonly target: string
  readonly body?: string
}

interface Row {
  readonly name: string
  readonly upstream: Framework
  readonly request: Request
  /** The same route naming a model outside the scoped key's (`demo-llm`, `demo-tensor`). */
  readonly outOfScope: Request
}

const vllmPost = (target: string, body: Record<string, unknown>): readonly [Request, Request] => [
  { method: 'POST', target, body: JSON.stringify({ model: 'demo-llm', ...body }) },
  { method: 'POST', target, body: JSON.stringify({ model: 'other-llm', ...body }) }
]
const row = (name: string, upstream: Framework, [request, outOfScope]: readonly [Request, Request]): Row => ({ name, upstream, request, outOfScope })

const ROWS: readonly Row[] = [
  row('vLLM messages: POST /v1/messages', 'vllm', vllmPost('/v1/messages', { max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] })),
  row('vLLM messages: POST /v1/messages/count_tokens', 'vllm', vllmPost('/v1/messages/count_tokens', { messages: [{ role: 'user', content: 'hi' }] })),
  row('vLLM pooling: POST /pooling', 'vllm', vllmPost('/pooling', { input: 'a b' })),
  row('vLLM pooling: POST /classify', 'vllm', vllmPost('/classify', { input: ['a', 'b'] })),
  row('vLLM pooling: POST /score', 'vllm', vllmPost('/score', { text_1: 'a', text_2: 'b' })),
  row('vLLM pooling: POST /rerank', 'vllm', vllmPost('/rerank', { query: 'q', documents: ['a'] })),
  row('vLLM embed-v2: POST /v2/embed', 'vllm', vllmPost('/v2/embed', { texts: ['a'], input_type: 'search_query' })),
  row('Triton model-config: GET /v2/models/{m}/config', 'triton', [
    { method: 'GET', target: '/v2/models/demo-tensor/config' },
    { method: 'GET', target: '/v2/models/other-tensor/config' }
  ]),
  row('Triton model-config: GET /v2/models/{m}/versions/{v}/config', 'triton', [
    { method: 'GET', target: '/v2/models/demo-tensor/versions/1/config' },
    { method: 'GET', target: '/v2/models/other-tensor/versions/1/config' }
  ]),
  // the scoped key does not name demo-model
  row('TorchServe explanations: PUT /explanations/{m}', 'torchserve', [
    { method: 'PUT', target: '/explanations/demo-model', body: 'raw input' },
    { method: 'PUT', target: '/explanations/demo-model', body: 'raw input' }
  ]),
  row('TorchServe explanations: PUT /explanations/{m}/{v}', 'torchserve', [
    { method: 'PUT', target: '/explanations/demo-model/1.0', body: 'raw input' },
    { method: 'PUT', target: '/explanations/demo-model/1.0', body: 'raw input' }
  ])
]

const GROUPS_ON = {
  vllm: { routes: ['messages', 'pooling', 'embed-v2'] },
  triton: { routes: ['model-config'] },
  torchserve: { routes: ['explanations'] }
}
// the backends serve the out-of-scope models too, so only the gateway's scope check can refuse them
const EMULATORS = { vllm: { models: ['demo-llm', 'other-llm'] }, triton: { models: ['demo-tensor', 'other-tensor'] } }

function emulatorsOf (stack: Stack): Record<Framework, Emulator> {
  return { vllm: stack.vllm, triton: stack.triton, torchserve: stack.torchserve }
}

async function send (client: Client, request: Request, key: string): Promise<{ status: number, text: string }> {
  const response = await client.request({
    method: request.method,
    path: request.target,
    headers: { ...auth(key), ...(request.body === undefined ? {} : { 'content-type': request.body.startsWith('{') ? 'application/json' : 'application/octet-stream' }) },
    body: request.body ?? null
  })
  return { status: response.statusCode, text: await response.body.text() }
}

function assertNothingForwarded (stack: Stack): void {
  for (const emulator of Object.values(emulatorsOf(stack))) {
    assert.deepEqual(emulator.received.map(r => `${r.method} ${r.url}`), [], `${emulator.framework} received it`)
  }
}

function resetAll (stack: Stack): void {
  for (const emulator of Object.values(emulatorsOf(stack))) emulator.reset()
}

test('opt-in routes with their group on: forwarded, and scoped by model', async t => {
  const stack = await startStack(t, { upstreams: GROUPS_ON, emulators: EMULATORS })
  const client = new Client(stack.url)
  t.after(() => client.close())

  for (const { name, upstream, request, outOfScope } of ROWS) {
    await t.test(`${name}: forwarded`, async () => {
      resetAll(stack)
      const { status, text } = await send(client, request, KEYS.alice)
      assert.equal(status, 200, text.slice(0, 300))
      assert.deepEqual(emulatorsOf(stack)[upstream].received.map(r => `${r.method} ${r.url}`), [`${request.method} ${request.target}`])
      JSON.parse(text)
    })
    await t.test(`${name}: a key scoped to other models gets 403`, async () => {
      resetAll(stack)
      const { status, text } = await send(client, outOfScope, KEYS.scoped)
      assert.equal(status, 403, text.slice(0, 300))
      assert.equal(gatewayRefusal(text).code, 'IG_ERR_MODEL_NOT_ALLOWED')
      assertNothingForwarded(stack)
    })
  }
})

test('opt-in routes with their group off: 404, nothing forwarded', async t => {
  const stack = await startStack(t, { emulators: EMULATORS })
  const client = new Client(stack.url)
  t.after(() => client.close())

  for (const { name, request } of ROWS) {
    await t.test(name, async () => {
      const { status, text } = await send(client, request, KEYS.alice)
      assert.equal(status, 404, text.slice(0, 300))
      assert.equal(gatewayRefusal(text).code, 'IG_ERR_ROUTE_NOT_ALLOWED')
      assertNothingForwarded(stack)
    })
  }
})
