import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { test } from 'node:test'
import { request } from 'undici'
import { rawRequest } from '../helpers/raw-http.js'
import { auth, KEYS, startStack } from '../helpers/stack.js'

const LIMIT = 1024

test('bodies over limits.bodyBytes get 413 and reach no upstream, with Content-Length or chunked', async (t) => {
  const stack = await startStack(t, { config: { limits: { bodyBytes: LIMIT } } })
  const big = JSON.stringify({ model: 'demo-llm', prompt: 'x'.repeat(LIMIT) })

  const declared = await request(`${stack.url}/v1/completions`, {
    method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: big
  })
  assert.equal(declared.statusCode, 413)
  assert.equal((await declared.body.json() as { error: { code: string } }).error.code, 'IG_ERR_BODY_TOO_LARGE')

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
    const response = await request(`${stack.url}/v1/completions`, { method: 'POST', headers: { ...auth(), 'content-type': type }, body })
    assert.equal(response.statusCode, status, body)
    assert.equal((await response.body.json() as { error: { code: string } }).error.code, code)
  }
  const empty = await request(`${stack.url}/v1/completions`, { method: 'POST', headers: auth() })
  assert.equal(empty.statusCode, 400)
  await empty.body.dump()
  assert.deepEqual(stack.vllm.received, [])
})
