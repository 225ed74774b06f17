import assert from 'node:assert/strict'
import { test } from 'node:test'
import { request } from 'undici'
import { rawConnection, rawRequest } from '../helpers/raw-http.js'
import { startServeProcess } from '../helpers/serve-process.js'
import { auth, KEYS, startEmulators, stackConfig } from '../helpers/stack.js'

const CANARY = {
  key: 'ig_canary-key-that-must-never-be-logged-0001',
  cookie: 'canary-cookie-0002',
  query: 'canary-query-0003',
  prompt: 'canary-prompt-0004',
  backend: 'canary-backend-credential-0005',
  header: 'canary-header-0006'
}

interface LogLine { msg: string, event?: string, [key: string]: unknown }

const parse = (lines: string[]) => lines.map(line => JSON.parse(line) as LogLine)
const isAccessLine = (line: string) => line.includes('"msg":"request"')

async function send (url: string, path: string, init: Parameters<typeof request>[1] = {}) {
  const response = await request(`${url}${path}`, init)
  await response.body.text().catch(() => '')
  return response.statusCode
}

test('no credential, prompt or query string reaches the logs or the metrics output, whatever the request did', async (t) => {
  const emulators = await startEmulators(t, { emulators: { vllm: { tokens: 3 } } })
  const config = {
    ...stackConfig(emulators, { upstreams: { vllm: { headers: { authorization: `Bearer ${CANARY.backend}` } } } }),
    logging: { level: 'trace', bodies: false, bodyBytes: 4096 }
  }
  const gateway = await startServeProcess(t, config)
  const prompt = JSON.stringify({ model: 'demo-llm', stream: true, messages: [{ role: 'user', content: CANARY.prompt }] })
  const json = { 'content-type': 'application/json' }
  const attempts: Array<[string, Parameters<typeof request>[1]]> = [
    // accepted, streamed
    [`/v1/chat/completions?api_key=${CANARY.query}`, { method: 'POST', headers: { ...auth(), ...json, cookie: CANARY.cookie, 'x-note': CANARY.header }, body: prompt }],
    // a wrong key in each place a key can go
    ['/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${CANARY.key}`, ...json }, body: prompt }],
    ['/v1/chat/completions', { method: 'POST', headers: { 'x-api-key': CANARY.key, ...json }, body: prompt }],
    [`/v1/models?key=${CANARY.key}`, {}],
    // refused after authentication
    [`/v2/repository/index?x=${CANARY.query}`, { method: 'POST', headers: auth(), body: CANARY.prompt }],
    ['/v1/chat/completions', { method: 'POST', headers: { ...auth(KEYS.scoped), ...json }, body: prompt.replace('demo-llm', 'other-llm') }],
    ['/v1/chat/completions', { method: 'POST', headers: { ...auth(), ...json }, body: `{"model":"demo-llm","messages":"${CANARY.prompt}` }],
    // failing upstream, mid-stream and before the response
    ['/v1/chat/completions', { method: 'POST', headers: { ...auth(), ...json, 'x-emulate-failure': 'reset-mid-stream' }, body: prompt }],
    ['/v1/chat/completions', { method: 'POST', headers: { ...auth(), ...json, 'x-emulate-failure': 'status-500' }, body: prompt }],
    ['/v1/chat/completions', { method: 'POST', headers: { ...auth(), ...json, 'x-emulate-failure': 'reset' }, body: prompt }]
  ]
  const statuses: number[] = []
  for (const [path, init] of attempts) statuses.push(await send(gateway.url, path, init))
  assert.deepEqual(statuses, [200, 401, 401, 401, 404, 403, 400, 200, 500, 502])

  await gateway.linesMatching(isAccessLine, attempts.length)
  const metrics = await request(`${gateway.metricsUrl}/metrics`)
  const logs = gateway.lines.join('\n') + gateway.stderr() + await metrics.body.text()
  for (const [name, canary] of Object.entries(CANARY)) {
    assert.ok(!logs.includes(canary), `the ${name} canary leaked into the logs`)
  }
  assert.ok(!logs.includes(KEYS.alice) && !logs.includes(KEYS.scoped), 'a valid key leaked into the logs')
  assert.ok(!logs.includes('?api_key') && !logs.includes('?x=') && !logs.includes('?key='), 'a query string reached the logs')
})

test('one access line per request with the documented fields; audit events for refusals', async (t) => {
  const emulators = await startEmulators(t, { emulators: { vllm: { tokens: 4 } } })
  const gateway = await startServeProcess(t, stackConfig(emulators, { config: { logging: { level: 'info' } } }))
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
  await send(gateway.url, '/v1/chat/completions', {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json', traceparent, 'x-request-id': 'req-42' },
    body: JSON.stringify({ model: 'demo-llm', stream: true, stream_options: { include_usage: true }, messages: [] })
  })
  await send(gateway.url, '/v1/models', { headers: { authorization: 'Bearer nope' } })
  await send(gateway.url, '/v2/repository/index', { method: 'POST', headers: auth() })
  await gateway.linesMatching(isAccessLine, 3)
  // Lines are written in batches: an access line and the audit line after it may arrive apart.
  await gateway.linesMatching(line => line.includes('"msg":"audit"'), 2)
  const lines = parse(gateway.lines)
  const access = lines.filter(l => l.msg === 'request')
  const stream = access.find(l => l['reqId'] === 'req-42')
  assert.ok(stream !== undefined)
  assert.equal(stream['traceId'], '0af7651916cd43dd8448eb211c80319c')
  assert.equal(emulators.vllm.received[0]?.headers['traceparent'], traceparent, 'traceparent propagated upstream')
  for (const [field, value] of Object.entries({
    method: 'POST',
    path: '/v1/chat/completions',
    route: '/v1/chat/completions',
    identity: 'alice',
    auth: 'api-key',
    upstream: 'vllm',
    framework: 'vllm',
    model: 'demo-llm',
    status: 200,
    streamed: true,
    completionTokens: 4
  })) assert.deepEqual(stream[field], value, field)
  for (const field of ['durationMs', 'ttfbMs', 'ttftMs', 'chunks', 'bytesIn', 'bytesOut', 'promptTokens']) {
    assert.equal(typeof stream[field], 'number', field)
  }
  const audits = lines.filter(l => l.event !== undefined)
  assert.deepEqual(audits.map(l => [l.event, l['reason']]), [['auth.failure', 'unknown'], ['route.refused', 'IG_ERR_ROUTE_NOT_ALLOWED']])
  assert.equal(audits[1]?.['path'], '/v2/repository/index')
})

test('logging.bodies: request bodies logged with credentials redacted and capped, and a loud warning', async (t) => {
  const emulators = await startEmulators(t)
  const gateway = await startServeProcess(t, stackConfig(emulators, { config: { logging: { level: 'info', bodies: true, bodyBytes: 120 } } }))
  assert.ok(parse(gateway.lines).some(l => l.msg.startsWith('logging.bodies is ON')))
  await send(gateway.url, '/v1/completions', {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'demo-llm', api_key: CANARY.key, prompt: 'visible prompt '.repeat(20) })
  })
  await gateway.linesMatching(isAccessLine)
  const body = parse(gateway.lines).find(l => l.msg === 'request')?.['requestBody'] as string
  assert.match(body, /"api_key":"\[redacted\]"/)
  assert.match(body, /visible prompt/)
  assert.match(body, /…\[truncated\]$/)
  assert.ok(!gateway.lines.join('\n').includes(CANARY.key))
})

