/**
 * Every allowed route of every profile, optional groups switched on: forwarded to the right emulator
 * with exactly the client's method, target and body bytes, and without the client's credential.
 */
import { Readable } from 'node:stream'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Client } from 'undici'
import type { Emulator, Framework } from '../../src/emulators/index.js'
import { auth, KEYS, startStack } from '../helpers/stack.js'

interface Row {
  readonly method: string
  readonly target: string
  readonly upstream: Framework
  readonly body?: Buffer
  readonly contentType?: string
  /** Send the body chunked (no Content-Length): the gateway reads it whole and re-frames it. */
  readonly chunked?: boolean
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value))
const JSON_TYPE = 'application/json'
const OCTETS = 'application/octet-stream'

const chat = json({ model: 'demo-llm', messages: [{ role: 'user', content: 'héllo \u2603' }], max_tokens: 2 })
const tensor = json({ inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] })
const textInput = json({ text_input: 'hello', parameters: { max_tokens: 2 } })
// every byte value, so that any re-encoding shows
const binary = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256))

const ROWS: readonly Row[] = [
  // vLLM, always on
  { method: 'POST', target: '/v1/chat/completions', upstream: 'vllm', body: chat, contentType: JSON_TYPE },
  { method: 'POST', target: '/v1/chat/completions?trace=1', upstream: 'vllm', body: chat, contentType: JSON_TYPE },
  { method: 'POST', target: '/v1/chat/completions', upstream: 'vllm', body: chat, contentType: JSON_TYPE, chunked: true },
  { method: 'POST', target: '/v1/completions', upstream: 'vllm', body: json({ model: 'demo-llm', prompt: 'once upon', max_tokens: 2 }), contentType: JSON_TYPE },
  { method: 'POST', target: '/v1/embeddings', upstream: 'vllm', body: json({ model: 'demo-llm', input: ['a b', 'c'] }), contentType: 'application/json; charset=utf-8' },
  { method: 'GET', target: '/v1/models', upstream: 'vllm' },
  // vLLM groups: messages, responses, rerank, score
  { method: 'POST', target: '/v1/messages', upstream: 'vllm', body: json({ model: 'demo-llm', max_tokens: 2, messages: [{ role: 'user', content: 'héllo' }] }), contentType: JSON_TYPE },
  { method: 'POST', target: '/v1/messages/count_tokens', upstream: 'vllm', body: json({ model: 'demo-llm', messages: [{ role: 'user', content: 'héllo' }] }), contentType: JSON_TYPE },
  { method: 'POST', target: '/v1/responses', upstream: 'vllm', body: json({ model: 'demo-llm', input: 'hi' }), contentType: JSON_TYPE },
  { method: 'POST', target: '/v1/rerank', upstream: 'vllm', body: json({ model: 'demo-llm', query: 'q', documents: ['a', 'b'] }), contentType: JSON_TYPE },
  { method: 'POST', target: '/v2/rerank', upstream: 'vllm', body: json({ model: 'demo-llm', query: 'q', documents: ['a'] }), contentType: JSON_TYPE },
  { method: 'POST', target: '/v1/score', upstream: 'vllm', body: json({ model: 'demo-llm', text_1: 'a', text_2: 'b' }), contentType: JSON_TYPE },
  // vLLM groups: embed-v2, pooling (unprefixed)
  { method: 'POST', target: '/v2/embed', upstream: 'vllm', body: json({ model: 'demo-llm', texts: ['a', 'b'], input_type: 'search_document' }), contentType: JSON_TYPE },
  { method: 'POST', target: '/pooling', upstream: 'vllm', body: json({ model: 'demo-llm', input: 'a b' }), contentType: JSON_TYPE },
  { method: 'POST', target: '/classify', upstream: 'vllm', body: json({ model: 'demo-llm', input: ['a', 'b'] }), contentType: JSON_TYPE },
  { method: 'POST', target: '/score', upstream: 'vllm', body: json({ model: 'demo-llm', text_1: 'a', text_2: 'b' }), contentType: JSON_TYPE },
  { method: 'POST', target: '/rerank', upstream: 'vllm', body: json({ model: 'demo-llm', query: 'q', documents: ['a'] }), contentType: JSON_TYPE },
  // Triton
  { method: 'POST', target: '/v2/models/demo-tensor/infer', upstream: 'triton', body: tensor, contentType: JSON_TYPE },
  { method: 'POST', target: '/v2/models/demo-tensor/versions/1/infer', upstream: 'triton', body: tensor, contentType: JSON_TYPE },
  { method: 'POST', target: '/v2/models/demo-tensor/infer', upstream: 'triton', body: tensor, contentType: JSON_TYPE, chunked: true },
  { method: 'POST', target: '/v2/models/demo-tensor/generate', upstream: 'triton', body: textInput, contentType: JSON_TYPE },
  { method: 'POST', target: '/v2/models/demo-tensor/versions/1/generate', upstream: 'triton', body: textInput, contentType: JSON_TYPE },
  { method: 'POST', target: '/v2/models/demo-tensor/generate_stream', upstream: 'triton', body: textInput, contentType: JSON_TYPE },
  { method: 'POST', target: '/v2/models/demo-tensor/versions/1/generate_stream', upstream: 'triton', body: textInput, contentType: JSON_TYPE },
  { method: 'GET', target: '/v2/models/demo-tensor', upstream: 'triton' },
  { method: 'GET', target: '/v2/models/demo-tensor?x=1', upstream: 'triton' },
  { method: 'GET', target: '/v2/models/demo-tensor/versions/1', upstream: 'triton' },
  { method: 'GET', target: '/v2/models/demo-tensor/ready', upstream: 'triton' },
  { method: 'GET', target: '/v2/models/demo-tensor/versions/1/ready', upstream: 'triton' },
  // Triton group: model-config
  { method: 'GET', target: '/v2/models/demo-tensor/config', upstream: 'triton' },
  { method: 'GET', target: '/v2/models/demo-tensor/versions/1/config', upstream: 'triton' },
  // shared with TorchServe's kserve-v2 group: Triton comes first and has no model to choose by
  { method: 'GET', target: '/v2/health/ready', upstream: 'triton' },
  { method: 'GET', target: '/v2/health/live', upstream: 'triton' },
  // TorchServe, always on
  { method: 'POST', target: '/predictions/demo-model', upstream: 'torchserve', body: binary, contentType: OCTETS },
  { method: 'PUT', target: '/predictions/demo-model', upstream: 'torchserve', body: binary, contentType: OCTETS },
  { method: 'POST', target: '/predictions/demo-model', upstream: 'torchserve', body: binary, contentType: OCTETS, chunked: true },
  { method: 'POST', target: '/predictions/demo-model/1.0', upstream: 'torchserve', body: binary, contentType: OCTETS },
  { method: 'PUT', target: '/predictions/demo-model/1.0?x=1&y=%2f', upstream: 'torchserve', body: binary, contentType: OCTETS },
  { method: 'POST', target: '/predictions/demo-model', upstream: 'torchserve', body: json({ data: 'x' }), contentType: JSON_TYPE },
  { method: 'GET', target: '/ping', upstream: 'torchserve' },
  // TorchServe groups: explanations, kserve-v1, kserve-v2 (demo-model is not Triton's: TorchServe serves it)
  { method: 'POST', target: '/explanations/demo-model', upstream: 'torchserve', body: binary, contentType: OCTETS },
  { method: 'POST', target: '/explanations/demo-model/1.0', upstream: 'torchserve', body: binary, contentType: OCTETS },
  { method: 'PUT', target: '/explanations/demo-model', upstream: 'torchserve', body: binary, contentType: OCTETS },
  { method: 'PUT', target: '/explanations/demo-model/1.0', upstream: 'torchserve', body: binary, contentType: OCTETS },
  { method: 'POST', target: '/v1/models/demo-model:predict', upstream: 'torchserve', body: json({ instances: [[1, 2]] }), contentType: JSON_TYPE },
  { method: 'POST', target: '/v1/models/demo-model:explain', upstream: 'torchserve', body: json({ instances: [[1, 2]] }), contentType: JSON_TYPE },
  { method: 'POST', target: '/v2/models/demo-model/infer', upstream: 'torchserve', body: tensor, contentType: JSON_TYPE },
  { method: 'POST', target: '/v2/models/demo-model/explain', upstream: 'torchserve', body: tensor, contentType: JSON_TYPE }
]

