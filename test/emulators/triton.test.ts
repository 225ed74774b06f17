import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { request } from 'undici'
import { nextRequest, nextSettled, sseData, start } from './helpers.js'

const INFER = '/v2/models/demo-tensor/infer'

function fp32 (values: number[]): Buffer {
  return Buffer.from(new Float32Array(values).buffer)
}

/** Splits a binary-extension response into its JSON header and the raw bytes after it. */
function splitBinary (body: Buffer, headerLength: number): { header: unknown, rest: Buffer } {
  return { header: JSON.parse(body.subarray(0, headerLength).toString()), rest: body.subarray(headerLength) }
}

test('health, server metadata, model metadata and readiness', async t => {
  const emulator = await start(t, 'triton')
  for (const path of ['/v2/health/live', '/v2/health/ready', '/v2/models/demo-tensor/ready', '/v2/models/demo-tensor/versions/1/ready']) {
    const res = await request(`${emulator.url}${path}`)
    assert.equal(res.statusCode, 200, path)
    assert.equal(await res.body.text(), '')
  }
  const server = await (await request(`${emulator.url}/v2`)).body.json() as { name: string, extensions: string[] }
  assert.equal(server.name, 'triton')
  assert.ok(server.extensions.includes('binary_tensor_data'))
  const model = await (await request(`${emulator.url}/v2/models/demo-tensor`)).body.json()
  assert.deepEqual(model, {
    name: 'demo-tensor',
    versions: ['1'],
    platform: 'onnxruntime_onnx',
    inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [-1, 4] }],
    outputs: [{ name: 'OUTPUT0', datatype: 'FP32', shape: [-1, 4] }]
  })
})

test('model config answers the config JSON, with or without a version', async t => {
  const emulator = await start(t, 'triton')
  for (const path of ['/v2/models/demo-tensor/config', '/v2/models/demo-tensor/versions/1/config']) {
    const res = await request(`${emulator.url}${path}`)
    assert.equal(res.statusCode, 200, path)
    const config = await res.body.json() as { name: string, input: Array<{ name: string }> }
    assert.equal(config.name, 'demo-tensor')
    assert.deepEqual(config.input.map(i => i.name), ['INPUT0'])
  }
  assert.equal((await request(`${emulator.url}/v2/models/nope/config`)).statusCode, 404)
  assert.deepEqual(emulator.received.map(r => r.url), ['/v2/models/demo-tensor/config', '/v2/models/demo-tensor/versions/1/config', '/v2/models/nope/config'])
})

test('unknown model or version is a 404 in the {"error"} shape', async t => {
  const emulator = await start(t, 'triton')
  const missing = await request(`${emulator.url}/v2/models/nope/infer`, { method: 'POST', body: '{"inputs":[]}' })
  assert.equal(missing.statusCode, 404)
  assert.deepEqual(await missing.body.json(), { error: "Request for unknown model: 'nope' is not found" })
  const version = await request(`${emulator.url}/v2/models/demo-tensor/versions/7`)
  assert.equal(version.statusCode, 404)
  assert.equal(typeof (await version.body.json() as { error: unknown }).error, 'string')
})

test('JSON infer doubles the input data', async t => {
  const emulator = await start(t, 'triton')
  const res = await request(`${emulator.url}/v2/models/demo-tensor/versions/1/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'INPUT0', shape: [1, 4], datatype: 'FP32', data: [[1, 2, 3, 4]] }] })
  })
  assert.equal(res.statusCode, 200)
  assert.equal(res.headers['content-type'], 'application/json')
  assert.deepEqual(await res.body.json(), {
    model_name: 'demo-tensor',
    model_version: '1',
    outputs: [{ name: 'OUTPUT0', datatype: 'FP32', shape: [1, 4], data: [2, 4, 6, 8] }]
  })
})

test('binary tensors round-trip byte for byte with Inference-Header-Content-Length', async t => {
  const emulator = await start(t, 'triton')
  const tensor = fp32([1.5, -2, 3.25, 4])
  const header = Buffer.from(JSON.stringify({
    inputs: [{ name: 'INPUT0', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: tensor.length } }],
    outputs: [{ name: 'OUTPUT0', parameters: { binary_data: true } }]
  }))
  const arrived = nextRequest(emulator)
  const res = await request(`${emulator.url}${INFER}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
    body: Buffer.concat([header, tensor])
  })
  assert.equal(res.statusCode, 200)
  assert.equal(res.headers['content-type'], 'application/octet-stream')
  const body = Buffer.from(await res.body.arrayBuffer())
  assert.equal(Number(res.headers['content-length']), body.length)
  const { header: json, rest } = splitBinary(body, Number(res.headers['inference-header-content-length']))
  assert.deepEqual(json, {
    model_name: 'demo-tensor',
    model_version: '1',
    outputs: [{ name: 'OUTPUT0', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 16 } }]
  })
  assert.deepEqual(rest, tensor)
  const record = await arrived
  assert.equal(record.headers['content-length'], String(header.length + tensor.length))
  assert.equal(record.headers['inference-header-content-length'], String(header.length))
  assert.deepEqual(record.body, Buffer.concat([header, tensor]))
})

