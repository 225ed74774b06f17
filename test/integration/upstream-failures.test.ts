import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { test, type TestContext } from 'node:test'
import { request } from 'undici'
import { startGateway } from '../../src/serve.js'
import { rawRequest } from '../helpers/raw-http.js'
import { auth, startEmulators, startStack, stackConfig } from '../helpers/stack.js'
import { gatewayRefusal } from '../helpers/refusal.js'

const chat = (stream = false) => ({
  method: 'POST' as const,
  headers: { ...auth(), 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'demo-llm', stream, messages: [] })
})

async function errorOf (url: string, options: ReturnType<typeof chat>) {
  const response = await request(url, options)
  return { status: response.statusCode, code: gatewayRefusal(await response.body.json()).code }
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

/** A gateway whose Triton upstream answers each request with `answer`, bytes as they are; `closed` settles when that connection closes. */
async function behindRawUpstream (t: TestContext) {
  const emulators = await startEmulators(t)
  const upstream = { answer: '', closed: Promise.resolve() }
  const server = createServer(socket => {
    // The pool may open a spare connection: the one that got the request is the one that must close.
    socket.on('data', () => {
      upstream.closed = new Promise(resolve => socket.once('close', () => { resolve() }))
      socket.write(upstream.answer)
    })
    socket.on('error', () => {})
  }).listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => server.close())
  const { port } = server.address() as { port: number }
  const gateway = await startGateway(stackConfig(emulators, { upstreams: { triton: { url: `http://127.0.0.1:${port}` } } }))
  t.after(() => gateway.app.close())
  return { gateway, upstream }
}

// The gateway never asks for an upgrade (a client's Upgrade is hop-by-hop), so a 101 is a backend
// speaking another protocol on the connection: nothing of it may reach the client as a tunnel.
test('an upstream that answers 101: 502 IG_ERR_UPSTREAM_UPGRADE, no tunnel, the upstream connection closed', async (t) => {
  const rows: ReadonlyArray<readonly [string, string]> = [
    ['101 with Upgrade: websocket', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nTUNNEL-BYTES'],
    ['101 with Upgrade: h2c', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\nTUNNEL-BYTES'],
    ['101 without Upgrade headers', 'HTTP/1.1 101 Switching Protocols\r\n\r\nTUNNEL-BYTES']
  ]
  const { gateway, upstream } = await behindRawUpstream(t)
  for (const [name, bytes] of rows) {
    upstream.answer = bytes
    await t.test(`${name}, asked by undici`, async () => {
      const response = await request(`${gateway.url}/v2/models/demo-tensor`, { headers: auth() })
      const body = await response.body.text()
      assert.equal(response.statusCode, 502)
      assert.equal(gatewayRefusal(body).code, 'IG_ERR_UPSTREAM_UPGRADE')
      await upstream.closed
    })
    await t.test(`${name}, asked by a client that wants an upgrade itself`, async () => {
      const response = await rawRequest(gateway.url, [
        'GET /v2/models/demo-tensor HTTP/1.1', 'Host: gateway.example', `Authorization: ${auth().authorization}`,
        'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        '', ''
      ].join('\r\n'))
      assert.equal(response.status, 502, response.head)
      assert.match(response.body, /IG_ERR_UPSTREAM_UPGRADE/)
      assert.ok(!response.body.includes('TUNNEL') && !response.head.includes('101'))
      await upstream.closed
    })
  }
  const metrics = await (await request(`${gateway.metricsUrl}/metrics`)).body.text()
  assert.match(metrics, /infergate_upstream_errors_total\{upstream="triton",kind="upgrade"\} 6/)
})

test('interim responses: 102 and 103 are not relayed and the final response is; an unasked 100 is a bad response', async (t) => {
  const { gateway, upstream } = await behindRawUpstream(t)
  const final = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'
  const rows: ReadonlyArray<readonly [string, string, number, string]> = [
    ['103 Early Hints', `HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n${final}`, 200, '{}'],
    ['102 Processing', `HTTP/1.1 102 Processing\r\n\r\n${final}`, 200, '{}'],
    ['100 Continue', `HTTP/1.1 100 Continue\r\n\r\n${final}`, 502, 'IG_ERR_UPSTREAM_BAD_RESPONSE']
  ]
  for (const [name, bytes, status, body] of rows) {
    upstream.answer = bytes
    await t.test(name, async () => {
      const response = await request(`${gateway.url}/v2/models/demo-tensor`, { headers: auth() })
      const text = await response.body.text()
      assert.equal(response.statusCode, status)
      assert.ok(text.includes(body), text)
      assert.equal(response.headers['link'], undefined)
    })
  }
})
