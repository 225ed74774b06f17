/**
 * Request targets, Host headers and framings that some backend could read differently from the
 * gateway: every one is refused (4xx, JSON error body) and no emulator ever sees a byte of them.
 * Sent over raw sockets: no real client would produce most of them.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rawRequest, type RawResponse } from '../helpers/raw-http.js'
import { KEYS, startStack } from '../helpers/stack.js'
import { gatewayRefusal } from '../helpers/refusal.js'

interface Expect {
  readonly status: number
  /** Acceptable `error.code` values; node's parser answers for some requests (IG_ERR_BAD_REQUEST). */
  readonly codes: readonly string[]
  /** node drops the connection without an answer (CONNECT with no handler): status 0 is acceptable. */
  readonly closeOk?: boolean
}

const NONCANONICAL: Expect = { status: 400, codes: ['IG_ERR_PATH_NONCANONICAL'] }
// refused either by node's HTTP parser or by the gateway's target check: refused all the same
const MALFORMED: Expect = { status: 400, codes: ['IG_ERR_BAD_REQUEST', 'IG_ERR_PATH_NONCANONICAL'] }
const PARSER: Expect = { status: 400, codes: ['IG_ERR_BAD_REQUEST'] }
const BAD_HOST: Expect = { status: 400, codes: ['IG_ERR_HOST_INVALID'] }
const NOT_ALLOWED: Expect = { status: 404, codes: ['IG_ERR_ROUTE_NOT_ALLOWED'] }
const BODY_ON_GET: Expect = { status: 400, codes: ['IG_ERR_BODY_NOT_ALLOWED'] }

interface RawOptions {
  /** `null`: no Host header at all. */
  readonly host?: string | null
  readonly headers?: readonly string[]
  /** Sent as is; framed with Content-Length unless `headers` frame it. */
  readonly body?: string
}

const CHAT = '{"model":"demo-llm","messages":[{"role":"user","content":"hi"}]}'