async function * chunks (body: Buffer): AsyncGenerator<Buffer> {
  for (let i = 0; i < body.length; i += 7) yield body.subarray(i, i + 7)
}

test('allowed routes reach their backend unchanged', async t => {
  const stack = await startStack(t, {
    upstreams: {
      vllm: { routes: ['messages', 'responses', 'rerank', 'score', 'embed-v2', 'pooling'] },
      triton: { models: ['demo-tensor'], routes: ['model-config'] },
      torchserve: { routes: ['explanations', 'kserve-v1', 'kserve-v2'] }
    }
  })
  const client = new Client(stack.url)
  t.after(() => client.close())
  const emulators: Record<Framework, Emulator> = { vllm: stack.vllm, triton: stack.triton, torchserve: stack.torchserve }

  for (const row of ROWS) {
    const name = `${row.method} ${row.target} → ${row.upstream}${row.chunked === true ? ' (chunked)' : ''}`
    await t.test(name, async () => {
      for (const emulator of Object.values(emulators)) emulator.reset()
      const response = await client.request({
        method: row.method,
        path: row.target,
        headers: {
          ...auth(),
          'x-api-key': KEYS.alice,
          ...(row.contentType === undefined ? {} : { 'content-type': row.contentType })
        },
        body: row.body === undefined ? null : row.chunked === true ? Readable.from(chunks(row.body)) : row.body
      })
      const text = await response.body.text()
      assert.equal(response.statusCode, 200, `${response.statusCode} ${text.slice(0, 300)}`)

      for (const [framework, emulator] of Object.entries(emulators)) {
        if (framework !== row.upstream) assert.deepEqual(emulator.received.map(r => `${r.method} ${r.url}`), [], `${framework} received it`)
      }
      const received = emulators[row.upstream].received
      assert.equal(received.length, 1)
      const record = received[0]
      assert.ok(record !== undefined)
      assert.equal(record.method, row.method)
      assert.equal(record.url, row.target)
      assert.ok(record.body.equals(row.body ?? Buffer.alloc(0)), 'body bytes changed')
      if (row.body !== undefined) {
        assert.equal(record.headers['content-length'], String(row.body.length))
        assert.equal(record.headers['transfer-encoding'], undefined)
      }
      assert.equal(record.headers.authorization, undefined)
      assert.equal(record.headers['x-api-key'], undefined)
      assert.ok(!JSON.stringify(record.headers).includes(KEYS.alice), 'the client key reached the backend')
      assert.equal(record.headers['content-type'], row.contentType)
    })
  }
})
