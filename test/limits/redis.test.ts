import assert from 'node:assert/strict'
import { test } from 'node:test'
import { request } from 'undici'
import { startGateway } from '../../src/serve.js'
import { startServeProcess } from '../helpers/serve-process.js'
import { auth, KEYS, startEmulators, stackConfig } from '../helpers/stack.js'
import { freePort } from '../../src/emulators/free-port.js'
import { chat, chatBody, eventually, startRedis } from './helpers.js'

const info = { level: 'info' }

const openStream = async (url: string, key: string) => {
  const stream = await request(`${url}/v1/chat/completions`, {
    method: 'POST', headers: { ...auth(key), 'content-type': 'application/json', 'x-emulate-inter-token-ms': '60000' }, body: chatBody({ stream: true })
  })
  const iterator = stream.body[Symbol.asyncIterator]()
  await iterator.next()
  return iterator
}

test('two gateway processes sharing one Redis hold the request and concurrency limits together; a dead replica leaks no lease', async (t) => {
  const [emulators, url] = await Promise.all([startEmulators(t), startRedis(t)])
  const config = stackConfig(emulators, {
    config: { logging: info, rateLimit: { identities: { alice: { max: 4 }, scoped: { concurrency: 1 } }, redis: { url, leaseTtl: '300ms' } } }
  })
  const [a, b] = await Promise.all([startServeProcess(t, config), startServeProcess(t, config)])

  for (const gateway of [a, b, a, b]) assert.equal((await chat(gateway.url)).status, 200)
  for (const gateway of [a, b]) {
    const refused = await chat(gateway.url)
    assert.equal(refused.code, 'IG_ERR_RATE_LIMITED')
    assert.ok(Number(refused.retryAfter) > 0)
  }
  assert.equal(emulators.vllm.received.length, 4)

  // A stream through A holds the identity's only slot, refreshed past its TTL while it lives.
  const stream = await openStream(a.url, KEYS.scoped)
  for (let i = 0; i < 3; i++) assert.equal((await chat(b.url, {}, {}, KEYS.scoped)).code, 'IG_ERR_CONCURRENCY_LIMITED')
  // A dies holding it: the lease expires after leaseTtl, B admits again.
  a.child.kill('SIGKILL')
  await assert.rejects(stream.next())
  await eventually(async () => assert.equal((await chat(b.url, {}, {}, KEYS.scoped)).status, 200))
})

test('Redis unreachable: 503 IG_ERR_LIMITS_UNAVAILABLE (fail closed), logged once per outage, shown by a metric', async (t) => {
  const emulators = await startEmulators(t)
  const url = `redis://127.0.0.1:${await freePort()}`
  const gateway = await startServeProcess(t, stackConfig(emulators, {
    config: { logging: info, rateLimit: { max: 100, concurrency: 4, tokens: { max: 1000 }, redis: { url, timeout: '200ms' } } }
  }))
  for (let i = 0; i < 3; i++) {
    const refused = await chat(gateway.url)
    assert.equal(refused.status, 503)
    assert.equal(refused.code, 'IG_ERR_LIMITS_UNAVAILABLE')
  }
  assert.equal(emulators.vllm.received.length, 0)
  assert.equal(gateway.lines.filter(line => line.includes('limits store (redis) unreachable')).length, 1)
  const metrics = await (await request(`${gateway.metricsUrl}/metrics`)).body.text()
  assert.match(metrics, /infergate_limits_store_up 0/)
})

test('Redis unreachable with onError: open: requests pass unlimited and are counted; limits hold again once Redis is back', async (t) => {
  const emulators = await startEmulators(t)
  const port = await freePort()
  const config = stackConfig(emulators, {
    config: { rateLimit: { max: 1, tokens: { max: 1000 }, redis: { url: `redis://127.0.0.1:${port}`, onError: 'open', timeout: '200ms' } } }
  })
  const gateway = await startGateway(config)
  t.after(() => gateway.app.close())
  for (let i = 0; i < 3; i++) assert.equal((await chat(gateway.url, { max_tokens: 10 })).status, 200)
  const metrics = await (await request(`${gateway.metricsUrl}/metrics`)).body.text()
  assert.match(metrics, /infergate_limits_unenforced_total\{limit="requests"\} 3/)
  assert.match(metrics, /infergate_limits_unenforced_total\{limit="tokens"\} 3/)
  assert.match(metrics, /infergate_limits_store_up 0/)
  await startRedis(t, port)
  await eventually(async () => assert.equal((await chat(gateway.url)).code, 'IG_ERR_RATE_LIMITED'), 400)
})

test('Redis unreachable: a request over the whole token budget still gets its 400, since it never reaches the store', async (t) => {
  const emulators = await startEmulators(t)
  const gateway = await startGateway(stackConfig(emulators, {
    config: { rateLimit: { tokens: { max: 20 }, redis: { url: `redis://127.0.0.1:${await freePort()}`, timeout: '200ms' } } }
  }))
  t.after(() => gateway.app.close())
  const tooLarge = await chat(gateway.url, { max_tokens: 21 })
  assert.equal(tooLarge.status, 400)
  assert.equal(tooLarge.code, 'IG_ERR_TOKEN_REQUEST_TOO_LARGE')
  assert.equal((await chat(gateway.url, { max_tokens: 20 })).code, 'IG_ERR_LIMITS_UNAVAILABLE')
  assert.equal(emulators.vllm.received.length, 0)
})

test('token budget in Redis: reservation, settlement from usage, refusal', async (t) => {
  const [emulators, url] = await Promise.all([startEmulators(t), startRedis(t)])
  const gateway = await startGateway(stackConfig(emulators, { config: { rateLimit: { tokens: { max: 100 }, redis: { url } } } }))
  t.after(() => gateway.app.close())
  assert.equal((await chat(gateway.url, { stream: true, max_tokens: 100 }, { 'x-emulate-tokens': '7' })).status, 200)
  assert.equal((await chat(gateway.url, { max_tokens: 94 })).code, 'IG_ERR_TOKEN_LIMITED')
  await eventually(async () => assert.equal((await chat(gateway.url, { max_tokens: 93 }, { 'x-emulate-tokens': '93' })).status, 200))
  const spent = await chat(gateway.url, { max_tokens: 1 })
  assert.equal(spent.code, 'IG_ERR_TOKEN_LIMITED')
  assert.ok(Number(spent.retryAfter) >= 1 && Number(spent.retryAfter) <= 60)
})