test('refusals made before any hook (router, HTTP parser) write an access line and an audit event; repeats are rate-limited', { timeout: 30_000 }, async (t) => {
  const emulators = await startEmulators(t)
  const gateway = await startServeProcess(t, stackConfig(emulators, { config: { logging: { level: 'info' } } }))
  const alice = `Authorization: Bearer ${KEYS.alice}\r\n`
  // fastify's router cannot decode an overlong UTF-8 "/": it refuses before request admission runs
  const badUrl = await rawRequest(gateway.url, `GET /v1/models%c0%af?api_key=${CANARY.query} HTTP/1.1\r\nHost: 127.0.0.1\r\n${alice}Connection: close\r\n\r\n`)
  assert.equal(badUrl.status, 400)
  // node's parser: no request object at all
  const malformed = await rawRequest(gateway.url, 'GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nNot A Header\r\n\r\n')
  assert.equal(malformed.status, 400)
  await gateway.linesMatching(isAccessLine, 2)
  await gateway.linesMatching(line => line.includes('"event":"request.refused"'), 2)
  const lines = parse(gateway.lines)
  const access = lines.filter(l => l.msg === 'request')
  assert.deepEqual(access.map(l => [l['status'], l['refusal']]), [[400, 'IG_ERR_PATH_NONCANONICAL'], [400, 'IG_ERR_BAD_REQUEST']])
  assert.equal(access[0]?.['path'], '/v1/models%c0%af')
  assert.equal(access[1]?.['reason'], 'HPE_INVALID_HEADER_TOKEN')
  const audits = lines.filter(l => l.event === 'request.refused')
  assert.deepEqual(audits.map(l => l['reqId']), access.map(l => l['reqId']))
  assert.ok(audits.every(l => l['remoteAddress'] === '127.0.0.1'))
  assert.ok(!gateway.lines.join('\n').includes(CANARY.query), 'the query string reached the logs')

  // a burst of identical parser refusals: every one counted and logged with the id its answer carries
  const burst = 40
  const answers = await Promise.all(Array.from({ length: burst }, () => rawRequest(gateway.url, 'BREW / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')))
  const metrics = await (await request(`${gateway.metricsUrl}/metrics`)).body.text()
  assert.match(metrics, new RegExp(`infergate_refusals_total\\{reason="IG_ERR_BAD_REQUEST"\\} ${burst + 1}\\b`))
  const ids = answers.map(answer => /\r\nx-request-id: ([^\r]+)/i.exec(answer.head)?.[1])
  const logged = await gateway.linesMatching(line => ids.some(id => id !== undefined && line.includes(`"reqId":"${id}"`) && line.includes('"msg":"request"')), burst)
  assert.equal(logged.length, burst)
})

