/**
 * The relay between the upstream's response and the client's socket, against upstreams written
 * here to misbehave in one precise way each.
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { test, type TestContext } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { request, type Dispatcher } from 'undici'
import { startGateway, type RunningGateway } from '../../src/serve.js'
import { auth, startEmulators, stackConfig } from '../helpers/stack.js'
import { listen } from '../helpers/listen.js'
import { gatewayRefusal } from '../helpers/refusal.js'

const chat = {
  method: 'POST' as const,
  headers: { ...auth(), 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'demo-llm', messages: [] })
}

async function gatewayBefore (t: TestContext, url: string, vllm: Record<string, unknown> = {}): Promise<RunningGateway> {
  const emulators = await startEmulators(t)
  const gateway = await startGateway(stackConfig(emulators, { upstreams: { vllm: { url, ...vllm } } }))
  // Cut what a failed run left in flight, rather than wait for it.
  t.after(() => {
    gateway.app.server.closeAllConnections()
    return gateway.app.close()
  })
  return gateway
}

test('a client that leaves while its request waits for a pooled connection: the request is never sent', async (t) => {
  const arrived: Array<{ tag: string, response: ServerResponse }> = []
  const upstream = createHttpServer((req: IncomingMessage, response: ServerResponse) => {
    arrived.push({ tag: String(req.headers['x-tag']), response })
    upstream.emit('arrived')
  })
  const arrival = async (count: number) => { while (arrived.length < count) await once(upstream, 'arrived') }
  const gateway = await gatewayBefore(t, await listen(t, upstream), { pool: { connections: 1 } })
  const call = (tag: string, signal?: AbortSignal) =>
    request(`${gateway.url}/v1/chat/completions`, { ...chat, headers: { ...chat.headers, 'x-tag': tag }, signal })

  const first = call('first')
  await arrival(1)
  // The second request is queued behind the first on the pool's only connection (the pool's own
  // queue: undici creates no request for it yet); once the gateway has handed it over, its client leaves.
  const pool = gateway.upstreams.find(({ name }) => name === 'vllm')?.pool as Dispatcher
  const dispatch = pool.dispatch.bind(pool)
  const created = new Promise<void>(resolve => {
    pool.dispatch = (options, handler) => {
      const queued = dispatch(options, handler)
      if ((options.headers as string[]).includes('second')) resolve()
      return queued
    }
  })
  const gatewaySide = new Promise<ServerResponse>(resolve => {
    gateway.app.server.on('request', (req: IncomingMessage, res: ServerResponse) => { if (req.headers['x-tag'] === 'second') resolve(res) })
  })
  const controller = new AbortController()
  const second = call('second', controller.signal)
  await created
  const closed = once(await gatewaySide, 'close')
  controller.abort()
  await assert.rejects(second)
  await closed

  arrived[0]?.response.end('{}')
  assert.equal((await first).statusCode, 200)
  // The pool is FIFO: had the second request still been queued, it would reach the upstream next.
  const third = call('third')
  await arrival(2)
  assert.deepEqual(arrived.map(({ tag }) => tag), ['first', 'third'])
  arrived[1]?.response.end('{}')
  await (await third).body.dump()
})

test('a client that stops reading pauses the upstream: the gateway holds socket buffers, not the response', async (t) => {
  const total = 128 * 2 ** 20
  const chunk = Buffer.alloc(64 * 1024, 0x61)
  let written = 0
  const upstream = createHttpServer((_req, response) => {
    response.writeHead(200, { 'content-type': 'application/octet-stream' })
    const writeMore = (): void => {
      while (written < total) {
        written += chunk.length
        if (!response.write(chunk)) {
          // No drain for a second: whoever reads this socket has stopped.
          const stalled = setTimeout(() => upstream.emit('stalled'), 1000)
          response.once('drain', () => { clearTimeout(stalled); writeMore() })
          return
        }
      }
      response.end()
      upstream.emit('finished')
    }
    writeMore()
  })
  const gateway = await gatewayBefore(t, await listen(t, upstream))
  const response = await request(`${gateway.url}/v1/chat/completions`, chat)
  const outcome = await Promise.race([once(upstream, 'stalled').then(() => 'stalled'), once(upstream, 'finished').then(() => 'finished')])
  assert.equal(outcome, 'stalled', 'the upstream wrote everything: the gateway buffered the response')
  assert.ok(written < 64 * 2 ** 20, `the upstream got ${written} bytes out before it was paused`)
  let received = 0
  for await (const data of response.body) received += (data as Buffer).length
  assert.equal(received, total, 'after the pause the client still gets every byte')
})

test('an upstream status outside 200-599 is a 502, not relayed', async (t) => {
  const upstream = createNetServer(socket => {
    socket.once('data', () => socket.end('HTTP/1.1 600 Beyond\r\ncontent-length: 2\r\n\r\n{}'))
  })
  const gateway = await gatewayBefore(t, await listen(t, upstream))
  const response = await request(`${gateway.url}/v1/chat/completions`, chat)
  assert.equal(response.statusCode, 502)
  assert.equal(gatewayRefusal(await response.body.json()).code, 'IG_ERR_UPSTREAM_BAD_RESPONSE')
})

test('a stream does not hold its parsed request body: a long prompt is let go once forwarded', async (t) => {
  // A real full GC, so that heap figures count only what is still referenced.
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const held: ServerResponse[] = []
  const upstream = createHttpServer((req: IncomingMessage, response: ServerResponse) => {
    req.resume()
    req.once('end', () => {
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      response.write('data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\n\n')
      held.push(response)
    })
  })
  const gateway = await gatewayBefore(t, await listen(t, upstream))
  t.after(() => { for (const response of held) response.destroy() })
  const PROMPT_BYTES = 900_000
  const STREAMS = 8
  const body = Buffer.from(JSON.stringify({ model: 'demo-llm', stream: true, messages: [{ role: 'user', content: 'a'.repeat(PROMPT_BYTES) }] }))
  const clients: Dispatcher.ResponseData['body'][] = []
  t.after(() => { for (const client of clients) client.destroy() })
  // Each stream stays open: its client holds the response after the first token.
  const open = async () => {
    const response = await request(`${gateway.url}/v1/chat/completions`, { ...chat, body })
    assert.equal(response.statusCode, 200)
    clients.push(response.body)
    await once(response.body, 'data')
  }
  await open()
  gc()
  const before = process.memoryUsage().heapUsed
  await Promise.all(Array.from({ length: STREAMS }, open))
  assert.equal(held.length, STREAMS + 1)
  gc()
  const grown = process.memoryUsage().heapUsed - before
  // Each parse held would be a 900 kB string in the heap (the default body limit is 1 MiB).
  assert.ok(grown < STREAMS * PROMPT_BYTES / 2, `the heap grew by ${grown} bytes over ${STREAMS} open streams`)
})
