/**
 * Refusals made below or before the route's hooks: by node's HTTP parser (no request object), by
 * fastify's router (targets it cannot decode), and before a body is read (`Expect: 100-continue`).
 * Each one answers in infergate's JSON shape with an `x-request-id`, unless a response is already
 * in flight on the connection: then the connection is cut rather than a second message written
 * into it. Over raw sockets.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { rawConnection, rawRequest, type RawResponse } from '../helpers/raw-http.js'
import { KEYS, startStack, type Stack } from '../helpers/stack.js'
import { gatewayRefusal } from '../helpers/refusal.js'

const ALICE = `Authorization: Bearer ${KEYS.alice}\r\n`
const CHAT = '{"model":"demo-llm","messages":[{"role":"user","content":"hi"}]}'
const MAX_SHOWN_PATH = 64

function header (response: RawResponse, name: string): string | undefined {
  return new RegExp(`\\r\\n${name}: *([^\\r]*)`, 'i').exec(`\r\n${response.head}`)?.[1]
}

function errorOf (response: RawResponse): { code: string, message: string, requestId: string } {
  return gatewayRefusal(response.body)
}

async function refusals (stack: Stack, code: string): Promise<number> {
  const response = await request(`${stack.gateway.metricsUrl}/metrics`)
  const text = await response.body.text()
  return Number(new RegExp(`^infergate_refusals_total\\{reason="${code}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0)
}

const get = (target: string, extra = '') => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${ALICE}${extra}Connection: close\r\n\r\n`

test('a parse error while a response is in flight writes nothing into it: the response finishes, then the connection closes', async t => {
  const stack = await startStack(t)

  await t.test('garbage after a pipelined request: no 400 answers that request, the refusal is counted', async () => {
    const before = await refusals(stack, 'IG_ERR_BAD_REQUEST')
    const connection = await rawConnection(stack.url)
    connection.write(`POST /predictions/demo-model HTTP/1.1\r\nHost: 127.0.0.1\r\n${ALICE}x-emulate-ttft-ms: 300\r\n` +
      'Content-Length: 4\r\n\r\nbodyGARBAGE\r\n\r\n')
    const received = await connection.closed
    assert.equal(received.match(/HTTP\/1\.1 \d{3}/g)?.join(), 'HTTP/1.1 200', 'the request is answered, the garbage is not')
    assert.equal(await refusals(stack, 'IG_ERR_BAD_REQUEST'), before + 1)
  })

  await t.test('garbage during an SSE stream: the stream ends whole, no HTTP message inside its body', async () => {
    const connection = await rawConnection(stack.url)
    const body = JSON.stringify({ model: 'demo-llm', stream: true, messages: [] })
    connection.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n${ALICE}Content-Type: application/json\r\n` +
      `x-emulate-inter-token-ms: 50\r\nx-emulate-tokens: 40\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
    await connection.waitFor(/data: /)
    connection.write('GARBAGE\r\n\r\n')
    const received = await connection.closed
    assert.equal(received.match(/HTTP\/1\.1 \d{3}/g)?.length, 1, 'one response head only')
    assert.doesNotMatch(received, /HTTP\/1\.1 400/)
    assert.match(received, /data: \[DONE\]\n\n\r\n0\r\n\r\n$/, 'the stream finished, and nothing came after it')
  })

  await t.test('the gateway still answers a plain request afterwards', async () => {
    assert.equal((await rawRequest(stack.url, get('/v1/models'))).status, 200)
  })
})

test('parser-level refusals with no response in flight get the JSON error and an x-request-id', async t => {
  const stack = await startStack(t)
  const CASES: ReadonlyArray<readonly [string, string, number, string]> = [
    ['malformed header line', get('/v1/models', 'Not A Header\r\n'), 400, 'IG_ERR_BAD_REQUEST'],
    ['unknown method', 'BREW /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 400, 'IG_ERR_BAD_REQUEST'],
    ['headers over the limit', get('/v1/models', `X-Pad: ${'a'.repeat(20_000)}\r\n`), 431, 'IG_ERR_HEADERS_TOO_LARGE'],
    ['HTTP/1.1 without Host', `GET /v1/models HTTP/1.1\r\n${ALICE}Connection: close\r\n\r\n`, 400, 'IG_ERR_HOST_INVALID'],
    ['Expect other than 100-continue', get('/v1/models', 'Expect: tea\r\n'), 417, 'IG_ERR_EXPECTATION_FAILED']
  ]
  for (const [name, raw, status, code] of CASES) {
    await t.test(name, async () => {
      const response = await rawRequest(stack.url, raw)
      assert.equal(response.status, status, response.head)
      assert.match(response.head, /\r\ncontent-type: *application\/json/i)
      const error = errorOf(response)
      assert.equal(error.code, code)
      assert.ok(error.message.length > 0)
      assert.ok(error.requestId.length > 0)
      assert.equal(header(response, 'x-request-id'), error.requestId)
    })
  }
  await t.test('no emulator received anything', () => {
    assert.deepEqual([stack.vllm, stack.triton, stack.torchserve].flatMap(e => e.received), [])
  })
})

test('x-request-id on every refusal and failure, the client\'s own when it is safe', async t => {
  const stack = await startStack(t)
  const json = 'Content-Type: application/json\r\n'
  const CASES: ReadonlyArray<readonly [string, string, number]> = [
    ['401 unknown key', 'GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer nope\r\nConnection: close\r\n\r\n', 401],
    ['404 route not allowed', get('/v2/repository/index'), 404],
    ['400 non-canonical target', get('/v1/%2e%2e/metrics'), 400],
    ['400 target the router cannot decode', get('/v1/models%c0%af'), 400],
    ['400 bad Host', 'GET /v1/models HTTP/1.1\r\nHost: a/b\r\nConnection: close\r\n\r\n', 400],
    ['413 declared body too large', `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n${ALICE}${json}Content-Length: 99999999\r\nConnection: close\r\n\r\n`, 413],
    ['502 upstream reset', `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n${ALICE}${json}x-emulate-failure: reset\r\nContent-Length: ${CHAT.length}\r\nConnection: close\r\n\r\n${CHAT}`, 502],
    ['200 health', 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', 200]
  ]
  for (const [name, raw, status] of CASES) {
    await t.test(name, async () => {
      const response = await rawRequest(stack.url, raw)
      assert.equal(response.status, status, response.body)
      const id = header(response, 'x-request-id')
      assert.ok(id !== undefined && id.length > 0, 'x-request-id header')
      if (status >= 400) assert.equal(errorOf(response).requestId, id)
    })
  }
  await t.test('a safe client id is echoed on a refusal', async () => {
    const response = await rawRequest(stack.url, get('/v2/repository/index', 'X-Request-Id: client-id-1\r\n'))
    assert.equal(header(response, 'x-request-id'), 'client-id-1')
    assert.equal(errorOf(response).requestId, 'client-id-1')
  })
})

test('error messages never echo a query string or more than a bounded part of the client\'s input', async t => {
  const stack = await startStack(t)
  const canary = 'canary-query-secret'
  const long = 'a'.repeat(1000)
  const scoped = `Authorization: Bearer ${KEYS.scoped}\r\n`
  const outOfScope = CHAT.replace('demo-llm', `x${'\\u0007'.repeat(20)}${long.slice(0, 150)}`)
  const CASES: ReadonlyArray<readonly [string, string, string]> = [
    ['overlong UTF-8 "/" (%c0%af)', get(`/v1/models%c0%af?api_key=${canary}`), 'IG_ERR_PATH_NONCANONICAL'],
    ['overlong UTF-8 "." (%C0%AE)', get(`/v1/%C0%AE%C0%AE/metrics?api_key=${canary}`), 'IG_ERR_PATH_NONCANONICAL'],
    ['three-byte overlong "/" (%e0%80%af)', get(`/v1/${long}%e0%80%af?api_key=${canary}`), 'IG_ERR_PATH_NONCANONICAL'],
    ['long path, not allowed', get(`/v1/${long}?api_key=${canary}`), 'IG_ERR_ROUTE_NOT_ALLOWED'],
    ['long model name out of scope', `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n${scoped}Content-Type: application/json\r\n` +
      `Content-Length: ${outOfScope.length}\r\nConnection: close\r\n\r\n${outOfScope}`, 'IG_ERR_MODEL_NOT_ALLOWED'],
    ['long Content-Type', `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n${ALICE}Content-Type: text/${long}\r\n` +
      `Content-Length: ${CHAT.length}\r\nConnection: close\r\n\r\n${CHAT}`, 'IG_ERR_MEDIA_TYPE']
  ]
  for (const [name, raw, code] of CASES) {
    await t.test(name, async () => {
      const response = await rawRequest(stack.url, raw)
      const error = errorOf(response)
      assert.equal(error.code, code)
      assert.ok(!error.message.includes(canary) && !error.message.includes('?'), `query string echoed: ${error.message}`)
      assert.ok(!error.message.includes('a'.repeat(MAX_SHOWN_PATH + 1)), `unbounded echo: ${error.message}`)
      assert.ok(error.message.length <= 160, `message of ${error.message.length} characters`)
      assert.ok(![...error.message].some(c => c.charCodeAt(0) < 0x20), `control characters unescaped: ${JSON.stringify(error.message)}`)
    })
  }
})

test('Expect: 100-continue: the interim response only once the checks before the body passed', async t => {
  const stack = await startStack(t, { config: { limits: { bodyBytes: 1024 } } })
  const headers = (key: string, target: string, length: number, extra = '') =>
    `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\n${extra}Content-Length: ${length}\r\nExpect: 100-continue\r\n\r\n`
  const REFUSED: ReadonlyArray<readonly [string, string, number]> = [
    ['unknown key', headers('nope', '/predictions/demo-model', 2), 401],
    ['route not allowed', headers(KEYS.alice, '/v2/repository/index', 2), 404],
    ['model in the path out of scope', headers(KEYS.scoped, '/predictions/demo-model', 2), 403],
    ['declared length over the limit', headers(KEYS.alice, '/predictions/demo-model', 4096), 413],
    ['declared length over the limit on a JSON route', headers(KEYS.alice, '/v1/chat/completions', 4096, 'Content-Type: application/json\r\n'), 413]
  ]
  for (const [name, raw, status] of REFUSED) {
    await t.test(`${name}: the final status straight away, and the connection closes`, async () => {
      const connection = await rawConnection(stack.url)
      connection.write(raw)
      const received = await connection.closed
      assert.ok(received.startsWith(`HTTP/1.1 ${status} `), received.slice(0, 80))
      assert.doesNotMatch(received, /100 Continue/)
      assert.match(received, /\r\nconnection: close\r\n/i)
      assert.match(received, /\r\nx-request-id: /i)
    })
  }
  await t.test('a good request gets 100 Continue, then its response', async () => {
    const connection = await rawConnection(stack.url)
    connection.write(headers(KEYS.alice, '/predictions/demo-model', 5, 'Connection: close\r\n'))
    const interim = await connection.waitFor(/\r\n\r\n/)
    assert.equal(interim, 'HTTP/1.1 100 Continue\r\n\r\n')
    connection.write('hello')
    const received = await connection.closed
    assert.match(received, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /)
    assert.equal(stack.torchserve.received.at(-1)?.body.toString(), 'hello')
  })
  await t.test('a good request naming its model in the body gets 100 Continue, then its response', async () => {
    const connection = await rawConnection(stack.url)
    connection.write(headers(KEYS.alice, '/v1/chat/completions', CHAT.length, 'Content-Type: application/json\r\nConnection: close\r\n'))
    assert.equal(await connection.waitFor(/\r\n\r\n/), 'HTTP/1.1 100 Continue\r\n\r\n')
    connection.write(CHAT)
    assert.match(await connection.closed, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /)
  })
  await t.test('no refused request reached an upstream', () => {
    assert.deepEqual(stack.torchserve.received.map(r => r.body.toString()), ['hello'])
    assert.equal(stack.vllm.received.length, 1)
  })
})
