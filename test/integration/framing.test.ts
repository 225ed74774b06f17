/**
 * Request framings node's parser accepts leniently but a backend (or the gateway's own checks) could
 * read differently: HTTP versions other than 1.0 and 1.1, Transfer-Encoding on HTTP/1.0 or other than
 * a lone `chunked`, and compressed bodies on routes whose JSON the gateway reads. Each is refused with
 * a JSON error naming the problem and no emulator sees a byte; the framings that are fine still pass.
 * Sent over raw sockets: no real client produces most of them.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rawConnection, rawRequest, type RawResponse } from '../helpers/raw-http.js'
import { KEYS, startStack, type Stack } from '../helpers/stack.js'
import { gatewayRefusal } from '../helpers/refusal.js'

interface Expect {
  readonly status: number
  /** Acceptable `error.code` values; node's parser answers some itself (IG_ERR_BAD_REQUEST). */
  readonly codes?: readonly string[]
  /** Words the error message must contain (it names the problem). */
  readonly names?: RegExp
  /** Passes: which emulator must have received it. */
  readonly reaches?: 'vllm' | 'triton' | 'torchserve'
}

const FRAMING = (names: RegExp): Expect => ({ status: 400, codes: ['IG_ERR_FRAMING'], names })
// refused by node's parser or by the gateway: refused all the same
const FRAMING_OR_PARSER = (names: RegExp): Expect => ({ status: 400, codes: ['IG_ERR_FRAMING', 'IG_ERR_BAD_REQUEST'], names })

const CHAT = '{"model":"demo-llm","messages":[{"role":"user","content":"hi"}]}'

interface RawOptions {
  readonly version?: string
  readonly headers?: readonly string[]
  readonly body?: string
}

function raw (method: string, target: string, options: RawOptions = {}): string {
  const lines = [`${method} ${target}${options.version === '' ? '' : ` ${options.version ?? 'HTTP/1.1'}`}`,
    'Host: 127.0.0.1', `Authorization: Bearer ${KEYS.alice}`, ...(options.headers ?? [])]
  const framed = (options.headers ?? []).some(h => /^(content-length|transfer-encoding)\s*:/i.test(h))
  if (options.body !== undefined && !framed) lines.push(`Content-Length: ${Buffer.byteLength(options.body)}`)
  lines.push('Connection: close')
  return `${lines.join('\r\n')}\r\n\r\n${options.body ?? ''}`
}

