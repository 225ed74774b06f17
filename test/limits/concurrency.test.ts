import assert from 'node:assert/strict'
import { once } from 'node:events'
import { test } from 'node:test'
import { request } from 'undici'
import type { RecordedRequest } from '../../src/emulators/index.js'
import { auth, KEYS, startStack } from '../helpers/stack.js'
import { chat, chatBody, eventually } from './helpers.js'

const slowStream = (url: string) => request(`${url}/v1/chat/completions`, {
  method: 'POST',
  // The first token at once, the next a minute later: the stream stays open until the test ends it.
  headers: { ...auth(), 'content-type': 'application/json', 'x-emulate-inter-token-ms': '60000' },
  body: chatBody({ stream: true })
})

const admitted = async (url: string) => {
  const response = await chat(url)
  assert.equal(response.status, 200, response.text)
}

test('a stream holds its slot until it ends: 429 IG_ERR_CONCURRENCY_LIMITED meanwhile, nothing forwarded; released on client abort', async (t) => {
  const stack = await startStack(t, { config: { rateLimit: { concurrency: 1 } } })
  const stream = await slowStream(stack.url)
  const iterator = stream.body[Symbol.asyncIterator]()
  await iterator.next()
  const refused = await chat(stack.url)
  assert.equal(refused.status, 429)
  assert.equal(refused.code, 'IG_ERR_CONCURRENCY_LIMITED')
  assert.equal(refused.retryAfter, '1')
  assert.equal(stack.vllm.received.length, 1, 'the refused request was not forwarded')
  const settled = once(stack.vllm.events, 'settled')
  stream.body.destroy()
  assert.equal((await settled as [RecordedRequest])[0].outcome, 'aborted')
  await eventually(() => admitted(stack.url))
})

test('a stream that ends normally releases its slot; per-identity overrides hold more', async (t) => {
  const stack = await startStack(t, { config: { rateLimit: { concurrency: 1, identities: { scoped: { concurrency: 2 } } } } })
  const response = await request(`${stack.url}/v1/chat/completions`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: chatBody({ stream: true }) })
  assert.match(await response.body.text(), /\[DONE\]/)
  await eventually(() => admitted(stack.url))

  const scoped = auth(KEYS.scoped)
  const open = async () => {
    const stream = await request(`${stack.url}/v1/chat/completions`, {
      method: 'POST', headers: { ...scoped, 'content-type': 'application/json', 'x-emulate-inter-token-ms': '60000' }, body: chatBody({ stream: true })
    })
    await stream.body[Symbol.asyncIterator]().next()
    return stream
  }
  const streams = [await open(), await open()]
  assert.equal((await chat(stack.url, {}, {}, KEYS.scoped)).code, 'IG_ERR_CONCURRENCY_LIMITED')
  await admitted(stack.url)
  for (const stream of streams) stream.body.destroy()
})

test('a slot is released when the upstream fails, before or during the response', async (t) => {
  const stack = await startStack(t, { config: { rateLimit: { concurrency: 1 } } })
  const reset = await chat(stack.url, {}, { 'x-emulate-failure': 'reset' })
  assert.equal(reset.code, 'IG_ERR_UPSTREAM_UNREACHABLE')
  await eventually(() => admitted(stack.url))
  const cut = await request(`${stack.url}/v1/chat/completions`, {
    method: 'POST', headers: { ...auth(), 'content-type': 'application/json', 'x-emulate-failure': 'reset-mid-stream' }, body: chatBody({ stream: true })
  })
  assert.equal(cut.statusCode, 200)
  await assert.rejects(cut.body.text())
  await eventually(() => admitted(stack.url))
})
