/**
 * Slow and greedy clients over raw sockets: headers that never finish, bodies trickled byte by
 * byte, one address opening many sockets. The bounds are time bounds, so these tests wait for them;
 * the assertions are generous (cut within about two seconds of the configured value).
 */
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { parseConfig } from '../../src/config-load/load.js'
import { startServeProcess } from '../helpers/serve-process.js'
import { auth, KEYS, startEmulators, startStack, stackConfig, type Stack } from '../helpers/stack.js'
import { gatewayRefusal } from '../helpers/refusal.js'

interface Outcome {
  /** Seconds from the first byte sent to the socket's close. */
  readonly seconds: number
  readonly text: string
}

function open (url: string): Socket {
  const { hostname, port } = new URL(url)
  const socket = connect(Number(port), hostname)
  socket.on('error', () => { /* a reset after the 408 is one of the acceptable outcomes */ })
  return socket
}

/** Sends `head`, then `body` one byte every `gapMs` (until the socket closes), and reports how it ended. */
async function trickle (url: string, head: string, body = '', gapMs = 200): Promise<Outcome> {
  const socket = open(url)
  await once(socket, 'connect')
  const chunks: Buffer[] = []
  socket.on('data', chunk => { chunks.push(chunk) })
  const started = performance.now()
  socket.write(head)
  let sent = 0
  const timer = setInterval(() => {
    if (sent < body.length && socket.writable) socket.write(body[sent++] as string)
  }, gapMs)
  await once(socket, 'close')
  clearInterval(timer)
  return { seconds: (performance.now() - started) / 1000, text: Buffer.concat(chunks).toString('latin1') }
}

/** The connection ended with a 408 in the gateway's JSON shape, or with nothing at all. */
function assertTimedOut (outcome: Outcome): void {
  if (outcome.text === '') return
  assert.match(outcome.text, /^HTTP\/1\.1 408 /, outcome.text.slice(0, 200))
  assert.match(outcome.text, /\r\nconnection: *close/i)
  assert.equal(gatewayRefusal(outcome.text.slice(outcome.text.indexOf('\r\n\r\n') + 4)).code, 'IG_ERR_REQUEST_TIMEOUT')
}

function assertWithin (outcome: Outcome, from: number, to: number): void {
  assert.ok(outcome.seconds >= from && outcome.seconds <= to, `cut after ${outcome.seconds.toFixed(2)} s, expected within [${from}, ${to}] s`)
}

async function refusals (stack: Stack, code: string): Promise<number> {
  const text = await stack.gateway.metrics.registry.metrics()
  const found = new RegExp(`^infergate_refusals_total\\{reason="${code}"\\} (\\d+)$`, 'm').exec(text)
  return Number(found?.[1] ?? 0)
}

/** Every request an emulator saw was cut before its body was complete (or it saw none). */
async function assertNoCompleteRequest (stack: Stack): Promise<void> {
  for (const emulator of [stack.vllm, stack.triton, stack.torchserve]) {
    for (const record of emulator.received) {
      if (record.outcome === 'pending') await once(emulator.events, 'settled')
      assert.equal(record.outcome, 'aborted', `${emulator.framework} completed ${record.method} ${record.url}`)
      assert.equal(record.body.length, 0, 'the emulator read a whole body')
    }
  }
}