function raw (method: string, target: string, options: RawOptions = {}): string {
  const lines = [`${method} ${target} HTTP/1.1`]
  if (options.host !== null) lines.push(`Host: ${options.host ?? '127.0.0.1'}`)
  lines.push(`Authorization: Bearer ${KEYS.alice}`, ...(options.headers ?? []))
  const framed = (options.headers ?? []).some(h => /^(content-length|transfer-encoding)\s*:/i.test(h))
  if (options.body !== undefined && !framed) {
    lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(options.body)}`)
  }
  lines.push('Connection: close')
  return `${lines.join('\r\n')}\r\n\r\n${options.body ?? ''}`
}

const post = (target: string, body = CHAT) => raw('POST', target, { body })
const get = (target: string) => raw('GET', target)
const withByte = (before: string, byte: number, after: string) =>
  Buffer.concat([Buffer.from(before, 'latin1'), Buffer.from([byte]), Buffer.from(after, 'latin1')])
const tail = ` HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEYS.alice}\r\nConnection: close\r\n\r\n`

const CASES: ReadonlyArray<readonly [string, string | Buffer, Expect]> = [
  // encoded "/", "\" and "." in any case
  ['%2F in the path', post('/v1/chat%2Fcompletions'), NONCANONICAL],
  ['%2f in the path', post('/v1/chat%2fcompletions'), NONCANONICAL],
  ['%2F inside a model name', post('/predictions/demo-model%2F1', 'x'), NONCANONICAL],
  ['%5C in the path', post('/v1%5Cchat/completions'), NONCANONICAL],
  ['%5c in the path', post('/v1%5cchat/completions'), NONCANONICAL],
  ['%2E%2E dot segment', get('/v1/%2E%2E/metrics'), NONCANONICAL],
  ['%2e%2e dot segment', get('/v1/%2e%2e/metrics'), NONCANONICAL],
  ['%2E%2e mixed case', get('/v1/%2E%2e/metrics'), NONCANONICAL],
  ['%2E single dot', get('/v1/%2E/models'), NONCANONICAL],
  ['%2e single dot', get('/v1/%2e/models'), NONCANONICAL],
  ['%2e%2e to Triton repository', post('/v2/models/%2e%2e/repository/index', '{}'), NONCANONICAL],
  // double encoding
  ['%252F double-encoded slash', post('/v1/chat%252Fcompletions'), NONCANONICAL],
  ['%252f double-encoded slash', post('/v1/chat%252fcompletions'), NONCANONICAL],
  ['%252e%252e double-encoded dots', get('/v1/%252e%252e/metrics'), NONCANONICAL],
  // dot segments, empty segments, trailing slash
  ['/./ segment', post('/v1/./chat/completions'), NONCANONICAL],
  ['/../ segment', get('/v1/../metrics'), NONCANONICAL],
  ['trailing /..', get('/v1/models/..'), NONCANONICAL],
  ['// in the path', post('/v1//chat/completions'), NONCANONICAL],
  ['leading //', get('//v1/models'), NONCANONICAL],
  ['trailing slash', get('/v1/models/'), NONCANONICAL],
  ['trailing slash on predictions', post('/predictions/demo-model/', 'x'), NONCANONICAL],
  ['trailing slash before the query', get('/v1/models/?x=1'), NONCANONICAL],
  // backslashes
  ['raw backslashes', post('/v1\\chat\\completions'), MALFORMED],
  ['raw backslash dot segment', get('/v1\\..\\metrics'), MALFORMED],
  // ";" parameters
  ['; parameter on chat', post('/v1/chat/completions;x=1'), NONCANONICAL],
  ['; parameter on models', get('/v1/models;.json'), NONCANONICAL],
  ['; parameter on a model name', post('/predictions/demo-model;v=1', 'x'), NONCANONICAL],
  // NUL and other control characters, raw and encoded
  ['raw NUL', withByte('GET /v1/mo', 0x00, `dels${tail}`), PARSER],
  ['encoded NUL', get('/v1/models%00'), NONCANONICAL],
  ['encoded NUL before an extension', get('/v1/models%00.json'), NONCANONICAL],
  ['raw SOH', withByte('GET /v1/mo', 0x01, `dels${tail}`), PARSER],
  ['raw DEL', withByte('GET /v1/mo', 0x7f, `dels${tail}`), PARSER],
  ['raw tab', get('/v1/mo\tdels'), PARSER],
  ['encoded tab', get('/v1/models%09'), NONCANONICAL],
  ['encoded CRLF header injection', get('/v1/models%0D%0AX-Injected:%201'), NONCANONICAL],
  ['raw space splits the target', get('/v1/models /v1/../metrics'), PARSER],
  // raw non-ASCII bytes
  ['raw UTF-8 in the path', Buffer.concat([Buffer.from('GET /predictions/caf'), Buffer.from('é'), Buffer.from(tail)]), MALFORMED],
  ['raw 0xff in the path', withByte('GET /v1/models', 0xff, tail), MALFORMED],
  ['raw 0x80 in the query', withByte('GET /v1/models?x=', 0x80, tail), MALFORMED],
  // percent-encoded unreserved characters and lower-case escapes
  ['%63 for "c"', post('/v1/%63hat/completions'), NONCANONICAL],
  ['%73 for "s"', get('/v1/model%73'), NONCANONICAL],
  ['%2D in a Triton model name', get('/v2/models/demo%2Dtensor'), NONCANONICAL],
  ['%7E for "~"', get('/v1/models%7E'), NONCANONICAL],
  ['lower-case escape in a model name', post('/predictions/caf%c3%a9', 'x'), NONCANONICAL],
  // malformed escapes
  ['%zz', get('/v1/mod%zzels'), MALFORMED],
  ['%2 truncated', get('/v1/models%2'), MALFORMED],
  ['% at the end', get('/v1/models%'), MALFORMED],
  ['%zz in the query', get('/v1/models?x=%zz'), MALFORMED],
  ['escapes that are not UTF-8', post('/predictions/%C3%28', 'x'), MALFORMED],
  // overlong UTF-8 forms of "/" and ".": fastify's router cannot decode them, and refuses them itself
  ['overlong "/" %c0%af', get('/v1/models%c0%af'), NONCANONICAL],
  ['overlong "/" %C0%AF traversal', get('/v1/..%C0%AF..%C0%AFmetrics'), NONCANONICAL],
  ['overlong "." %C0%AE%C0%AE', get('/v1/%C0%AE%C0%AE/metrics'), NONCANONICAL],
  ['three-byte overlong "/" %e0%80%af', get('/v1/models%e0%80%af'), NONCANONICAL],
  ['three-byte overlong "/" %E0%80%AF', post('/predictions/demo-model%E0%80%AF..', 'x'), NONCANONICAL],
  // other request-target forms
  ['absolute-form', get('http://127.0.0.1/v1/models'), NONCANONICAL],
  ['absolute-form to another host', get('http://evil.example/v1/models'), NONCANONICAL],
  ['absolute-form with a dot segment', get('http://127.0.0.1/v1/../metrics'), NONCANONICAL],
  ['asterisk-form', raw('OPTIONS', '*'), NONCANONICAL],
  ['authority-form', raw('CONNECT', '127.0.0.1:80', { host: '127.0.0.1:80' }), { ...PARSER, closeOk: true }],
  // case variants: canonical but not on the allowlist
  ['/V1/models', get('/V1/models'), NOT_ALLOWED],
  ['/v1/Models', get('/v1/Models'), NOT_ALLOWED],
  ['/v1/CHAT/completions', post('/v1/CHAT/completions'), NOT_ALLOWED],
  ['/v2/MODELS/x/infer', post('/v2/MODELS/demo-tensor/infer', '{}'), NOT_ALLOWED],
  ['/v2/models/x/INFER', post('/v2/models/demo-tensor/INFER', '{}'), NOT_ALLOWED],
  ['/Predictions/m', post('/Predictions/demo-model', 'x'), NOT_ALLOWED],
  // over-long targets
  ['target one byte over pathBytes', get(`/v1/models?pad=${'a'.repeat(2048 - '/v1/models?pad='.length + 1)}`), NONCANONICAL],
  ['path over pathBytes', get(`/v1/${'a'.repeat(2100)}`), NONCANONICAL],
  ['target over the header limit', get(`/v1/${'a'.repeat(20_000)}`), { status: 431, codes: ['IG_ERR_HEADERS_TOO_LARGE'] }],
  // fragments
  ['#fragment', get('/v1/models#frag'), NONCANONICAL],
  ['#fragment after a query', get('/v1/models?x=1#frag'), NONCANONICAL],
  ['#fragment hiding the path', get('/#/../metrics'), NONCANONICAL],
  // Host header tricks (on an allowed route, so that only the Host is at fault); a Host with a path,
  // query, fragment, userinfo or space once moved the path vLLM's auth middleware saw (CVE-2026-48746)
  ['Host: a/b (CVE-2026-48746)', raw('GET', '/v1/models', { host: '127.0.0.1/v1/models' }), BAD_HOST],
  ['Host: a?b (CVE-2026-48746)', raw('GET', '/v1/models', { host: '127.0.0.1?x=' }), BAD_HOST],
  ['Host: a#b (CVE-2026-48746)', raw('GET', '/v1/models', { host: '127.0.0.1#x' }), BAD_HOST],
  ['Host: user@a (CVE-2026-48746)', raw('GET', '/v1/models', { host: 'user@127.0.0.1' }), BAD_HOST],
  ['Host: a b (CVE-2026-48746)', raw('GET', '/v1/models', { host: '127.0.0.1 evil' }), BAD_HOST],
  ['Host: a\\b', raw('GET', '/v1/models', { host: '127.0.0.1\\evil' }), BAD_HOST],
  ['empty Host', raw('GET', '/v1/models', { host: '' }), BAD_HOST],
  ['two Host headers', raw('GET', '/v1/models', { headers: ['Host: evil.example'] }), { status: 400, codes: ['IG_ERR_HOST_INVALID', 'IG_ERR_BAD_REQUEST'] }],
  ['two Host headers, the second one invalid', raw('GET', '/v1/models', { headers: ['Host: 127.0.0.1/v1/../metrics'] }), { status: 400, codes: ['IG_ERR_HOST_INVALID', 'IG_ERR_BAD_REQUEST'] }],
  ['no Host on HTTP/1.1', raw('GET', '/v1/models', { host: null }), BAD_HOST],
  // Triton's reserved model name: /v2/models/stats is statistics, whatever {model} says
  ['Triton /v2/models/stats', get('/v2/models/stats'), NOT_ALLOWED],
  ['Triton /v2/models/stats with a query', get('/v2/models/stats?x=1'), NOT_ALLOWED],
  ['Triton /v2/models/stats/versions/1', get('/v2/models/stats/versions/1'), NOT_ALLOWED],
  ['Triton /v2/models/stats/ready', get('/v2/models/stats/ready'), NOT_ALLOWED],
  // TorchServe hands extra segments to the handler
  ['TorchServe extra segment', post('/predictions/demo-model/1/extra', 'x'), NOT_ALLOWED],
  ['TorchServe two extra segments', post('/predictions/demo-model/1/extra/more', 'x'), NOT_ALLOWED],
  // request smuggling (on an allowed route, with a second request hidden in the body)
  ['Content-Length with Transfer-Encoding: chunked',
    raw('POST', '/predictions/demo-model', {
      headers: ['Content-Length: 5', 'Transfer-Encoding: chunked'],
      body: '0\r\n\r\nGET /v1/../metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'
    }), PARSER],
  ['Transfer-Encoding: chunked, identity',
    raw('POST', '/predictions/demo-model', { headers: ['Transfer-Encoding: chunked, identity'], body: '1\r\nx\r\n0\r\n\r\n' }), PARSER],
  ['Transfer-Encoding: gzip (not chunked last)',
    raw('POST', '/predictions/demo-model', { headers: ['Transfer-Encoding: gzip'], body: 'x' }), { status: 400, codes: ['IG_ERR_BAD_REQUEST', 'IG_ERR_FRAMING'] }],
  ['two Transfer-Encoding headers',
    raw('POST', '/predictions/demo-model', { headers: ['Transfer-Encoding: chunked', 'Transfer-Encoding: identity'], body: '1\r\nx\r\n0\r\n\r\n' }), PARSER],
  ['obs-fold continuation of Transfer-Encoding',
    raw('POST', '/predictions/demo-model', { headers: ['Transfer-Encoding: identity', ' chunked'], body: '1\r\nx\r\n0\r\n\r\n' }), PARSER],
  ['obs-fold continuation of another header',
    raw('GET', '/v1/models', { headers: ['X-Note: a', ' b'] }), PARSER],
  ['duplicate Content-Length, different values',
    raw('POST', '/predictions/demo-model', { headers: ['Content-Length: 1', 'Content-Length: 3'], body: 'xyz' }), PARSER],
  ['Content-Length with a space before the colon',
    raw('POST', '/predictions/demo-model', { headers: ['Content-Length : 3'], body: 'xyz' }), PARSER],
  ['Content-Length: +3',
    raw('POST', '/predictions/demo-model', { headers: ['Content-Length: +3'], body: 'xyz' }), PARSER],
  // a body on a GET route
  ['GET /v1/models with a Content-Length body',
    raw('GET', '/v1/models', { headers: ['Content-Length: 2'], body: '{}' }), BODY_ON_GET],
  ['GET /v1/models with a chunked body',
    raw('GET', '/v1/models', { headers: ['Transfer-Encoding: chunked'], body: '2\r\n{}\r\n0\r\n\r\n' }), BODY_ON_GET],
  ['GET Triton model metadata with a body',
    raw('GET', '/v2/models/demo-tensor', { headers: ['Content-Length: 2'], body: '{}' }), BODY_ON_GET]
]

function errorCode (response: RawResponse): string | undefined {
  const { code } = gatewayRefusal(response.body)
  return typeof code === 'string' ? code : undefined
}

function checkRefused (response: RawResponse, expected: Expect): void {
  if (response.status === 0 && expected.closeOk === true) return
  assert.equal(response.status, expected.status, `status ${response.status}, body ${response.body.slice(0, 200)}`)
  assert.match(response.head, /\r\ncontent-type: *application\/json/i)
  const code = errorCode(response)
  assert.ok(code !== undefined && expected.codes.includes(code), `error code ${code}, expected one of ${expected.codes.join(', ')}`)
  const requestId = /\r\nx-request-id: *([^\r]+)/i.exec(response.head)?.[1]
  assert.equal(requestId, gatewayRefusal(response.body).requestId, 'x-request-id header')
}

test('path, Host and framing tricks are refused before any backend sees them', async t => {
  assert.ok(CASES.length >= 45)
  const stack = await startStack(t)
  const emulators = [stack.vllm, stack.triton, stack.torchserve]

  for (const [name, request, expected] of CASES) {
    await t.test(name, async () => {
      checkRefused(await rawRequest(stack.url, request), expected)
    })
  }

  await t.test('no emulator received anything', () => {
    for (const emulator of emulators) {
      assert.deepEqual(emulator.received.map(r => `${r.method} ${r.url}`), [], `${emulator.framework} received requests`)
    }
  })

  await t.test('the gateway still forwards a plain request afterwards', async () => {
    const response = await rawRequest(stack.url, get('/v1/models'))
    assert.equal(response.status, 200)
    assert.deepEqual(stack.vllm.received.slice(-1).map(r => `${r.method} ${r.url}`), ['GET /v1/models'])
  })
})
