import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test, type TestContext } from 'node:test'
import { request } from 'undici'
import { scrubs, scrubText } from '../../src/guards/error-scrub.js'
import { parseConfig } from '../../src/config-load/load.js'
import { startGateway } from '../../src/serve.js'
import { auth, KEYS, startStack } from '../helpers/stack.js'
import { hashKey } from '../../src/auth/api-keys.js'

const LEAK = 'Traceback (most recent call last):\n  File "/opt/tritonserver/backends/python/model.py", line 12\n' +
  'PIL error at 0x7f3a2b1c4d50 in /usr/lib/python3/dist-packages/PIL/Image.py; region triton_python_backend_shm_region_7f3a stays mapped (/tmp/x)'

test('error-scrub (CVE-2026-22778, CVE-2025-23320): scrubbing removes addresses, shared-memory region names, paths and traceback file names, nothing else', () => {
  assert.equal(scrubText(LEAK),
    'Traceback (most recent call last):\n  File "[path]", line 12\n' +
    'PIL error at 0x[address] in [path]; region [shm-region] stays mapped ([path])')
  assert.equal(scrubs(500, { 'content-length': '10' }, 64), true)
  assert.equal(scrubs(500, {}, 64), false, 'streamed (no Content-Length)')
  assert.equal(scrubs(500, { 'content-length': '65' }, 64), false, 'over the cap')
  assert.equal(scrubs(404, { 'content-length': '10', 'content-encoding': 'gzip' }, 64), false, 'compressed')
  assert.equal(scrubs(200, { 'content-length': '10' }, 64), false, 'successful')
  const harmless = 'model "demo" expects 0x1234 at http://host/usr/x and 3 inputs'
  assert.equal(scrubText(harmless), harmless)
})

/** A Triton-like upstream answering every request with `status` and `body` (a JSON error). */
async function leakyUpstream (t: TestContext, status: number, body: string, headers: Record<string, string> = {}): Promise<string> {
  const server: Server = createServer((req, res) => {
    req.resume()
    req.on('end', () => { res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers }).end(body) })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => new Promise<void>(resolve => { server.close(() => { resolve() }); server.closeAllConnections() }))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function gatewayFor (t: TestContext, url: string, guards: Record<string, unknown> = {}): Promise<string> {
  const config = parseConfig(JSON.stringify({
    listen: { host: '127.0.0.1', port: 0 },
    metrics: { host: '127.0.0.1', port: 0 },
    logging: { level: 'silent' },
    upstreams: [{ name: 'triton', framework: 'triton', url, guards }],
    auth: { apiKeys: [{ id: 'alice', sha256: hashKey(KEYS.alice) }] }
  }), 'test config')
  const gateway = await startGateway(config)
  t.after(() => gateway.app.close())
  return gateway.url
}

const infer = (gateway: string) => request(`${gateway}/v2/models/m/infer`, {
  method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: '{"inputs":[]}'
})

test('error-scrub (CVE-2026-22778, CVE-2025-23320): upstream error bodies arrive scrubbed with a corrected Content-Length; off when configured', async (t) => {
  const body = JSON.stringify({ error: LEAK })
  const scrubbing = await gatewayFor(t, await leakyUpstream(t, 500, body))
  const response = await infer(scrubbing)
  assert.equal(response.statusCode, 500)
  const text = await response.body.text()
  assert.equal(response.headers['content-length'], String(Buffer.byteLength(text)))
  assert.equal(JSON.parse(text).error, scrubText(LEAK))
  for (const secret of ['0x7f3a2b1c4d50', 'triton_python_backend_shm_region', '/opt/', '/usr/lib', '/tmp/x']) {
    await t.test(`${secret} is gone`, () => { assert.equal(text.includes(secret), false) })
  }

  const plain = await gatewayFor(t, await leakyUpstream(t, 500, body), { 'error-scrub': { enabled: false } })
  assert.equal(await (await infer(plain)).body.text(), body)
})

test('error-scrub: successful, compressed and oversized error bodies pass through untouched', async (t) => {
  const body = JSON.stringify({ error: LEAK })
  for (const [name, status, headers, guards] of [
    ['successful (200)', 200, {}, {}],
    ['over maxBytes', 500, { 'content-encoding': 'identity' }, { 'error-scrub': { maxBytes: 64 } }],
    ['compressed (br)', 500, { 'content-encoding': 'br' }, {}]
  ] as const) {
    await t.test(name, async (t) => {
      const gateway = await gatewayFor(t, await leakyUpstream(t, status, body, headers), guards)
      assert.equal(await (await infer(gateway)).body.text(), body)
    })
  }
})

test("error-scrub: the emulators' status-500 failures pass through the scrubber intact", async (t) => {
  const stack = await startStack(t, { emulators: { vllm: { failure: 'status-500' }, torchserve: { failure: 'status-500' } } })
  const vllm = await request(`${stack.url}/v1/completions`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: '{"model":"demo-llm","prompt":"x"}' })
  assert.equal(vllm.statusCode, 500)
  assert.match(await vllm.body.text(), /Emulated internal error/)
  const torchserve = await request(`${stack.url}/predictions/demo-model`, { method: 'POST', headers: auth(), body: 'x' })
  assert.equal(torchserve.statusCode, 500)
  assert.match(await torchserve.body.text(), /Worker died/)
})
