import { test } from 'node:test'
import assert from 'node:assert/strict'
import { getGlobalDispatcher, request } from 'undici'
import { startEmulator } from '../../src/emulators/index.js'
import { nextRequest, nextSettled, start } from './helpers.js'

test('startEmulator starts each framework with its default model on an ephemeral port', async t => {
  for (const [framework, model] of [['vllm', 'demo-llm'], ['triton', 'demo-tensor'], ['torchserve', 'demo-model']] as const) {
    const emulator = await start(t, framework)
    assert.equal(emulator.framework, framework)
    assert.equal(emulator.url, `http://127.0.0.1:${emulator.port}`)
    assert.deepEqual(emulator.options.models, [model])
  }
})

test('records raw targets, bodies and outcomes in arrival order; reset clears them', async t => {
  const emulator = await start(t, 'vllm')
  const arrived = nextRequest(emulator)
  const settled = nextSettled(emulator)
  // the dispatcher sends the path as given, where request() would normalise it through URL
  const res = await getGlobalDispatcher().request({ origin: emulator.url, path: '/v1/../tokenize?x=%2F', method: 'POST', body: 'payload' })
  await res.body.dump()
  const record = await arrived
  assert.equal(record.url, '/v1/../tokenize?x=%2F')
  assert.equal(record.body.toString(), 'payload')
  assert.equal((await settled).outcome, 'completed')
  assert.deepEqual(emulator.received, [record])
  emulator.reset()
  assert.deepEqual(emulator.received, [])
})

test('options changed at runtime apply to the next request', async t => {
  const emulator = await start(t, 'triton')
  emulator.options.tokens = 1
  const res = await request(`${emulator.url}/v2/models/demo-tensor/generate`, { method: 'POST', body: '{}' })
  assert.equal((await res.body.json() as { text_output: string }).text_output, ' tok0')
})

test('close destroys open connections, settling a hanging request as aborted', async () => {
  const emulator = await startEmulator('torchserve', { failure: 'hang' })
  const arrived = nextRequest(emulator)
  const settled = nextSettled(emulator)
  const pending = request(`${emulator.url}/predictions/demo-model`, { method: 'POST', body: 'x' })
  await arrived
  await emulator.close()
  await assert.rejects(pending)
  assert.equal((await settled).outcome, 'aborted')
})
