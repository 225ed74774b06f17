import assert from 'node:assert/strict'
import { test } from 'node:test'
import { request } from 'undici'
import { auth, startStack } from '../helpers/stack.js'

test('/healthz needs no credential and is never forwarded', async (t) => {
  const stack = await startStack(t)
  const response = await request(`${stack.url}/healthz`)
  assert.equal(response.statusCode, 200)
  assert.deepEqual(await response.body.json(), { status: 'ok' })
  assert.deepEqual(stack.vllm.received, [])
})

test('/readyz probes each upstream\'s own health route with the upstream\'s credential', async (t) => {
  const stack = await startStack(t, {
    emulators: { torchserve: { requireToken: 'ts-inference-token' } },
    upstreams: { torchserve: { headers: { authorization: 'Bearer ts-inference-token' } } }
  })
  const response = await request(`${stack.url}/readyz`)
  const body = await response.body.json() as { status: string, upstreams: Array<{ name: string, ready: boolean }> }
  assert.equal(response.statusCode, 200)
  assert.equal(body.status, 'ready')
  assert.deepEqual(body.upstreams.map(u => [u.name, u.ready]), [['vllm', true], ['triton', true], ['torchserve', true]])
  assert.deepEqual(stack.vllm.received.map(r => r.url), ['/health'])
  assert.deepEqual(stack.triton.received.map(r => r.url), ['/v2/health/ready'])
  assert.deepEqual(stack.torchserve.received.map(r => [r.url, r.headers.authorization]), [['/ping', 'Bearer ts-inference-token']])
})

test('/readyz is 503 when an upstream is down, and probes are shared, not repeated per call', async (t) => {
  const stack = await startStack(t, { upstreams: { triton: { healthCheck: { cache: '1h' } } } })
  await stack.triton.close()
  const first = await request(`${stack.url}/readyz`)
  const body = await first.body.json() as { status: string, upstreams: Array<{ name: string, ready: boolean, error?: string }> }
  assert.equal(first.statusCode, 503)
  assert.equal(body.status, 'unready')
  assert.equal(body.upstreams.find(u => u.name === 'triton')?.ready, false)
  assert.equal(body.upstreams.find(u => u.name === 'vllm')?.ready, true)
  const again = await Promise.all([request(`${stack.url}/readyz`), request(`${stack.url}/readyz`)])
  for (const response of again) {
    assert.equal(response.statusCode, 503)
    await response.body.dump()
  }
  // Inference still works on the healthy upstreams.
  const models = await request(`${stack.url}/v1/models`, { headers: auth() })
  assert.equal(models.statusCode, 200)
  await models.body.dump()
})
