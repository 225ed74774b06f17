import assert from 'node:assert/strict'
import { test } from 'node:test'
import { request } from 'undici'
import { auth, startStack } from '../helpers/stack.js'

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/

test('a request without traceparent gets a fresh valid one upstream; ids never repeat across entropy refills', async (t) => {
  const stack = await startStack(t)
  // More requests than ids drawn per refill (256).
  for (let i = 0; i < 300; i++) {
    const response = await request(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo-llm', messages: [] })
    })
    await response.body.dump()
  }
  const sent = stack.vllm.received.map(({ headers }) => String(headers['traceparent']))
  for (const traceparent of sent) assert.match(traceparent, TRACEPARENT)
  assert.equal(new Set(sent.map(value => value.slice(3, 35))).size, 300, 'trace ids are unique')
  assert.equal(new Set(sent.map(value => value.slice(36, 52))).size, 300, 'parent ids are unique')
})
