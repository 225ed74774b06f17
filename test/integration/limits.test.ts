import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { test } from 'node:test'
import { request } from 'undici'
import { startEmulator } from '../../src/emulators/index.js'
import { startGateway } from '../../src/serve.js'
import { rawRequest } from '../helpers/raw-http.js'
import { auth, KEYS, startEmulators, startStack, stackConfig, type Stack } from '../helpers/stack.js'
import { gatewayRefusal } from '../helpers/refusal.js'

const LIMIT = 1024

test('bodies over limits.bodyBytes get 413 and reach no upstream, with Content-Length or chunked', async (t) => {
  const stack = await startStack(t, { config: { limits: { bodyBytes: LIMIT } } })
  const big = JSON.stringify({ model: 'demo-llm', prompt: 'x'.repeat(LIMIT) })

  const declared = await request(`${stack.url}/v1/completions`, {
    method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: big
  })
  assert.equal(declared.statusCode, 413)
  assert.equal(gatewayRefusal(await declared.body.json()).code, 'IG_ERR_BODY_TOO_LARGE')

  async function * chunked () {
    for (let i = 0; i < 8; i++) yield Buffer.alloc(256, 0x61)
  }
  for (const path of ['/v2/models/demo-tensor/infer', '/predictions/demo-model', '/v1/completions']) {
    const response = await request(`${stack.url}${path}`, {
      method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: Readable.from(chunked())
    })
    assert.equal(response.statusCode, 413, path)
    await response.body.dump()
  }

  const binary = await request(`${stack.url}/predictions/demo-model`, {
    method: 'POST', headers: { ...auth(), 'content-type': 'application/octet-stream' }, body: Buffer.alloc(LIMIT + 1)
  })
  assert.equal(binary.statusCode, 413)
  await binary.body.dump()

  for (const emulator of [stack.vllm, stack.triton, stack.torchserve]) assert.deepEqual(emulator.received, [])
})

test('a body at the limit passes', async (t) => {
  const stack = await startStack(t, { config: { limits: { bodyBytes: LIMIT } } })
  const response = await request(`${stack.url}/predictions/demo-model`, {
    method: 'POST', headers: { ...auth(), 'content-type': 'application/octet-stream' }, body: Buffer.alloc(LIMIT)
  })
  assert.equal(response.statusCode, 200)
  await response.body.dump()
  assert.equal(stack.torchserve.received[0]?.body.length, LIMIT)
})

test('headers over limits.headerBytes get 431; targets over limits.pathBytes get 400', async (t) => {
  const stack = await startStack(t, { config: { limits: { headerBytes: 4096, pathBytes: 64 } } })
  const bigHeader = await rawRequest(stack.url,
    `GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEYS.alice}\r\nX-Big: ${'a'.repeat(5000)}\r\n\r\n`)
  assert.equal(bigHeader.status, 431)
  const longPath = await request(`${stack.url}/predictions/${'m'.repeat(80)}`, { method: 'POST', headers: auth(), body: 'x' })
  assert.equal(longPath.statusCode, 400)
  await longPath.body.dump()
  assert.deepEqual(stack.torchserve.received, [])
  assert.deepEqual(stack.vllm.received, [])
})

test('JSON routes refuse bodies that are not a JSON object naming a served model, before forwarding', async (t) => {
  const stack = await startStack(t, { upstreams: { vllm: { models: ['demo-llm'] } } })
  const cases: Array<[string, string, number, string]> = [
    ['application/json', '{"model":', 400, 'IG_ERR_BODY_INVALID'],
    ['application/json', '[1,2]', 400, 'IG_ERR_BODY_INVALID'],
    ['application/json', '{"prompt":"x"}', 400, 'IG_ERR_MODEL_REQUIRED'],
    ['application/json', '{"model":42}', 400, 'IG_ERR_MODEL_REQUIRED'],
    ['text/plain', '{"model":"demo-llm"}', 415, 'IG_ERR_MEDIA_TYPE'],
    ['application/json', '{"model":"other-model"}', 404, 'IG_ERR_MODEL_NOT_FOUND']
  ]
  for (const [type, body, status, code] of cases) {
    await t.test(`${type} ${body}`, async () => {
      const response = await request(`${stack.url}/v1/completions`, { method: 'POST', headers: { ...auth(), 'content-type': type }, body })
      assert.equal(response.statusCode, status)
      assert.equal(gatewayRefusal(await response.body.json()).code, code)
    })
  }
  const empty = await request(`${stack.url}/v1/completions`, { method: 'POST', headers: auth() })
  assert.equal(empty.statusCode, 400)
  await empty.body.dump()
  assert.deepEqual(stack.vllm.received, [])
})

const MiB = 1024 * 1024
const LARGE = { limits: { bodyBytes: 4 * MiB } }

/** A chat body of `bytes` bytes naming `model`, in messages under the guards' string cap. */
function chatOf (bytes: number, model = 'demo-llm'): string {
  const messages = []
  for (let left = bytes; left > 0; left -= 500_000) messages.push({ role: 'user', content: 'x'.repeat(Math.min(left, 500_000)) })
  return JSON.stringify({ model, messages })
}

