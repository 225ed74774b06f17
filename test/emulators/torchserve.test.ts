import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { nextSettled, readUntilError, start } from './helpers.js'

const INVALID_KEY = {
  code: 400,
  type: 'InvalidKeyException',
  message: 'Token Authorization failed. Token either incorrect, expired, or not provided correctly'
}

test('ping answers Healthy', async t => {
  const emulator = await start(t, 'torchserve')
  const res = await request(`${emulator.url}/ping`)
  assert.equal(res.statusCode, 200)
  assert.deepEqual(await res.body.json(), { status: 'Healthy' })
})

test('predictions answer JSON on POST and PUT, with or without a version', async t => {
  const emulator = await start(t, 'torchserve', { tokens: 2 })
  for (const [method, path] of [['POST', '/predictions/demo-model'], ['PUT', '/predictions/demo-model/1.0']] as const) {
    const res = await request(`${emulator.url}${path}`, { method, body: 'raw input' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['cache-control'], 'no-cache; no-store, must-revalidate, private')
    assert.deepEqual(await res.body.json(), { model: 'demo-model', prediction: ' tok0 tok1' })
  }
})

test('explanations answer JSON on POST and PUT, with or without a version; unknown model is a 404', async t => {
  const emulator = await start(t, 'torchserve')
  for (const [method, path] of [['POST', '/explanations/demo-model'], ['PUT', '/explanations/demo-model'], ['PUT', '/explanations/demo-model/1.0']] as const) {
    const res = await request(`${emulator.url}${path}`, { method, body: 'raw input' })
    assert.equal(res.statusCode, 200, `${method} ${path}`)
    const body = await res.body.json() as { model: string, explanations: unknown[] }
    assert.equal(body.model, 'demo-model')
    assert.equal(body.explanations.length, 1)
  }
  const missing = await request(`${emulator.url}/explanations/nope`, { method: 'PUT', body: 'x' })
  assert.equal(missing.statusCode, 404)
  assert.equal((await missing.body.json() as { type: string }).type, 'ModelNotFoundException')
  assert.deepEqual(emulator.received.map(r => r.method), ['POST', 'PUT', 'PUT', 'PUT'])
})

test('streaming predictions are chunked JSON lines without SSE framing', async t => {
  const emulator = await start(t, 'torchserve', { tokens: 3 })
  const res = await request(`${emulator.url}/predictions/demo-model`, { method: 'POST', headers: { 'x-emulate-stream': '1' }, body: 'x' })
  assert.equal(res.statusCode, 200)
  assert.equal(res.headers['transfer-encoding'], 'chunked')
  assert.equal(res.headers['content-type'], 'application/jsonl')
  const text = await res.body.text()
  assert.ok(!text.includes('data:'))
  assert.deepEqual(text.trimEnd().split('\n').map(line => JSON.parse(line)), [0, 1, 2].map(index => ({ model: 'demo-model', index, token: ` tok${index}` })))
})

test('the stream option streams by default; the header can turn it off', async t => {
  const emulator = await start(t, 'torchserve', { stream: true, tokens: 2 })
  const streamed = await request(`${emulator.url}/predictions/demo-model`, { method: 'POST', body: 'x' })
  assert.equal(streamed.headers['transfer-encoding'], 'chunked')
  assert.equal((await streamed.body.text()).trimEnd().split('\n').length, 2)
  const whole = await request(`${emulator.url}/predictions/demo-model`, { method: 'POST', headers: { 'x-emulate-stream': '0' }, body: 'x' })
  assert.equal((await whole.body.json() as { prediction: string }).prediction, ' tok0 tok1')
})

test('unknown model is a 404 ModelNotFoundException', async t => {
  const emulator = await start(t, 'torchserve')
  const res = await request(`${emulator.url}/predictions/nope`, { method: 'POST', body: 'x' })
  assert.equal(res.statusCode, 404)
  assert.deepEqual(await res.body.json(), { code: 404, type: 'ModelNotFoundException', message: 'Model not found: nope' })
})

test('status-500 answers InternalServerException and closes the connection', async t => {
  const emulator = await start(t, 'torchserve', { failure: 'status-500' })
  const res = await request(`${emulator.url}/predictions/demo-model`, { method: 'POST', body: 'x' })
  assert.equal(res.statusCode, 500)
  assert.equal(res.headers['connection'], 'close')
  assert.deepEqual(await res.body.json(), { code: 500, type: 'InternalServerException', message: 'Worker died.' })
})

test('reset-mid-stream delivers about half the chunks, then the connection breaks', async t => {
  const emulator = await start(t, 'torchserve', { tokens: 4 })
  const settled = nextSettled(emulator)
  const res = await request(`${emulator.url}/predictions/demo-model`, {
    method: 'POST',
    headers: { 'x-emulate-stream': '1', 'x-emulate-failure': 'reset-mid-stream' },
    body: 'x'
  })
  const { text, error } = await readUntilError(res.body)
  assert.ok(error instanceof Error)
  assert.equal(text.trimEnd().split('\n').length, 2)
  assert.equal((await settled).outcome, 'aborted')
})

test('a client abort mid-stream settles the record as aborted', async t => {
  const emulator = await start(t, 'torchserve', { stream: true, interTokenMs: 60_000 })
  const controller = new AbortController()
  const settled = nextSettled(emulator)
  const res = await request(`${emulator.url}/predictions/demo-model`, { method: 'POST', body: 'x', signal: controller.signal })
  const first = await res.body[Symbol.asyncIterator]().next()
  assert.match(String(first.value), /tok0/)
  controller.abort()
  assert.equal((await settled).outcome, 'aborted')
})

test('management, metrics and alternative inference routes answer 200 and are recorded', async t => {
  const emulator = await start(t, 'torchserve')
  const routes: Array<[string, string]> = [
    ['GET', '/models'], ['POST', '/models?url=http://evil/x.mar'], ['DELETE', '/models/demo-model'], ['GET', '/workflows'],
    ['GET', '/token?type=inference'], ['GET', '/api-description'], ['OPTIONS', '/'], ['OPTIONS', '/predictions/demo-model'],
    ['GET', '/metrics'], ['POST', '/invocations'], ['POST', '/v2/models/demo-model/infer'],
    ['POST', '/v1/models/demo-model:predict']
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

test('requireToken: 400 InvalidKeyException everywhere, /ping included, except the API description', async t => {
  const emulator = await start(t, 'torchserve', { requireToken: 'sekret' })
  for (const path of ['/ping', '/predictions/demo-model']) {
    const res = await request(`${emulator.url}${path}`, { method: 'POST', headers: { authorization: 'Bearer wrong' }, body: 'x' })
    assert.equal(res.statusCode, 400, path)
    assert.deepEqual(await res.body.json(), INVALID_KEY)
  }
  const allowed = await request(`${emulator.url}/ping`, { headers: { authorization: 'Bearer sekret' } })
  assert.equal(allowed.statusCode, 200)
  await allowed.body.dump()
  const description = await request(`${emulator.url}/`, { method: 'OPTIONS' })
  assert.equal(description.statusCode, 200)
  await description.body.dump()
})
