import assert from 'node:assert/strict'
import { test } from 'node:test'
import { request } from 'undici'
import { rawRequest } from '../helpers/raw-http.js'
import { KEYS, startStack } from '../helpers/stack.js'

// Headers by which a client claims to be, or to speak for, a proxy in front of the backend: its
// address, the original URL or method, the scheme, the user. WSGI/ASGI servers read `X_Forwarded_For`
// as `X-Forwarded-For`, so underscore spellings are the same claim.
const CLAIMS: ReadonlyArray<readonly [string, string]> = [
  ['Forwarded', 'for=203.0.113.9;proto=https'],
  ['X-Forwarded-For', '203.0.113.9'],
  ['X-Forwarded-Host', 'admin.internal'],
  ['X-Forwarded-Proto', 'https'],
  ['X-Forwarded-Prefix', '/admin'],
  ['X-Forwarded-Port', '443'],
  ['X-Forwarded-User', 'root'],
  ['X-Forwarded-Uri', '/v2/repository/index'],
  ['X-Forwarded-Path', '/v2/repository/index'],
  ['X-Forwarded-Scheme', 'https'],
  ['X-Forwarded-Ssl', 'on'],
  ['X-Forwarded-Server', 'admin.internal'],
  ['X-Real-IP', '10.0.0.1'],
  ['True-Client-IP', '10.0.0.1'],
  ['CF-Connecting-IP', '10.0.0.1'],
  ['X-Client-IP', '10.0.0.1'],
  ['X-Cluster-Client-IP', '10.0.0.1'],
  ['Client-IP', '10.0.0.1'],
  ['X-Original-Forwarded-For', '10.0.0.1'],
  ['X-ProxyUser-Ip', '10.0.0.1'],
  ['X-Original-URL', '/v2/repository/models/x/load'],
  ['X-Rewrite-URL', '/v2/repository/models/x/load'],
  ['X-HTTP-Method-Override', 'DELETE'],
  ['X-Original-Method', 'DELETE'],
  ['X-Forwarded-Client-Cert', 'Hash=abc;Subject="CN=admin"'],
  ['X-Remote-User', 'admin'],
  ['Remote-User', 'admin'],
  ['X-Auth-Request-User', 'admin'],
  ['X-Auth-Request-Email', 'admin@example.com'],
  ['X-User', 'admin'],
  ['X-Authenticated-User', 'admin'],
  ['X-Envoy-Original-Path', '/v2/repository/index'],
  ['X-Envoy-Upstream-Rq-Timeout-Ms', '1'],
  ['Fastly-Client-IP', '10.0.0.1'],
  ['X-Remote-IP', '10.0.0.1'],
  ['X-Remote-Addr', '10.0.0.1'],
  ['X-Originating-IP', '10.0.0.1'],
  ['X-Original-URI', '/v2/repository/index'],
  ['X-Original-Host', 'admin.internal'],
  ['X-Host', 'admin.internal'],
  ['X-Scheme', 'https'],
  ['X-Url-Scheme', 'https'],
  ['Front-End-Https', 'on'],
  ['X-HTTP-Method', 'DELETE'],
  ['X-Method-Override', 'DELETE'],
  ['X_Forwarded_For', '10.0.0.1'],
  ['X_Api_Key', 'client-secret'],
  ['X_Vertex_Ai_Triton_Redirect', 'v2/systemsharedmemory/region/r/register']
]

// The gateway's own values of the two it sets; every other claim is absent upstream.
const SET_BY_GATEWAY: Readonly<Record<string, string>> = { 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http' }

test('client proxy, client-IP, rewrite and method-override headers and any name with "_" never reach the upstream; a configured "_" header does', async (t) => {
  const stack = await startStack(t, { upstreams: { triton: { headers: { x_backend_key: 'backend-secret' } } } })
  const raw = await rawRequest(stack.url, [
    'GET /v2/models/demo-tensor HTTP/1.1',
    'Host: gateway.example',
    `Authorization: Bearer ${KEYS.alice}`,
    'Connection: close',
    ...CLAIMS.map(([name, value]) => `${name}: ${value}`),
    'X-Backend-Key: from-the-client',
    'X_Backend_Key: from-the-client',
    'X-Kept: yes',
    '', ''
  ].join('\r\n'))
  assert.equal(raw.status, 200, raw.body)
  const viaUndici = await request(`${stack.url}/v2/models/demo-tensor`, {
    headers: ['authorization', `Bearer ${KEYS.alice}`, ...CLAIMS.flat(), 'X-Backend-Key', 'from-the-client', 'x-kept', 'yes']
  })
  assert.equal(viaUndici.statusCode, 200)
  await viaUndici.body.dump()
  assert.equal(stack.triton.received.length, 2)

  for (const [client, received] of [['raw socket', stack.triton.received[0]], ['undici', stack.triton.received[1]]] as const) {
    assert.ok(received !== undefined)
    const headers = received.headers
    await t.test(client, async (t) => {
      for (const [name] of CLAIMS) {
        await t.test(name, () => { assert.equal(headers[name.toLowerCase()], SET_BY_GATEWAY[name.toLowerCase()]) })
      }
      // A WSGI backend reads X-Backend-Key and x_backend_key as one header: the client's cannot pass.
      await t.test('the configured x_backend_key, and no client value for it in either spelling', () => {
        assert.equal(headers['x_backend_key'], 'backend-secret')
        assert.equal(headers['x-backend-key'], undefined)
        assert.deepEqual(Object.keys(headers).filter(name => name.includes('_')), ['x_backend_key'])
      })
      await t.test('other headers pass', () => { assert.equal(headers['x-kept'], 'yes') })
    })
  }
})
