/**
 * CORS (`cors`) on the wire: preflights answered by the gateway itself (no credential, never
 * forwarded), Access-Control-* on every response to an allowed origin (streams and refusals
 * included), none at all for any other origin, and no Access-Control-* header of an upstream's own.
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { test } from 'node:test'
import { Client, request } from 'undici'
import type { IncomingHttpHeaders } from 'undici/types/header.js'
import { listen } from '../helpers/listen.js'
import { auth, startStack, type Stack } from '../helpers/stack.js'
import { gatewayRefusal } from '../helpers/refusal.js'

const APP = 'https://app.example.com'
const LOCAL = 'http://127.0.0.1:3000'
const CORS = { origins: [APP, LOCAL], maxAge: '10m', allowHeaders: ['x-stainless-os'], exposeHeaders: ['x-trace-id'] }
const json = { 'content-type': 'application/json' }
const chat = JSON.stringify({ model: 'demo-llm', stream: true, messages: [{ role: 'user', content: 'hi' }] })

const ALLOW_HEADERS = 'authorization, content-type, x-api-key, x-request-id, x-stainless-os'
const EXPOSE_HEADERS = 'x-request-id, retry-after, ratelimit-limit, ratelimit-remaining, ratelimit-reset, inference-header-content-length, x-trace-id'
const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'

function corsHeaders (headers: IncomingHttpHeaders): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('access-control-')))
}

function assertNothingForwarded (stack: Stack): void {
  assert.deepEqual([...stack.vllm.received, ...stack.triton.received, ...stack.torchserve.received].map(r => `${r.method} ${r.url}`), [])
}

async function preflight (stack: Stack, target: string, method: string, origin = APP, extra: Record<string, string> = {}) {
  // A Client sends the target as it is (a URL would resolve dot segments first).
  const client = new Client(stack.url)
  const response = await client.request({
    path: target,
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type', ...extra }
  })
  const text = await response.body.text()
  await client.close()
  return { status: response.statusCode, headers: response.headers, body: text === '' ? undefined : gatewayRefusal(text) }
}

test('CORS is off by default: a preflight is refused as before, with no Access-Control-* header', async (t) => {
  const stack = await startStack(t)
  const answer = await preflight(stack, '/v1/chat/completions', 'POST')
  assert.equal(answer.status, 401)
  assert.deepEqual(corsHeaders(answer.headers), {})
  const real = await request(`${stack.url}/healthz`, { headers: { origin: APP } })
  await real.body.dump()
  assert.deepEqual(corsHeaders(real.headers), {})
  assertNothingForwarded(stack)
})

// Every framework's routes, the health routes, and a query string: the preflight's target is matched
// as the real request's would be, without a credential.
const ALLOWED_PREFLIGHTS: ReadonlyArray<readonly [name: string, method: string, target: string]> = [
  ['vLLM chat completions', 'POST', '/v1/chat/completions'],
  ['vLLM model list', 'GET', '/v1/models'],
  ['Triton infer, model in the path', 'POST', '/v2/models/demo-tensor/infer'],
  ['Triton infer, a model nobody serves (no model is revealed)', 'POST', '/v2/models/no-such-model/infer'],
  ['TorchServe PUT predictions', 'PUT', '/predictions/demo-model'],
  ['with a query string', 'POST', '/v1/completions?x=1'],
  ['/healthz', 'GET', '/healthz'],
  ['/readyz, HEAD', 'HEAD', '/readyz']
]

test('a preflight from an allowed origin for an allowed route is answered 204 by the gateway, never forwarded', async (t) => {
  const stack = await startStack(t, { config: { cors: CORS } })
  for (const [name, method, target] of ALLOWED_PREFLIGHTS) {
    await t.test(name, async () => {
      const answer = await preflight(stack, target, method)
      assert.equal(answer.status, 204)
      assert.equal(answer.body, undefined)
      assert.deepEqual(corsHeaders(answer.headers), {
        'access-control-allow-origin': APP,
        'access-control-allow-methods': method,
        'access-control-allow-headers': ALLOW_HEADERS,
        'access-control-max-age': '600'
      })
      assert.equal(answer.headers['vary'], PREFLIGHT_VARY)
      assert.equal(answer.headers['www-authenticate'], undefined)
    })
  }
  // The other allowed origin gets its own origin back, never the first one or "*".
  const local = await preflight(stack, '/v1/chat/completions', 'POST', LOCAL)
  assert.equal(local.headers['access-control-allow-origin'], LOCAL)
  assertNothingForwarded(stack)
})

const REFUSED_PREFLIGHTS: ReadonlyArray<readonly [name: string, method: string, target: string, status: number, code: string]> = [
  ['a route on no allowlist', 'POST', '/tokenize', 404, 'IG_ERR_ROUTE_NOT_ALLOWED'],
  ['vLLM\'s SageMaker route', 'POST', '/invocations', 404, 'IG_ERR_ROUTE_NOT_ALLOWED'],
  ['a method the path does not allow', 'DELETE', '/v1/chat/completions', 404, 'IG_ERR_ROUTE_NOT_ALLOWED'],
  ['TorchServe\'s OPTIONS (a denied route)', 'OPTIONS', '/predictions/demo-model', 404, 'IG_ERR_ROUTE_NOT_ALLOWED'],
  ['a lower-case method', 'post', '/v1/chat/completions', 404, 'IG_ERR_ROUTE_NOT_ALLOWED'],
  ['POST on a health route', 'POST', '/healthz', 404, 'IG_ERR_ROUTE_NOT_ALLOWED'],
  ['a dot segment in the model', 'POST', '/v2/models/../infer', 400, 'IG_ERR_PATH_NONCANONICAL']
]

test('a preflight for a route or method off the allowlist is refused without any Access-Control-* header', async (t) => {
  const stack = await startStack(t, { config: { cors: CORS } })
  for (const [name, method, target, status, code] of REFUSED_PREFLIGHTS) {
    await t.test(name, async () => {
      const answer = await preflight(stack, target, method)
      assert.equal(answer.status, status)
      assert.equal(answer.body?.code, code)
      assert.deepEqual(corsHeaders(answer.headers), {})
    })
  }
  assertNothingForwarded(stack)
})

// Origins are compared whole, as browsers serialise them.
const DISALLOWED_ORIGINS: ReadonlyArray<readonly [name: string, origin: string]> = [
  ['another site', 'https://evil.example'],
  ['the allowed host on another port', 'https://app.example.com:8443'],
  ['the allowed host over http', 'http://app.example.com'],
  ['the allowed name as a prefix', 'https://app.example.com.evil.example'],
  ['the allowed name as a suffix', 'https://evilapp.example.com'],
  ['a subdomain', 'https://x.app.example.com'],
  ['another case', 'https://APP.example.com'],
  ['a trailing slash', 'https://app.example.com/'],
  ['"null" (sandboxed frames, file: pages)', 'null'],
  ['two origins in one header', `${APP}, https://evil.example`],
  ['localhost for 127.0.0.1', 'http://localhost:3000']
]

test('a preflight from any other origin is refused 403 without any Access-Control-* header', async (t) => {
  const stack = await startStack(t, { config: { cors: CORS } })
  for (const [name, origin] of DISALLOWED_ORIGINS) {
    await t.test(name, async () => {
      const answer = await preflight(stack, '/v1/chat/completions', 'POST', origin)
      assert.equal(answer.status, 403)
      assert.equal(answer.body?.code, 'IG_ERR_ORIGIN_NOT_ALLOWED')
      assert.deepEqual(corsHeaders(answer.headers), {})
      // A real request from that origin is answered (CORS is the browser's check), but unmarked.
      const real = await request(`${stack.url}/v1/models`, { headers: { ...auth(), origin } })
      await real.body.dump()
      assert.equal(real.statusCode, 200)
      assert.deepEqual(corsHeaders(real.headers), {})
    })
  }
  const vllm = stack.vllm.received.map(r => `${r.method} ${r.url}`)
  assert.ok(vllm.every(line => line === 'GET /v1/models'), vllm.join(', '))
  const metrics = await (await request(`${stack.gateway.metricsUrl}/metrics`)).body.text()
  assert.match(metrics, new RegExp(`infergate_refusals_total\\{reason="IG_ERR_ORIGIN_NOT_ALLOWED"\\} ${DISALLOWED_ORIGINS.length}\n`))
})

test('a streamed completion to an allowed origin carries Access-Control-Allow-Origin, Vary and the exposed headers', async (t) => {
  const stack = await startStack(t, { config: { cors: CORS } })
  const response = await request(`${stack.url}/v1/chat/completions`, {
    method: 'POST', headers: { ...auth(), ...json, origin: APP }, body: chat
  })
  assert.equal(response.statusCode, 200)
  assert.match(String(response.headers['content-type']), /^text\/event-stream/)
  assert.equal(response.headers['content-length'], undefined)
  assert.deepEqual(corsHeaders(response.headers), {
    'access-control-allow-origin': APP,
    'access-control-expose-headers': EXPOSE_HEADERS
  })
  assert.equal(response.headers['vary'], 'Origin')
  assert.ok((await response.body.text()).endsWith('data: [DONE]\n\n'))
  assert.deepEqual(stack.vllm.received.map(r => `${r.method} ${r.url}`), ['POST /v1/chat/completions'])
})

test('credentials: true adds Access-Control-Allow-Credentials, and the origin is echoed', async (t) => {
  const stack = await startStack(t, { config: { cors: { origins: [APP], credentials: true } } })
  const answer = await preflight(stack, '/v1/chat/completions', 'POST')
  assert.equal(answer.status, 204)
  assert.equal(answer.headers['access-control-allow-origin'], APP)
  assert.equal(answer.headers['access-control-allow-credentials'], 'true')
  assert.equal(answer.headers['access-control-allow-headers'], 'authorization, content-type, x-api-key, x-request-id')
  const real = await request(`${stack.url}/v1/chat/completions`, { method: 'POST', headers: { ...auth(), ...json, origin: APP }, body: chat })
  await real.body.dump()
  assert.equal(real.headers['access-control-allow-origin'], APP)
  assert.equal(real.headers['access-control-allow-credentials'], 'true')
})

test('origins ["*"] without credentials: every origin gets "*"', async (t) => {
  const stack = await startStack(t, { config: { cors: { origins: ['*'] } } })
  const answer = await preflight(stack, '/v1/chat/completions', 'POST', 'https://anyone.example')
  assert.equal(answer.status, 204)
  assert.equal(answer.headers['access-control-allow-origin'], '*')
  assert.equal(answer.headers['access-control-allow-credentials'], undefined)
  const real = await request(`${stack.url}/v1/models`, { headers: { ...auth(), origin: 'null' } })
  await real.body.dump()
  assert.equal(real.headers['access-control-allow-origin'], '*')
  assert.equal(real.headers['vary'], 'Origin')
  // Without an Origin nothing is added.
  const plain = await request(`${stack.url}/v1/models`, { headers: auth() })
  await plain.body.dump()
  assert.deepEqual(corsHeaders(plain.headers), {})
})

test('refusals to an allowed origin carry Access-Control-Allow-Origin, so the page can read them', async (t) => {
  const stack = await startStack(t, { config: { cors: CORS, rateLimit: { max: 1, timeWindow: '1h' } } })
  const rows: ReadonlyArray<readonly [name: string, target: string, headers: Record<string, string>, status: number, code: string]> = [
    ['no credential', '/v1/models', {}, 401, 'IG_ERR_UNAUTHENTICATED'],
    ['a route off the allowlist', '/metrics', auth(), 404, 'IG_ERR_ROUTE_NOT_ALLOWED'],
    ['a non-canonical target (the first check)', '/v1//models', auth(), 400, 'IG_ERR_PATH_NONCANONICAL'],
    ['the model list', '/v1/models', auth(), 200, ''],
    ['over the rate limit, Retry-After readable', '/v1/models', auth(), 429, 'IG_ERR_RATE_LIMITED']
  ]
  for (const [name, target, headers, status, code] of rows) {
    await t.test(name, async () => {
      const response = await request(`${stack.url}${target}`, { headers: { ...headers, origin: APP } })
      const body = await response.body.text()
      assert.equal(response.statusCode, status)
      assert.equal(response.statusCode >= 400 ? gatewayRefusal(body).code : '', code)
      assert.equal(response.headers['access-control-allow-origin'], APP)
      assert.equal(response.headers['access-control-expose-headers'], EXPOSE_HEADERS)
      assert.equal(response.headers['vary'], 'Origin')
    })
  }
})

test('an upstream\'s error (scrubbed, relayed whole) carries Access-Control-Allow-Origin', async (t) => {
  const stack = await startStack(t, { config: { cors: CORS } })
  const response = await request(`${stack.url}/v1/chat/completions`, {
    method: 'POST', headers: { ...auth(), ...json, origin: APP, 'x-emulate-failure': 'status-500' }, body: chat
  })
  await response.body.dump()
  assert.equal(response.statusCode, 500)
  assert.equal(response.headers['access-control-allow-origin'], APP)
  assert.equal(response.headers['vary'], 'Origin')
})

test('a draining gateway\'s 503 carries Access-Control-Allow-Origin', async (t) => {
  const stack = await startStack(t, { config: { cors: CORS } })
  stack.gateway.state.draining = true
  const response = await request(`${stack.url}/v1/models`, { headers: { ...auth(), origin: APP } })
  await response.body.dump()
  assert.equal(response.statusCode, 503)
  assert.equal(response.headers['access-control-allow-origin'], APP)
})

test('/healthz and /readyz answer an allowed origin with Access-Control-Allow-Origin', async (t) => {
  const stack = await startStack(t, { config: { cors: CORS } })
  for (const path of ['/healthz', '/readyz']) {
    await t.test(path, async () => {
      const response = await request(`${stack.url}${path}`, { headers: { origin: LOCAL } })
      await response.body.dump()
      assert.equal(response.statusCode, 200)
      assert.equal(response.headers['access-control-allow-origin'], LOCAL)
      assert.equal(response.headers['vary'], 'Origin')
    })
  }
})

test('an OPTIONS without Origin or without Access-Control-Request-Method is no preflight: handled as any request', async (t) => {
  const stack = await startStack(t, { config: { cors: CORS } })
  const rows: ReadonlyArray<readonly [name: string, headers: Record<string, string>, status: number, acao: string | undefined]> = [
    ['no Origin, no credential', { 'access-control-request-method': 'POST' }, 401, undefined],
    ['no Origin, a credential: TorchServe\'s OPTIONS stays denied', { ...auth(), 'access-control-request-method': 'POST' }, 404, undefined],
    ['an Origin without Access-Control-Request-Method: a real cross-origin OPTIONS', { ...auth(), origin: APP }, 404, APP]
  ]
  for (const [name, headers, status, acao] of rows) {
    await t.test(name, async () => {
      const response = await request(`${stack.url}/predictions/demo-model`, { method: 'OPTIONS', headers })
      await response.body.dump()
      assert.equal(response.statusCode, status)
      assert.equal(response.headers['access-control-allow-origin'], acao)
      assert.equal(response.headers['access-control-allow-methods'], undefined)
    })
  }
  assertNothingForwarded(stack)
})

test('an upstream\'s own Access-Control-* headers never reach the client (vLLM allows every origin)', async (t) => {
  const off = await startStack(t)
  const on = await startStack(t, { config: { cors: CORS } })
  const rows: ReadonlyArray<readonly [name: string, stack: Stack, origin: string, acao: string | undefined]> = [
    ['CORS off', off, APP, undefined],
    ['a disallowed origin', on, 'https://evil.example', undefined],
    ['an allowed origin: the gateway\'s answer, not vLLM\'s "*"', on, APP, APP]
  ]
  // The emulator answers like vLLM's CORSMiddleware defaults.
  const direct = await request(`${off.vllm.url}/v1/models`, { headers: { origin: 'https://evil.example' } })
  await direct.body.dump()
  assert.equal(direct.headers['access-control-allow-origin'], '*')
  for (const [name, stack, origin, acao] of rows) {
    await t.test(name, async () => {
      const response = await request(`${stack.url}/v1/chat/completions`, { method: 'POST', headers: { ...auth(), ...json, origin }, body: chat })
      await response.body.dump()
      assert.equal(response.statusCode, 200)
      assert.equal(response.headers['access-control-allow-origin'], acao)
    })
  }
})

test('an upstream Vary is kept and the gateway adds Origin to it, streamed or scrubbed', async (t) => {
  const upstream = await listen(t, createServer((req, res) => {
    req.resume()
    const status = req.url === '/v1/embeddings' ? 500 : 200
    res.writeHead(status, { 'content-type': 'application/json', vary: 'Accept-Encoding' })
    res.end(JSON.stringify(status === 200 ? { id: 'x' } : { error: { message: 'boom' } }))
  }))
  const stack = await startStack(t, { upstreams: { vllm: { url: upstream } }, config: { cors: CORS } })
  for (const route of ['/v1/chat/completions', '/v1/embeddings']) {
    const response = await request(`${stack.url}${route}`, {
      method: 'POST',
      headers: { ...auth(), ...json, origin: APP },
      body: JSON.stringify({ model: 'demo-llm', input: 'hi', messages: [] })
    })
    await response.body.dump()
    assert.equal(response.headers['vary'], 'Accept-Encoding, Origin', route)
    assert.equal(response.headers['access-control-allow-origin'], APP, route)
  }
})