/** A Triton binary infer body of about `bytes` bytes: JSON header, then a patterned FP32 tensor. */
function tensorOf (bytes: number): { body: Buffer, headerLength: number } {
  const tensor = Buffer.alloc(bytes - bytes % 4)
  for (let i = 0; i < tensor.length; i += 4) tensor.writeUInt32LE(i, i)
  const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [1, tensor.length / 4], parameters: { binary_data_size: tensor.length } }] }))
  return { body: Buffer.concat([header, tensor]), headerLength: header.length }
}

async function post (url: string, path: string, headers: Record<string, string>, body: string | Buffer) {
  const response = await request(`${url}${path}`, { method: 'POST', headers: { ...auth(), ...headers }, body })
  const text = await response.body.text()
  return { status: response.statusCode, text, code: response.statusCode >= 400 ? gatewayRefusal(text).code : undefined }
}

const json = { 'content-type': 'application/json' }

test('upstreams[].limits.bodyBytes overrides limits.bodyBytes for that upstream, JSON or streamed', async (t) => {
  // The Triton guards cap infer JSON on their own (1 MiB by default): raised with the body limit.
  const large = await startStack(t, { upstreams: { vllm: LARGE, triton: { ...LARGE, guards: { 'triton-json-limits': { maxBytes: 4 * MiB } } } } })
  const plain = await startStack(t)
  const chat = chatOf(1_100_000)
  const tensor = tensorOf(1_200_000)
  const binary = { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(tensor.headerLength) }
  const inferJson = JSON.stringify({ inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [1, 300_000], data: new Array(300_000).fill(1.5) }] })
  assert.ok(inferJson.length > MiB)
  const rows: Array<[string, Stack, string, Record<string, string>, string | Buffer, number, Stack['vllm']]> = [
    ['vLLM with 4 MiB: a 1.1 MB chat body passes', large, '/v1/chat/completions', json, chat, 200, large.vllm],
    ['vLLM without: the same body gets 413', plain, '/v1/chat/completions', json, chat, 413, plain.vllm],
    ['vLLM with 4 MiB: a body over 4 MiB gets 413', large, '/v1/chat/completions', json, chatOf(4 * MiB + 1), 413, large.vllm],
    ['Triton with 4 MiB: a 1.2 MB binary tensor streams through', large, '/v2/models/demo-tensor/infer', binary, tensor.body, 200, large.triton],
    ['Triton with 4 MiB: a 1.2 MB JSON infer body, read whole by the guards, passes', large, '/v2/models/demo-tensor/infer', json, inferJson, 200, large.triton],
    ['Triton without: the binary tensor gets 413', plain, '/v2/models/demo-tensor/infer', binary, tensor.body, 413, plain.triton],
    ['TorchServe beside them keeps limits.bodyBytes', large, '/predictions/demo-model', { 'content-type': 'application/octet-stream' }, tensor.body, 413, large.torchserve]
  ]
  for (const [name, stack, path, headers, body, status, emulator] of rows) {
    await t.test(name, async () => {
      emulator.reset()
      const answer = await post(stack.url, path, headers, body)
      assert.equal(answer.status, status, answer.text)
      if (status === 413) {
        assert.equal(answer.code, 'IG_ERR_BODY_TOO_LARGE')
        assert.deepEqual(emulator.received, [])
        return
      }
      const received = emulator.received[0]
      assert.ok(received !== undefined)
      assert.ok(received.body.equals(Buffer.from(body)), 'the upstream received the exact bytes')
      assert.equal(received.headers['content-length'], String(Buffer.byteLength(body)))
    })
  }
})

test('two vLLM upstreams with different body limits: the body is read within the larger, then held to the chosen one\'s', async (t) => {
  const emulators = await startEmulators(t)
  const big = await startEmulator('vllm', { models: ['big-llm'] })
  t.after(() => big.close())
  const base = stackConfig(emulators)
  const gateway = await startGateway(stackConfig(emulators, {
    config: { upstreams: [{ ...base.upstreams[0], models: ['demo-llm'] }, ...base.upstreams.slice(1), { name: 'vllm-big', framework: 'vllm', url: big.url, models: ['big-llm'], ...LARGE }] }
  }))
  t.after(() => gateway.app.close())

  const small = await post(gateway.url, '/v1/chat/completions', json, chatOf(2_000_000))
  assert.equal(small.status, 413)
  assert.equal(small.code, 'IG_ERR_BODY_TOO_LARGE')
  assert.deepEqual(emulators.vllm.received, [])
  const body = chatOf(2_000_000, 'big-llm')
  const passed = await post(gateway.url, '/v1/chat/completions', json, body)
  assert.equal(passed.status, 200, passed.text)
  assert.equal(big.received[0]?.body.toString(), body)

  // A declared length over the largest limit is refused before a byte of the body is read.
  const declared = await rawRequest(gateway.url,
    `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEYS.alice}\r\nContent-Type: application/json\r\nContent-Length: ${4 * MiB + 1}\r\n\r\n`)
  assert.equal(declared.status, 413)
  assert.match(declared.body, /IG_ERR_BODY_TOO_LARGE/)
  assert.deepEqual(emulators.vllm.received, [])
  assert.equal(big.received.length, 1)
})
