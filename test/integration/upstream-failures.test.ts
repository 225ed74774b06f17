import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { test } from 'node:test'
import { request } from 'undici'
import { startGateway } from '../../src/server/serve.js'
import { auth, startEmulators, startStack, stackConfig } from '../helpers/stack.js'

const chat = (stream = false) => ({
  method: 'POST' as const,
  headers: { ...auth(), 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'demo-llm', stream, messages: [] })
})

async function errorOf (url: string, options: ReturnType<typeof chat>) {
  const response = await request(url, options)
  const body = await response.body.json() as { error: { code: string } }
  return { status: response.statusCode, code: body.error.code }
}

test('an upstream that refuses connections: 502 IG_ERR_UPSTREAM_UNREACHABLE', async (t) => {
  const emulators = await startEmulators(t)
  // A port that was just free: nothing listens there.
  const server = createServer().listen(0, '127.0.0.1')
  await new Promise(resolve => server.once('listening', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise(resolve => server.close(resolve))
  const config = stackConfig(emulators, { upstreams: { vllm: { url: `http://127.0.0.1:${port}` } } })
  const gateway = await startGateway(config)
  t.after(() => gateway.app.close())
  assert.deepEqual(await errorOf(`${gateway.url}/v1/chat/completions`, chat()), { status: 502, code: 'IG_ERR_UPSTREAM_UNREACHABLE' })
})

test('an upstream that resets the connection: 502', async (t) => {
  const stack = await startStack(t, { emulators: { vllm: { failure: 'reset' } } })
  assert.deepEqual(await errorOf(`${stack.url}/v1/chat/completions`, chat()), { status: 502, code: 'IG_ERR_UPSTREAM_UNREACHABLE' })
})

test('an upstream that sends no response headers in time: 504, and the upstream request is closed', async (t) => {
  const stack = await startStack(t, {
    emulators: { vllm: { failure: 'hang' } },
    upstreams: { vllm: { timeouts: { firstByte: '200ms' } } }
  })
  assert.deepEqual(await errorOf(`${stack.url}/v1/chat/completions`, chat()), { status: 504, code: 'IG_ERR_UPSTREAM_TIMEOUT' })
})

test('an upstream name that does not resolve: 503 IG_ERR_UPSTREAM_UNRESOLVABLE', async (t) => {
  const emulators = await startEmulators(t)
  const config = stackConfig(emulators, { upstreams: { vllm: { url: 'http://upstream.invalid:8000' } } })
  const gateway = await startGateway(config)
  t.after(() => gateway.app.close())
  assert.deepEqual(await errorOf(`${gateway.url}/v1/chat/completions`, chat()), { status: 503, code: 'IG_ERR_UPSTREAM_UNRESOLVABLE' })
})

test('an upstream failing with its own error: status and body pass through', async (t) => {
  const stack = await startStack(t, { emulators: { vllm: { failure: 'status-500' } } })
  const response = await request(`${stack.url}/v1/chat/completions`, chat())
  assert.equal(response.statusCode, 500)
  const body = await response.body.json() as { error: { type: string } }
  assert.equal(typeof body.error.type, 'string')
})

test('an upstream that dies mid-stream: the client sees the stream cut, never a clean end', async (t) => {
  const stack = await startStack(t, { emulators: { vllm: { failure: 'reset-mid-stream', tokens: 6 } } })
  const response = await request(`${stack.url}/v1/chat/completions`, chat(true))
  assert.equal(response.statusCode, 200)
  await assert.rejects(response.body.text())
})

test('an idle gap longer than timeouts.idle cuts the stream', async (t) => {
  const stack = await startStack(t, {
    emulators: { vllm: { tokens: 3 } },
    upstreams: { vllm: { timeouts: { idle: '200ms' } } }
  })
  const response = await request(`${stack.url}/v1/chat/completions`, {
    ...chat(true), headers: { ...chat().headers, 'x-emulate-inter-token-ms': '60000' }
  })
  assert.equal(response.statusCode, 200)
  await assert.rejects(response.body.text())
})
