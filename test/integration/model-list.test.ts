import assert from 'node:assert/strict'
import { test } from 'node:test'
import { request } from 'undici'
import { hashKey } from '../../src/auth/api-keys.js'
import { startGateway } from '../../src/serve.js'
import { startEmulator } from '../../src/emulators/index.js'
import { KEYS, startEmulators, stackConfig } from '../helpers/stack.js'
import { gatewayRefusal } from '../helpers/refusal.js'

test('GET /v1/models merges every vLLM upstream and lists only what each serves and the caller may use', async (t) => {
  const emulators = await startEmulators(t, { emulators: { vllm: { models: ['llama-8b', 'llama-70b', 'rogue-model'] } } })
  const second = await startEmulator('vllm', { models: ['mistral-7b', 'llama-8b'] })
  t.after(() => second.close())
  const base = stackConfig(emulators)
  const config = stackConfig(emulators, {
    config: {
      upstreams: [...base.upstreams.map(u => u.name === 'vllm' ? { ...u, models: ['llama-*'] } : u),
        { name: 'vllm-2', framework: 'vllm', url: second.url, models: ['mistral-7b', 'llama-8b'] }],
      auth: {
        apiKeys: [
          { id: 'all', sha256: hashKey(KEYS.alice) },
          { id: 'llama-only', sha256: hashKey(KEYS.scoped), models: ['llama-70b', 'mistral-7b'] }
        ]
      }
    }
  })
  const gateway = await startGateway(config)
  t.after(() => gateway.app.close())
  const list = async (key: string) => {
    const response = await request(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })
    assert.equal(response.statusCode, 200)
    const body = await response.body.json() as { object: string, data: Array<{ id: string, owned_by: string }> }
    assert.equal(body.object, 'list')
    return body.data.map(m => m.id)
  }
  assert.deepEqual(await list(KEYS.alice), ['llama-8b', 'llama-70b', 'mistral-7b'], 'rogue-model is not configured for any upstream')
  assert.deepEqual(await list(KEYS.scoped), ['llama-70b', 'mistral-7b'])
  assert.equal(emulators.vllm.received.length, 1, 'lists are cached briefly: one fetch per upstream')
  assert.equal(second.received.length, 1)

  // Chat requests go to the upstream serving the model.
  const chat = await request(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS.alice}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mistral-7b', messages: [] })
  })
  assert.equal(chat.statusCode, 200)
  await chat.body.dump()
  assert.equal(second.received.at(-1)?.url, '/v1/chat/completions')
})

test('GET /v1/models with one upstream down lists the others; with all down, 502', async (t) => {
  const emulators = await startEmulators(t)
  const second = await startEmulator('vllm', { models: ['mistral-7b'] })
  const base = stackConfig(emulators)
  const gateway = await startGateway(stackConfig(emulators, {
    config: { upstreams: [...base.upstreams, { name: 'vllm-2', framework: 'vllm', url: second.url }] }
  }))
  t.after(() => gateway.app.close())
  await second.close()
  const partial = await request(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${KEYS.alice}` } })
  assert.deepEqual((await partial.body.json() as { data: Array<{ id: string }> }).data.map(m => m.id), ['demo-llm'])
  await emulators.vllm.close()
  // The healthy list is still cached for a moment; a fresh gateway sees both down.
  const fresh = await startGateway(stackConfig(emulators, {
    config: { upstreams: [...base.upstreams, { name: 'vllm-2', framework: 'vllm', url: second.url }] }
  }))
  t.after(() => fresh.app.close())
  const none = await request(`${fresh.url}/v1/models`, { headers: { authorization: `Bearer ${KEYS.alice}` } })
  assert.equal(none.statusCode, 502)
  assert.equal(gatewayRefusal(await none.body.json()).code, 'IG_ERR_UPSTREAM_UNREACHABLE')
})
