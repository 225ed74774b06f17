import assert from 'node:assert/strict'
import { once } from 'node:events'
import { test } from 'node:test'
import { request } from 'undici'
import { startServeProcess } from '../helpers/serve-process.js'
import { auth, startEmulators, stackConfig } from '../helpers/stack.js'

async function serveProcess (t: import('node:test').TestContext, drainTimeout: string) {
  const emulators = await startEmulators(t, { emulators: { vllm: { tokens: 4 } } })
  const config = { ...stackConfig(emulators), logging: { level: 'info' }, server: { drainTimeout } }
  const { child, url, lines } = await startServeProcess(t, config)
  return { child, url, lines, emulators }
}

test('SIGTERM: readiness turns 503, in-flight streams finish, new connections are refused, exit 0; no log line is lost', async (t) => {
  const { child, url, lines, emulators } = await serveProcess(t, '30s')
  const stream = await request(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json', 'x-emulate-inter-token-ms': '150' },
    body: JSON.stringify({ model: 'demo-llm', stream: true, messages: [] })
  })
  assert.equal(stream.statusCode, 200)
  const iterator = stream.body[Symbol.asyncIterator]()
  await iterator.next()
  const exited = once(child, 'exit')
  const closed = once(child, 'close')
  child.kill('SIGTERM')
  let rest = ''
  for (let chunk = await iterator.next(); chunk.done !== true; chunk = await iterator.next()) rest += String(chunk.value)
  assert.ok(rest.endsWith('data: [DONE]\n\n'), 'the in-flight stream finished')
  const [code] = await exited
  assert.equal(code, 0)
  await assert.rejects(request(`${url}/healthz`), /ECONNREFUSED/)
  assert.equal(emulators.vllm.received[0]?.outcome, 'completed')
  // Lines are written in batches: the stream's access line and those logged while stopping all got out.
  await closed
  const messages = lines.map(line => (JSON.parse(line) as { msg: string }).msg)
  assert.deepEqual(messages.filter(msg => ['draining: no new connections', 'request', 'stopped'].includes(msg)),
    ['draining: no new connections', 'request', 'stopped'])
})

test('SIGTERM: streams still running at the drain timeout are cut, the process exits 0', async (t) => {
  const { child, url, emulators } = await serveProcess(t, '300ms')
  const stream = await request(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json', 'x-emulate-inter-token-ms': '60000' },
    body: JSON.stringify({ model: 'demo-llm', stream: true, messages: [] })
  })
  await stream.body[Symbol.asyncIterator]().next()
  const settled = once(emulators.vllm.events, 'settled')
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  await assert.rejects(stream.body.text())
  const [code] = await exited
  assert.equal(code, 0)
  const [record] = await settled as [{ outcome: string }]
  assert.equal(record.outcome, 'aborted', 'the upstream request was closed too')
})