const head = (method: string, target: string, headers: readonly string[] = []) =>
  [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', `Authorization: Bearer ${KEYS.alice}`, ...headers].join('\r\n') + '\r\n\r\n'

const slowStack = (t: TestContext, server: Record<string, unknown>) => startStack(t, { config: { server } })

test('server.headersTimeout defaults to 10 s and must not exceed server.requestTimeout', () => {
  const base = { upstreams: [{ name: 'v', framework: 'vllm', url: 'http://127.0.0.1:1' }] }
  assert.equal(parseConfig(JSON.stringify(base), 'test').server.headersTimeout, '10s')
  assert.equal(parseConfig(JSON.stringify(base), 'test').server.maxConnectionsPerClient, undefined)
  assert.throws(() => parseConfig(JSON.stringify({ ...base, server: { headersTimeout: '20s', requestTimeout: '10s' } }), 'test'),
    /server\.headersTimeout: must not exceed server\.requestTimeout/)
  // requestTimeout 0 is no bound at all: any headersTimeout goes
  parseConfig(JSON.stringify({ ...base, server: { headersTimeout: '20s', requestTimeout: 0 } }), 'test')
})

test('headers sent halfway are cut with 408 within about a second of headersTimeout', async (t) => {
  const stack = await slowStack(t, { headersTimeout: '1s', requestTimeout: '10s' })
  const outcome = await trickle(stack.url, 'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n')
  assertWithin(outcome, 0.9, 3)
  assert.notEqual(outcome.text, '', 'a 408 can still be sent: nothing was answered yet')
  assertTimedOut(outcome)
  assert.equal(await refusals(stack, 'IG_ERR_REQUEST_TIMEOUT'), 1)
  await assertNoCompleteRequest(stack)
})

test('headers trickled one byte at a time are cut by headersTimeout, however steady the trickle', async (t) => {
  const stack = await slowStack(t, { headersTimeout: '1s', requestTimeout: '10s' })
  const outcome = await trickle(stack.url, 'G', 'ET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n', 100)
  assertWithin(outcome, 0.9, 3)
  assertTimedOut(outcome)
})

test('a connection that never sends a byte is closed after headersTimeout', async (t) => {
  const stack = await slowStack(t, { headersTimeout: '1s', requestTimeout: '10s' })
  const outcome = await trickle(stack.url, '')
  assertWithin(outcome, 0.9, 3)
  assertTimedOut(outcome)
})

test('a body trickled to a streaming route is cut by requestTimeout and the upstream request aborted', async (t) => {
  const stack = await slowStack(t, { headersTimeout: '1s', requestTimeout: '2s' })
  // Content-Length on a path-model route: the body streams straight to TorchServe as it arrives.
  const upstreamSaw = once(stack.torchserve.events, 'settled')
  const outcome = await trickle(stack.url, head('POST', '/predictions/demo-model', ['Content-Length: 100']), 'x'.repeat(100))
  assertWithin(outcome, 1.9, 4.5)
  assertTimedOut(outcome)
  // The emulator got the head (streaming started) and then saw the exchange cut, its body never complete.
  await upstreamSaw
  assert.equal(stack.torchserve.received.length, 1)
  await assertNoCompleteRequest(stack)
  assert.equal(await refusals(stack, 'IG_ERR_REQUEST_TIMEOUT'), 1)
})

test('a timed-out upload is logged as a 408 refusal with its audit event, and the gateway keeps serving', async (t) => {
  const emulators = await startEmulators(t)
  const config = { ...stackConfig(emulators), logging: { level: 'info', bodies: false, bodyBytes: 4096 } }
  const gateway = await startServeProcess(t, { ...config, server: { ...config.server, headersTimeout: '1s', requestTimeout: '2s' } })
  const outcome = await trickle(gateway.url, head('POST', '/predictions/demo-model', ['Content-Length: 100']), 'x'.repeat(100))
  assertTimedOut(outcome)
  const [audit] = await gateway.linesMatching(line => line.includes('"event":"request.refused"'))
  const entry = JSON.parse(audit as string) as Record<string, unknown>
  assert.equal(entry['reason'], 'IG_ERR_REQUEST_TIMEOUT')
  assert.equal(entry['path'], '/predictions/demo-model')
  const [access] = await gateway.linesMatching(line => line.includes('"msg":"request"'))
  assert.equal((JSON.parse(access as string) as Record<string, unknown>)['status'], 408)
  const response = await request(`${gateway.url}/v1/models`, { headers: auth() })
  assert.equal(response.statusCode, 200)
  await response.body.text()
})

test('a body trickled to a JSON route is cut by requestTimeout before anything is forwarded', async (t) => {
  const stack = await slowStack(t, { headersTimeout: '1s', requestTimeout: '2s' })
  const body = '{"model":"demo-llm","messages":[{"role":"user","content":"hi"}]}'
  const outcome = await trickle(stack.url,
    head('POST', '/v1/chat/completions', ['Content-Type: application/json', `Content-Length: ${body.length}`]), body)
  assertWithin(outcome, 1.9, 4.5)
  assert.notEqual(outcome.text, '')
  assertTimedOut(outcome)
  assert.equal(stack.vllm.received.length, 0)
})

test('a chunked body trickled to a path-model route is cut by requestTimeout before anything is forwarded', async (t) => {
  const stack = await slowStack(t, { headersTimeout: '1s', requestTimeout: '2s' })
  const outcome = await trickle(stack.url, head('POST', '/predictions/demo-model', ['Transfer-Encoding: chunked']), '1\r\nx\r\n'.repeat(20))
  assertWithin(outcome, 1.9, 4.5)
  assertTimedOut(outcome)
  assert.equal(stack.torchserve.received.length, 0)
})

test('requestTimeout bounds receiving the request, not the response: a slow answer is not cut', async (t) => {
  const stack = await startStack(t, { config: { server: { headersTimeout: '1s', requestTimeout: '2s' } }, emulators: { vllm: { ttftMs: 3000 } } })
  const response = await request(`${stack.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'demo-llm', messages: [{ role: 'user', content: 'hi' }] })
  })
  assert.equal(response.statusCode, 200)
  await response.body.json()
})

test('a keep-alive connection idle longer than headersTimeout still serves its next request', async (t) => {
  const stack = await slowStack(t, { headersTimeout: '1s', requestTimeout: '2s' })
  const socket = open(stack.url)
  await once(socket, 'connect')
  const responses: string[] = []
  let text = ''
  socket.on('data', chunk => {
    text += chunk.toString('latin1')
    const end = text.indexOf('\r\n\r\n')
    const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))
    if (end !== -1 && length !== null && text.length >= end + 4 + Number(length[1])) {
      responses.push(text.slice(0, end + 4 + Number(length[1])))
      text = text.slice(end + 4 + Number(length[1]))
      socket.emit('response')
    }
  })
  socket.write(head('GET', '/v1/models'))
  await once(socket, 'response')
  // The idle time between requests is keepAliveTimeout's, not headersTimeout's.
  await new Promise(resolve => setTimeout(resolve, 1800))
  assert.ok(!socket.destroyed, 'the idle keep-alive connection was closed')
  socket.write(head('GET', '/v1/models'))
  await once(socket, 'response')
  socket.destroy()
  assert.deepEqual(responses.map(r => r.slice(0, 12)), ['HTTP/1.1 200', 'HTTP/1.1 200'])
})

async function openIdle (url: string, count: number): Promise<Socket[]> {
  const sockets: Socket[] = []
  for (let i = 0; i < count; i++) {
    const socket = open(url)
    await once(socket, 'connect')
    sockets.push(socket)
  }
  return sockets
}

test('server.maxConnectionsPerClient closes the sockets one address opens over the limit', async (t) => {
  const stack = await slowStack(t, { maxConnectionsPerClient: 3 })
  const accepted: Socket[] = []
  stack.gateway.app.server.on('connection', (socket: Socket) => { accepted.push(socket) })
  const held = await openIdle(stack.url, 3)
  try {
    const over = await trickle(stack.url, head('GET', '/v1/models'))
    assert.equal(over.text, '', 'the socket over the limit was answered')
    assert.equal(await refusals(stack, 'IG_ERR_TOO_MANY_CONNECTIONS'), 1)
    // A closed connection frees its place.
    const first = held.shift() as Socket
    first.destroy()
    await once(accepted[0] as Socket, 'close')
    const response = await request(`${stack.url}/v1/models`, { headers: { ...auth(), connection: 'close' } })
    assert.equal(response.statusCode, 200)
    await response.body.text()
  } finally {
    // Sockets that never sent a request would hold the gateway's close until they time out.
    for (const socket of held) socket.destroy()
  }
})

test('without server.maxConnectionsPerClient one address may open many connections', async (t) => {
  const stack = await startStack(t)
  const held = await openIdle(stack.url, 50)
  try {
    const response = await request(`${stack.url}/v1/models`, { headers: auth() })
    assert.equal(response.statusCode, 200)
    await response.body.text()
    assert.ok(held.every(socket => !socket.destroyed))
    assert.equal(await refusals(stack, 'IG_ERR_TOO_MANY_CONNECTIONS'), 0)
  } finally {
    for (const socket of held) socket.destroy()
  }
})