test('a client-caused body failure is a warning without a stack trace, never an error line', { timeout: 30_000 }, async (t) => {
  const emulators = await startEmulators(t)
  const gateway = await startServeProcess(t, stackConfig(emulators, { config: { logging: { level: 'info' } } }))
  const head = `POST /predictions/demo-model HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEYS.alice}\r\nTransfer-Encoding: chunked\r\n\r\n`
  // a malformed chunk size in the middle of the body, and an upload abandoned half-way
  const malformed = await rawConnection(gateway.url)
  malformed.write(`${head}5\r\nhello\r\nZZZ\r\n`)
  // the parser failed inside the request being read: that request is refused, in JSON
  assert.match(await malformed.closed, /^HTTP\/1\.1 400 Bad Request\r\n[^]*"type":"IG_ERR_BAD_REQUEST"/)
  const abandoned = await rawConnection(gateway.url)
  abandoned.write(`${head}400\r\nhalf`)
  abandoned.destroy()
  await gateway.linesMatching(isAccessLine, 2)
  const lines = parse(gateway.lines)
  assert.deepEqual(lines.filter(l => (l['level'] as number) >= 50), [], 'error lines')
  assert.ok(!gateway.lines.some(l => l.includes('"stack"')), 'a stack trace was logged')
  const faults = lines.filter(l => l.msg === 'client fault')
  assert.ok(faults.length >= 1 && faults.every(l => l['level'] === 40), 'client faults are warnings')
  const refused = lines.find(l => l.msg === 'request' && l['refusal'] === 'IG_ERR_BAD_REQUEST')
  assert.deepEqual([refused?.['method'], refused?.['path'], refused?.['status'], refused?.['reason']],
    ['POST', '/predictions/demo-model', 400, 'HPE_INVALID_CHUNK_SIZE'])
})
