import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import { test } from 'node:test'
import { request } from 'undici'
import { startGateway } from '../../src/serve.js'
import { rawRequest } from '../helpers/raw-http.js'
import { KEYS, startEmulators, stackConfig } from '../helpers/stack.js'

test('hop-by-hop headers stop at the gateway in both directions, and the upstream\'s Server and Proxy-Authenticate at the client; the upstream gets its own Host', async (t) => {
  let seen: IncomingHttpHeaders | undefined
  const upstream = createServer((req, res) => {
    seen = req.headers
    res.writeHead(200, {
      'content-type': 'application/json',
      connection: 'keep-alive, x-upstream-private',
      'keep-alive': 'timeout=5',
      'x-upstream-private': 'internal',
      'proxy-connection': 'keep-alive',
      // The backend's software and version, and a challenge for a proxy hop that is not the client's.
      server: 'uvicorn/0.30.1',
      'proxy-authenticate': 'Basic realm="internal"',
      'proxy-authentication-info': 'nextnonce="abc"',
      'x-kept': 'yes'
    })
    res.end('{}')
  }).listen(0, '127.0.0.1')
  await once(upstream, 'listening')
  t.after(() => upstream.close())
  const { port } = upstream.address() as { port: number }
  const emulators = await startEmulators(t)
  const gateway = await startGateway(stackConfig(emulators, { upstreams: { triton: { url: `http://127.0.0.1:${port}` } } }))
  t.after(() => gateway.app.close())

  const response = await rawRequest(gateway.url, [
    'GET /v2/models/demo-tensor HTTP/1.1',
    'Host: gateway.example:8080',
    `Authorization: Bearer ${KEYS.alice}`,
    'Connection: close, x-client-private',
    'X-Client-Private: secret',
    'Keep-Alive: timeout=99',
    'Proxy-Connection: keep-alive',
    'TE: trailers',
    'Upgrade: websocket',
    'X-Forwarded-For: 203.0.113.9',
    'X-Kept: yes',
    '', ''
  ].join('\r\n'))
  assert.equal(response.status, 200)
  assert.ok(seen !== undefined)
  assert.equal(seen.host, `127.0.0.1:${port}`)
  for (const name of ['x-client-private', 'keep-alive', 'proxy-connection', 'te', 'upgrade', 'authorization']) {
    assert.equal(seen[name], undefined, name)
  }
  assert.equal(seen['x-forwarded-for'], '127.0.0.1', 'the client cannot claim another address')
  assert.equal(seen['x-kept'], 'yes')
  const head = response.head.toLowerCase()
  assert.ok(!head.includes('x-upstream-private'))
  assert.ok(!head.includes('proxy-connection'))
  assert.ok(!head.includes('timeout=5'))
  for (const name of ['server:', 'proxy-authenticate:', 'proxy-authentication-info:', 'uvicorn']) assert.ok(!head.includes(name), name)
  assert.ok(head.includes('x-kept: yes'))

  // undici as a client sees the same.
  const viaUndici = await request(`${gateway.url}/v2/models/demo-tensor`, { headers: { authorization: `Bearer ${KEYS.alice}` } })
  await viaUndici.body.dump()
  assert.equal(viaUndici.headers['x-upstream-private'], undefined)
})