test('binary_data_output turns JSON inputs into binary outputs', async t => {
  const emulator = await start(t, 'triton')
  const res = await request(`${emulator.url}${INFER}`, {
    method: 'POST',
    body: JSON.stringify({ parameters: { binary_data_output: true }, inputs: [{ name: 'INPUT0', shape: [2], datatype: 'FP32', data: [1, 2] }] })
  })
  const body = Buffer.from(await res.body.arrayBuffer())
  const { rest } = splitBinary(body, Number(res.headers['inference-header-content-length']))
  assert.deepEqual(rest, fp32([2, 4]))
})

test('malformed binary requests are a 400 {"error"}', async t => {
  const emulator = await start(t, 'triton')
  const res = await request(`${emulator.url}${INFER}`, { method: 'POST', headers: { 'inference-header-content-length': '999' }, body: '{}' })
  assert.equal(res.statusCode, 400)
  assert.equal(typeof (await res.body.json() as { error: unknown }).error, 'string')
})

test('the record keeps whether the body came chunked or with Content-Length', async t => {
  const emulator = await start(t, 'triton')
  const body = JSON.stringify({ inputs: [{ name: 'INPUT0', shape: [1], datatype: 'FP32', data: [1] }] })
  const arrived = nextRequest(emulator)
  const res = await request(`${emulator.url}${INFER}`, { method: 'POST', body: Readable.from([body.slice(0, 10), body.slice(10)]) })
  assert.equal(res.statusCode, 200)
  await res.body.dump()
  const chunked = await arrived
  assert.equal(chunked.headers['transfer-encoding'], 'chunked')
  assert.equal(chunked.headers['content-length'], undefined)
  assert.equal(chunked.body.toString(), body)
})

test('generate answers one JSON; generate_stream sends data: frames and no [DONE]', async t => {
  const emulator = await start(t, 'triton', { tokens: 3 })
  const single = await request(`${emulator.url}/v2/models/demo-tensor/generate`, { method: 'POST', body: JSON.stringify({ text_input: 'hi' }) })
  assert.deepEqual(await single.body.json(), { model_name: 'demo-tensor', model_version: '1', text_output: ' tok0 tok1 tok2' })
  const stream = await request(`${emulator.url}/v2/models/demo-tensor/generate_stream`, { method: 'POST', body: JSON.stringify({ text_input: 'hi' }) })
  assert.equal(stream.headers['content-type'], 'text/event-stream; charset=utf-8')
  const text = await stream.body.text()
  assert.ok(!text.includes('[DONE]'))
  assert.deepEqual(sseData(text).map(d => JSON.parse(d)), [0, 1, 2].map(i => ({ model_name: 'demo-tensor', model_version: '1', text_output: ` tok${i}` })))
})

test('x-emulate-tokens overrides options for one request', async t => {
  const emulator = await start(t, 'triton', { tokens: 5 })
  const res = await request(`${emulator.url}/v2/models/demo-tensor/generate_stream`, { method: 'POST', headers: { 'x-emulate-tokens': '1' }, body: '{}' })
  assert.equal(sseData(await res.body.text()).length, 1)
})

test('status-500 uses the {"error"} shape; reset cuts the connection', async t => {
  const emulator = await start(t, 'triton')
  const failed = await request(`${emulator.url}${INFER}`, { method: 'POST', headers: { 'x-emulate-failure': 'status-500' }, body: '{"inputs":[]}' })
  assert.equal(failed.statusCode, 500)
  assert.deepEqual(await failed.body.json(), { error: 'Emulated internal error' })
  await assert.rejects(request(`${emulator.url}/v2/models/demo-tensor/generate`, { method: 'POST', headers: { 'x-emulate-failure': 'reset' }, body: '{}' }))
})

test('a client abort of generate_stream settles the record as aborted', async t => {
  const emulator = await start(t, 'triton', { interTokenMs: 60_000 })
  const controller = new AbortController()
  const settled = nextSettled(emulator)
  const res = await request(`${emulator.url}/v2/models/demo-tensor/generate_stream`, { method: 'POST', body: '{}', signal: controller.signal })
  const first = await res.body[Symbol.asyncIterator]().next()
  assert.match(String(first.value), /tok0/)
  controller.abort()
  assert.equal((await settled).outcome, 'aborted')
})

test('management routes answer 200 JSON and are recorded', async t => {
  const emulator = await start(t, 'triton')
  const routes: Array<[string, string]> = [
    ['POST', '/v2/repository/index'], ['POST', '/v2/repository/models/demo-tensor/load'], ['POST', '/v2/repository/models/demo-tensor/unload'],
    ['POST', '/v2/systemsharedmemory/region/r/register'], ['GET', '/v2/cudasharedmemory/status'], ['POST', '/v2/logging'],
    ['GET', '/v2/trace/setting'], ['GET', '/v2/models/demo-tensor/trace/setting'], ['GET', '/v2/models/stats'], ['GET', '/v2/models/demo-tensor/stats'],
    ['GET', '/v2/models/demo-tensor/infer'], ['GET', '/metrics'], ['GET', '/whatever']
  ]
  for (const [method, url] of routes) {
    await t.test(`${method} ${url}`, async () => {
      const res = await request(`${emulator.url}${url}`, { method, body: method === 'POST' ? '{}' : null })
      assert.equal(res.statusCode, 200)
      await res.body.dump()
    })
  }
  assert.deepEqual(emulator.received.map(r => [r.method, r.url]), routes)
})

test('requireToken is ignored, as Triton has no authentication', async t => {
  const emulator = await start(t, 'triton', { requireToken: 'sekret' })
  const res = await request(`${emulator.url}/v2/health/ready`)
  assert.equal(res.statusCode, 200)
  await res.body.dump()
})
