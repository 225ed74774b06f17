/**
 * Path parameters that a backend reads differently from the gateway (docs/routes.md): TorchServe's KServe handlers cut the model name at its first ":", after decoding the path;
 * Triton never decodes it. Such a value must not reach that backend, even on the route Triton and
 * TorchServe share (`POST /v2/models/{model}/infer`), while the other candidate still gets what it
 * reads as the gateway does.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Client } from 'undici'
import { hashKey } from '../../src/auth/api-keys.js'
import type { Emulator, Framework } from '../../src/emulators/index.js'
import { gatewayRefusal } from '../helpers/refusal.js'
import { auth, KEYS, startStack } from '../helpers/stack.js'

const PUBLIC_KEY = 'ig_test-public-0123456789abcdefghijklmnopqrstu'
const TENSOR = JSON.stringify({ inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] })

const ROUTE_NOT_ALLOWED = { status: 404, code: 'IG_ERR_ROUTE_NOT_ALLOWED' }
// the route's other candidate (Triton) reads the name as the gateway does, but does not serve it
const MODEL_NOT_FOUND = { status: 404, code: 'IG_ERR_MODEL_NOT_FOUND' }

interface Row {
  readonly name: string
  readonly method: 'GET' | 'POST'
  readonly target: string
  readonly key?: string
}

const REFUSED: ReadonlyArray<Row & { readonly expected: { status: number, code: string } }> = [
  // TorchServe would run "private" for a key scoped to "*-public"
  { name: 'TorchServe KServe v2 infer, ":" in the model', method: 'POST', target: '/v2/models/private:x-public/infer', key: PUBLIC_KEY, expected: MODEL_NOT_FOUND },
  { name: 'TorchServe KServe v2 explain, ":" in the model', method: 'POST', target: '/v2/models/private:x-public/explain', key: PUBLIC_KEY, expected: ROUTE_NOT_ALLOWED },
  { name: 'TorchServe KServe v2 infer, %3A in the model', method: 'POST', target: '/v2/models/private%3Ax-public/infer', key: PUBLIC_KEY, expected: ROUTE_NOT_ALLOWED },
  { name: 'TorchServe KServe v1 predict, %3A in the model', method: 'POST', target: '/v1/models/private%3Ax-public:predict', key: PUBLIC_KEY, expected: ROUTE_NOT_ALLOWED },
  // Triton would look up the literal escape, the gateway checks the decoded name
  { name: 'Triton infer, %3A in the model', method: 'POST', target: '/v2/models/demo%3Atensor/infer', expected: ROUTE_NOT_ALLOWED },
  { name: 'Triton infer, %20 in the model', method: 'POST', target: '/v2/models/demo%20tensor/infer', expected: MODEL_NOT_FOUND },
  { name: 'Triton metadata, %40 in the model', method: 'GET', target: '/v2/models/demo%40tensor', expected: ROUTE_NOT_ALLOWED },
  { name: 'Triton infer, %20 in the version', method: 'POST', target: '/v2/models/demo-tensor/versions/1%20/infer', expected: ROUTE_NOT_ALLOWED }
]

const ALLOWED: ReadonlyArray<Row & { readonly upstream: Framework }> = [
  { name: 'a plain model to Triton', method: 'POST', target: '/v2/models/demo-tensor/infer', upstream: 'triton' },
  { name: 'a plain model to TorchServe', method: 'POST', target: '/v2/models/bert-public/infer', key: PUBLIC_KEY, upstream: 'torchserve' },
  // Triton takes ":" literally: only TorchServe refuses it
  { name: '":" to Triton on the shared route', method: 'POST', target: '/v2/models/demo:tensor/infer', upstream: 'triton' },
  // TorchServe decodes as the gateway does: only Triton refuses escapes
  { name: 'an escape to TorchServe on the shared route', method: 'POST', target: '/v2/models/bert%20x-public/infer', key: PUBLIC_KEY, upstream: 'torchserve' }
]

test('path parameters a backend reads differently never reach it', async t => {
  const stack = await startStack(t, {
    emulators: { triton: { models: ['demo-tensor', 'demo:tensor'] } },
    upstreams: {
      triton: { models: ['demo*'] },
      torchserve: { models: ['*-public'], routes: ['kserve-v1', 'kserve-v2'] }
    },
    config: {
      auth: {
        apiKeys: [
          { id: 'alice', sha256: hashKey(KEYS.alice) },
          { id: 'public', sha256: hashKey(PUBLIC_KEY), models: ['*-public'] }
        ]
      }
    }
  })
  const client = new Client(stack.url)
  t.after(() => client.close())
  const emulators: Record<Framework, Emulator> = { vllm: stack.vllm, triton: stack.triton, torchserve: stack.torchserve }

  async function send (row: Row): Promise<{ status: number, body: string }> {
    for (const emulator of Object.values(emulators)) emulator.reset()
    const response = await client.request({
      method: row.method,
      path: row.target,
      headers: { ...auth(row.key), ...(row.method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      body: row.method === 'POST' ? TENSOR : null
    })
    return { status: response.statusCode, body: await response.body.text() }
  }

  await t.test('refused', async t => {
    for (const row of REFUSED) {
      await t.test(row.name, async () => {
        const { status, body } = await send(row)
        assert.equal(status, row.expected.status, `${status} ${body.slice(0, 200)}`)
        assert.equal(gatewayRefusal(body).code, row.expected.code)
        for (const [framework, emulator] of Object.entries(emulators)) {
          assert.deepEqual(emulator.received.map(r => `${r.method} ${r.url}`), [], `${framework} received it`)
        }
      })
    }
  })

  await t.test('allowed', async t => {
    for (const row of ALLOWED) {
      await t.test(row.name, async () => {
        const { status, body } = await send(row)
        assert.equal(status, 200, `${status} ${body.slice(0, 200)}`)
        for (const [framework, emulator] of Object.entries(emulators)) {
          const expected = framework === row.upstream ? [`${row.method} ${row.target}`] : []
          assert.deepEqual(emulator.received.map(r => `${r.method} ${r.url}`), expected, `${framework}`)
        }
      })
    }
  })
})