const json = 'Content-Type: application/json'
const chunked = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n0\r\n\r\n`

const CASES: ReadonlyArray<readonly [string, string, Expect]> = [
  // request-line versions: only HTTP/1.0 and HTTP/1.1 on the HTTP/1 listener
  ['HTTP/2.0 request line', raw('GET', '/v1/models', { version: 'HTTP/2.0' }), FRAMING(/HTTP\/2\.0/)],
  ['HTTP/2.0 request line on a POST', raw('POST', '/v1/chat/completions', { version: 'HTTP/2.0', headers: [json], body: CHAT }), FRAMING(/HTTP\/2\.0/)],
  ['HTTP/0.9 request line', raw('GET', '/v1/models', { version: 'HTTP/0.9' }), FRAMING(/HTTP\/0\.9/)],
  ['HTTP/1.2 request line', raw('GET', '/v1/models', { version: 'HTTP/1.2' }), FRAMING_OR_PARSER(/./)],
  ['HTTP/3.0 request line', raw('GET', '/v1/models', { version: 'HTTP/3.0' }), FRAMING_OR_PARSER(/./)],
  ['HTTP/2 prior-knowledge preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', FRAMING_OR_PARSER(/./)],
  ['request line without a version', 'GET /v1/models\r\n\r\n', FRAMING_OR_PARSER(/./)],
  // Transfer-Encoding: a lone chunked, on HTTP/1.1 only
  ['Transfer-Encoding: chunked on HTTP/1.0',
    raw('POST', '/predictions/demo-model', { version: 'HTTP/1.0', headers: ['Transfer-Encoding: chunked'], body: chunked('x') }), FRAMING(/HTTP\/1\.0/)],
  ['Transfer-Encoding: gzip, chunked',
    raw('POST', '/predictions/demo-model', { headers: ['Transfer-Encoding: gzip, chunked'], body: chunked('x') }), FRAMING(/gzip, chunked/)],
  ['Transfer-Encoding: gzip, chunked on a JSON route',
    raw('POST', '/v1/chat/completions', { headers: [json, 'Transfer-Encoding: gzip, chunked'], body: chunked(CHAT) }), FRAMING(/gzip, chunked/)],
  ['Transfer-Encoding: deflate,chunked',
    raw('POST', '/predictions/demo-model', { headers: ['Transfer-Encoding: deflate,chunked'], body: chunked('x') }), FRAMING(/deflate/)],
  ['Transfer-Encoding: chunked, chunked',
    raw('POST', '/predictions/demo-model', { headers: ['Transfer-Encoding: chunked, chunked'], body: chunked('x') }), FRAMING_OR_PARSER(/./)],
  ['Transfer-Encoding: identity with Content-Length',
    raw('POST', '/predictions/demo-model', { headers: ['Transfer-Encoding: identity', 'Content-Length: 1'], body: 'x' }), FRAMING_OR_PARSER(/./)],
  ['Transfer-Encoding: identity alone',
    raw('POST', '/predictions/demo-model', { headers: ['Transfer-Encoding: identity'], body: 'x' }), FRAMING_OR_PARSER(/./)],
  ['empty Transfer-Encoding with Content-Length',
    raw('POST', '/predictions/demo-model', { headers: ['Transfer-Encoding: ', 'Content-Length: 1'], body: 'x' }), FRAMING(/Transfer-Encoding/)],
  // Content-Encoding where the gateway reads the JSON: the body checked would not be the body decoded
  ['Content-Encoding: gzip on a JSON route',
    raw('POST', '/v1/chat/completions', { headers: [json, 'Content-Encoding: gzip'], body: CHAT }), { status: 415, codes: ['IG_ERR_MEDIA_TYPE'], names: /gzip/ }],
  ['Content-Encoding: br on embeddings',
    raw('POST', '/v1/embeddings', { headers: [json, 'Content-Encoding: br'], body: '{"model":"demo-llm","input":"x"}' }), { status: 415, codes: ['IG_ERR_MEDIA_TYPE'], names: /br/ }],
  ['Content-Encoding: identity, gzip on a JSON route',
    raw('POST', '/v1/chat/completions', { headers: [json, 'Content-Encoding: identity, gzip'], body: CHAT }), { status: 415, codes: ['IG_ERR_MEDIA_TYPE'], names: /gzip/ }],
  ['Content-Encoding: gzip on Triton infer JSON (guards read it)',
    raw('POST', '/v2/models/demo-tensor/infer', { headers: [json, 'Content-Encoding: gzip'], body: '{"inputs":[]}' }), { status: 415, codes: ['IG_ERR_GUARD_UNCHECKABLE'], names: /gzip/ }],
  // what is fine passes
  ['HTTP/1.0 with Content-Length', raw('POST', '/predictions/demo-model', { version: 'HTTP/1.0', body: 'x' }), { status: 200, reaches: 'torchserve' }],
  ['HTTP/1.1 Transfer-Encoding: chunked', raw('POST', '/predictions/demo-model', { headers: ['Transfer-Encoding: chunked'], body: chunked('x') }), { status: 200, reaches: 'torchserve' }],
  ['Transfer-Encoding: Chunked (codings are case-insensitive)',
    raw('POST', '/v1/chat/completions', { headers: [json, 'Transfer-Encoding: Chunked'], body: chunked(CHAT) }), { status: 200, reaches: 'vllm' }],
  ['Content-Encoding: identity on a JSON route',
    raw('POST', '/v1/chat/completions', { headers: [json, 'Content-Encoding: identity'], body: CHAT }), { status: 200, reaches: 'vllm' }],
  ['Content-Encoding: gzip on a binary path-model route passes through',
    raw('POST', '/predictions/demo-model', { headers: ['Content-Encoding: gzip'], body: 'x' }), { status: 200, reaches: 'torchserve' }]
]

function errorOf (response: RawResponse): { code?: unknown, message?: unknown } {
  return gatewayRefusal(response.body)
}

function received (stack: Stack): number {
  return stack.vllm.received.length + stack.triton.received.length + stack.torchserve.received.length
}

test('lenient framings are refused before anything is forwarded; sound ones pass', async (t) => {
  const stack = await startStack(t)
  for (const [name, request, expected] of CASES) {
    await t.test(name, async () => {
      for (const emulator of [stack.vllm, stack.triton, stack.torchserve]) emulator.reset()
      const response = await rawRequest(stack.url, request)
      assert.equal(response.status, expected.status, `status ${response.status}, body ${response.body.slice(0, 200)}`)
      if (expected.reaches !== undefined) {
        assert.equal(stack[expected.reaches].received.length, 1)
        if (/content-encoding: gzip/i.test(request)) assert.equal(stack[expected.reaches].received[0]?.headers['content-encoding'], 'gzip')
        return
      }
      assert.match(response.head, /\r\ncontent-type: *application\/json/i)
      const error = errorOf(response)
      assert.ok(expected.codes?.includes(error.code as string), `error code ${String(error.code)}`)
      assert.match(String(error.message), expected.names ?? /./)
      // The connection is not reused: what follows the refused head cannot be trusted.
      if (error.code === 'IG_ERR_FRAMING') assert.match(response.head, /\r\nconnection: *close/i)
      assert.equal(received(stack), 0, 'an emulator received the request')
    })
  }
})

test('requests pipelined behind a refused framing in the same packet are never forwarded', async (t) => {
  const stack = await startStack(t)
  const smuggled = `GET /v2/models/demo-tensor HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEYS.alice}\r\n\r\n`
  const connection = await rawConnection(stack.url)
  connection.write(`POST /v2/models/demo-tensor/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEYS.alice}\r\n` +
    `Content-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n${smuggled}${smuggled}`)
  const received = await connection.closed
  assert.equal(received.match(/HTTP\/1\.1 \d{3}/g)?.join(), 'HTTP/1.1 400', 'one answer: the refusal')
  assert.equal(gatewayRefusal(received.slice(received.indexOf('\r\n\r\n') + 4)).code, 'IG_ERR_FRAMING')
  assert.deepEqual(stack.triton.received, [])
})

test('a client that keeps sending bytes after a refused request is observed once, not once a packet', async (t) => {
  const stack = await startStack(t)
  const connection = await rawConnection(stack.url)
  const body = JSON.stringify({ model: 'demo-llm', stream: true, messages: [] })
  connection.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEYS.alice}\r\nContent-Type: application/json\r\n` +
    `x-emulate-inter-token-ms: 30\r\nx-emulate-tokens: 20\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
  await connection.waitFor(/data: /)
  for (let i = 0; i < 5; i++) {
    connection.write('GARBAGE\r\n\r\n')
    await connection.waitFor(new RegExp(`tok${i + 1}\\b`))
  }
  await connection.closed
  const metrics = await stack.gateway.metrics.registry.metrics()
  assert.match(metrics, /^infergate_refusals_total\{reason="IG_ERR_BAD_REQUEST"\} 1$/m)
})
