/**
 * Refusals in the envelope each framework's clients parse, decided by the route (or the path, before
 * authentication and for paths on no allowlist): OpenAI's for vLLM, Anthropic's for /v1/messages,
 * KServe v2's for Triton (`"error"` a string, which tritonclient concatenates), TorchServe's own.
 * Every one carries the IG_ERR_* code and the x-request-id, and Retry-After exactly when retryable.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { request } from 'undici'
import { HTTP_ERRORS, type HttpErrorCode } from '../../src/errors.js'
import { rawRequest } from '../helpers/raw-http.js'
import { auth, KEYS, startStack } from '../helpers/stack.js'

type Shape = 'openai' | 'anthropic' | 'kserve' | 'torchserve'

interface Case {
  readonly name: string
  readonly method: string
  readonly path: string
  readonly headers?: Record<string, string>
  readonly body?: string
  readonly status: number
  readonly code: HttpErrorCode
  readonly shape: Shape
}

const json = { 'content-type': 'application/json' }
const chat = JSON.stringify({ model: 'demo-llm', messages: [] })

const CASES: readonly Case[] = [
  { name: 'vLLM chat, no credential', method: 'POST', path: '/v1/chat/completions', headers: json, body: chat, status: 401, code: 'IG_ERR_UNAUTHENTICATED', shape: 'openai' },
  { name: 'vLLM chat, model outside the scope', method: 'POST', path: '/v1/chat/completions', headers: { ...auth(KEYS.scoped), ...json }, body: JSON.stringify({ model: 'x', messages: [] }), status: 403, code: 'IG_ERR_MODEL_NOT_ALLOWED', shape: 'openai' },
  { name: 'vLLM management route', method: 'POST', path: '/v1/load_lora_adapter', headers: { ...auth(), ...json }, body: '{}', status: 404, code: 'IG_ERR_ROUTE_NOT_ALLOWED', shape: 'openai' },
  { name: 'vLLM /v2/rerank is OpenAI-shaped, not KServe', method: 'POST', path: '/v2/rerank', headers: json, body: '{}', status: 401, code: 'IG_ERR_UNAUTHENTICATED', shape: 'openai' },
  { name: 'Anthropic Messages, no credential', method: 'POST', path: '/v1/messages', headers: json, body: chat, status: 401, code: 'IG_ERR_UNAUTHENTICATED', shape: 'anthropic' },
  { name: 'Anthropic Messages, model outside the scope', method: 'POST', path: '/v1/messages', headers: { 'x-api-key': KEYS.scoped, ...json }, body: JSON.stringify({ model: 'x', max_tokens: 1, messages: [] }), status: 403, code: 'IG_ERR_MODEL_NOT_ALLOWED', shape: 'anthropic' },
  { name: 'Anthropic count_tokens, no model', method: 'POST', path: '/v1/messages/count_tokens', headers: { ...auth(), ...json }, body: '{"messages":[]}', status: 400, code: 'IG_ERR_MODEL_REQUIRED', shape: 'anthropic' },
  { name: 'Anthropic message batches, not a vLLM route', method: 'POST', path: '/v1/messages/batches', headers: { ...auth(), ...json }, body: chat, status: 404, code: 'IG_ERR_ROUTE_NOT_ALLOWED', shape: 'anthropic' },
  { name: 'Triton infer, no credential', method: 'POST', path: '/v2/models/demo-tensor/infer', headers: json, body: '{}', status: 401, code: 'IG_ERR_UNAUTHENTICATED', shape: 'kserve' },
  { name: 'Triton infer, model outside the scope', method: 'POST', path: '/v2/models/other/infer', headers: { ...auth(KEYS.scoped), ...json }, body: '{}', status: 403, code: 'IG_ERR_MODEL_NOT_ALLOWED', shape: 'kserve' },
  { name: 'Triton infer, body over the limit', method: 'POST', path: '/v2/models/demo-tensor/infer', headers: { ...auth(), ...json }, body: 'x'.repeat(2048), status: 413, code: 'IG_ERR_BODY_TOO_LARGE', shape: 'kserve' },
  { name: 'Triton infer, compressed JSON the guards cannot read', method: 'POST', path: '/v2/models/demo-tensor/infer', headers: { ...auth(), ...json, 'content-encoding': 'gzip' }, body: '{}', status: 415, code: 'IG_ERR_GUARD_UNCHECKABLE', shape: 'kserve' },
  { name: 'Triton repository (management)', method: 'POST', path: '/v2/repository/models/demo-tensor/load', headers: auth(), status: 404, code: 'IG_ERR_ROUTE_NOT_ALLOWED', shape: 'kserve' },
  { name: 'Triton server metadata', method: 'GET', path: '/v2', headers: auth(), status: 404, code: 'IG_ERR_ROUTE_NOT_ALLOWED', shape: 'kserve' },
  { name: 'TorchServe prediction, no credential', method: 'POST', path: '/predictions/demo-model', body: 'x', status: 401, code: 'IG_ERR_UNAUTHENTICATED', shape: 'torchserve' },
  { name: 'TorchServe management API', method: 'POST', path: '/models?url=x.mar', headers: auth(), status: 404, code: 'IG_ERR_ROUTE_NOT_ALLOWED', shape: 'torchserve' },
  { name: 'TorchServe KServe v2 route: KServe-shaped', method: 'POST', path: '/v2/models/demo-model/explain', headers: json, body: '{}', status: 401, code: 'IG_ERR_UNAUTHENTICATED', shape: 'kserve' },
  { name: 'a path of no framework', method: 'GET', path: '/admin', status: 401, code: 'IG_ERR_UNAUTHENTICATED', shape: 'openai' }
]

function assertShape (shape: Shape, body: Record<string, unknown>, code: HttpErrorCode, requestId: string): void {
  const spec = HTTP_ERRORS[code]
  switch (shape) {
    case 'openai': {
      const error = body['error'] as Record<string, unknown>
      assert.equal(error['code'], code)
      assert.equal(error['type'], spec.kind.openai)
      assert.ok('param' in error)
      assert.equal(typeof error['message'], 'string')
      assert.equal(error['requestId'], requestId)
      break
    }
    case 'anthropic': {
      assert.equal(body['type'], 'error')
      const error = body['error'] as Record<string, unknown>
      assert.equal(error['type'], spec.kind.anthropic)
      assert.equal(typeof error['message'], 'string')
      assert.equal(body['request_id'], requestId)
      break
    }
    case 'kserve':
      // tritonclient: `"[" + str(status) + "] " + error["error"]` must work.
      assert.equal(typeof body['error'], 'string')
      assert.ok((body['error'] as string).length > 0)
      assert.equal(body['code'], code)
      assert.equal(body['requestId'], requestId)
      break
    case 'torchserve':
      assert.equal(body['code'], spec.status)
      assert.equal(body['type'], code)
      assert.equal(typeof body['message'], 'string')
      assert.equal(body['requestId'], requestId)
      break
  }
}

test('every refusal answers in its client\'s envelope, with the code, the request id and Retry-After only when retryable', async (t) => {
  const stack = await startStack(t, {
    config: { limits: { bodyBytes: 1024 } },
    upstreams: { vllm: { routes: ['messages'] }, torchserve: { routes: ['kserve-v2'] } }
  })
  for (const c of CASES) {
    await t.test(c.name, async () => {
      const response = await request(`${stack.url}${c.path}`, { method: c.method as 'GET', headers: c.headers ?? {}, body: c.body ?? null })
      const body = await response.body.json() as Record<string, unknown>
      assert.equal(response.statusCode, c.status)
      const requestId = response.headers['x-request-id'] as string
      assert.ok(requestId.length > 0)
      assertShape(c.shape, body, c.code, requestId)
      assert.equal(response.headers['retry-after'], undefined, 'not retryable: no Retry-After')
    })
  }
  assert.deepEqual([...stack.vllm.received, ...stack.triton.received, ...stack.torchserve.received], [])
})

test('a refusal made before any request exists (the HTTP parser) is OpenAI-shaped', async (t) => {
  const stack = await startStack(t)
  const answer = await rawRequest(stack.url, 'GET /v2/models/x HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: x\r\n\r\n')
  assert.equal(answer.status, 400)
  const requestId = /\r\nx-request-id: ([^\r]+)/i.exec(answer.head)?.[1] as string
  assertShape('openai', JSON.parse(answer.body) as Record<string, unknown>, 'IG_ERR_BAD_REQUEST', requestId)
})

test('a retryable failure carries Retry-After; the upstream down is a 502 in the route\'s envelope', async (t) => {
  const stack = await startStack(t, { upstreams: { triton: { url: 'http://127.0.0.1:1' } } })
  const response = await request(`${stack.url}/v2/models/demo-tensor/ready`, { headers: auth() })
  const body = await response.body.json() as Record<string, unknown>
  assert.equal(response.statusCode, 502)
  assertShape('kserve', body, 'IG_ERR_UPSTREAM_UNREACHABLE', response.headers['x-request-id'] as string)
  assert.equal(response.headers['retry-after'], '1')
})
