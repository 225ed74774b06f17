import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { test } from 'node:test'
import { request } from 'undici'
import { createGuards } from '../../src/guards/index.js'
import { GatewayMetrics } from '../../src/observability/metrics.js'
import { auth, startStack, type Stack } from '../helpers/stack.js'
import { gatewayRefusal } from '../helpers/refusal.js'
import { advisoryName, assertRefused } from './helpers.js'

const INFER = '/v2/models/demo-tensor/infer'

/** A binary infer request: the JSON header, then the raw tensor bytes. */
function binaryInfer (header: unknown, tensor: Buffer): { body: Buffer, headerLength: number } {
  const head = Buffer.from(JSON.stringify(header))
  return { body: Buffer.concat([head, tensor]), headerLength: head.length }
}

const fp32Header = (bytes: number, parameters: Record<string, unknown> = {}) => ({
  inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [1, bytes / 4], parameters: { binary_data_size: bytes, ...parameters } }],
  outputs: [{ name: 'OUTPUT0', parameters: { binary_data: true } }]
})

async function sendBinary (stack: Stack, header: unknown, tensor: Buffer, extra: Record<string, string> = {}, chunked = false) {
  const { body, headerLength } = binaryInfer(header, tensor)
  const response = await request(`${stack.url}${INFER}`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/octet-stream', 'inference-header-content-length': String(headerLength), ...extra },
    body: chunked ? Readable.from([body]) : body
  })
  return { status: response.statusCode, headers: response.headers, body: Buffer.from(await response.body.arrayBuffer()), sent: body }
}

async function sendJson (stack: Stack, body: unknown) {
  const response = await request(`${stack.url}${INFER}`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: response.statusCode, body: await response.body.text() }
}

test('triton-shared-memory (CVE-2025-23319, CVE-2025-23320, CVE-2025-23334): a shared-memory parameter in a binary header is refused, read from the header alone; a clean 16 MiB body streams through byte for byte', async (t) => {
  const stack = await startStack(t, { config: { limits: { bodyBytes: 32 * 1024 * 1024 } } })
  const tensor = Buffer.alloc(16 * 1024 * 1024)
  for (let i = 0; i < tensor.length; i += 4096) tensor.writeUInt32LE(i, i)
  for (const key of ['shared_memory_region', 'shared_memory_offset', 'shared_memory_byte_size']) {
    await t.test(advisoryName('triton-shared-memory', `${key} on an input of a 16 MiB body`), async () => {
      const refused = await sendBinary(stack, fp32Header(tensor.length, { [key]: key === 'shared_memory_region' ? 'triton_python_backend_shm_region_1' : 0 }), tensor)
      assertRefused({ status: refused.status, body: refused.body.toString() }, 'triton-shared-memory', stack.triton, new RegExp(key))
      assert.equal(refused.headers['connection'], 'close')
    })
  }
  await t.test(advisoryName('triton-shared-memory', 'shared_memory_region on an output, chunked body'), async () => {
    const outputShm = { ...fp32Header(8), outputs: [{ name: 'OUTPUT0', parameters: { shared_memory_region: 'r', binary_data: true } }] }
    const chunked = await sendBinary(stack, outputShm, Buffer.alloc(8), {}, true)
    assertRefused({ status: chunked.status, body: chunked.body.toString() }, 'triton-shared-memory', stack.triton, /outputs\[0\]/)
  })

  const clean = await sendBinary(stack, fp32Header(tensor.length), tensor)
  assert.equal(clean.status, 200)
  const received = stack.triton.received[0]
  assert.ok(received !== undefined)
  assert.equal(received.headers['content-length'], String(clean.sent.length))
  assert.equal(received.headers['transfer-encoding'], undefined)
  assert.ok(received.body.equals(clean.sent), 'the upstream received the exact bytes')
  const headerLength = Number(clean.headers['inference-header-content-length'])
  assert.ok(clean.body.subarray(headerLength).equals(tensor), 'the tensor came back byte for byte')
})

test('JSON infer bodies: shared memory, tensor counts, depth (each row named with its advisory), duplicate keys and unreadable bodies are refused', async (t) => {
  const stack = await startStack(t)
  const input = (parameters: Record<string, unknown> = {}) => ({ name: 'INPUT0', datatype: 'FP32', shape: [1, 2], data: [1, 2], parameters })
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['shared_memory_region on an input', { inputs: [input({ shared_memory_region: 'r', shared_memory_byte_size: 8 })] }, 'triton-shared-memory', /inputs\[0\]\.parameters\.shared_memory_region/],
    ['65 outputs', { inputs: [input()], outputs: Array.from({ length: 65 }, (_, i) => ({ name: `OUTPUT${i}` })) }, 'triton-tensor-count', /65 outputs, more than 64/],
    ['65 inputs', { inputs: Array.from({ length: 65 }, () => input()) }, 'triton-tensor-count', /65 inputs/],
    ['parameters 20 levels deep', { inputs: [input()], parameters: JSON.parse('{"a":'.repeat(20) + '1' + '}'.repeat(20)) as unknown }, 'triton-json-limits', /deeper than 16/]
  ]
  for (const [name, body, rule, because] of cases) {
    await t.test(advisoryName(rule, name), async () => { assertRefused(await sendJson(stack, body), rule, stack.triton, because) })
  }

  // JSON.parse keeps the second "parameters", Triton the first: refused as ambiguous.
  const twice = '{"inputs":[{"name":"INPUT0","datatype":"FP32","shape":[1,2],"data":[1,2],"parameters":{"shared_memory_region":"r"},"p\\u0061rameters":{}}]}'
  const ambiguous = await request(`${stack.url}${INFER}`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: twice })
  assert.equal(ambiguous.statusCode, 400)
  const refusal = gatewayRefusal(await ambiguous.body.text())
  assert.equal(refusal.code, 'IG_ERR_BODY_INVALID')
  assert.match(refusal.message, /parameters.*appears twice/)

  const gzip = await request(`${stack.url}${INFER}`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: Buffer.from([0x1f, 0x8b, 0, 0]) })
  assert.equal(gzip.statusCode, 415)
  assert.match(await gzip.body.text(), /IG_ERR_GUARD_UNCHECKABLE/)
  const tooLong = await request(`${stack.url}${INFER}`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/octet-stream', 'inference-header-content-length': '99' }, body: '{}' })
  assert.equal(tooLong.statusCode, 400)
  assert.match(await tooLong.body.text(), /IG_ERR_BODY_INVALID/)
  assert.equal(stack.triton.received.length, 0)

  const fine = await sendJson(stack, { inputs: [input({ binary_data_size: undefined })] })
  assert.equal(fine.status, 200, fine.body)
  assert.equal(JSON.parse(stack.triton.received[0]?.body.toString() ?? '{}').inputs[0].name, 'INPUT0')
})

test('triton-headers (CVE-2025-23319): redirect and restricted-protocol headers are stripped; rules switched off let bodies stream unread', async (t) => {
  const stack = await startStack(t, { upstreams: { triton: { guards: { 'triton-shared-memory': { enabled: false }, 'triton-tensor-count': { maxOutputs: 2 } } } } })
  const header = fp32Header(8, { shared_memory_region: 'r' })
  const answer = await sendBinary(stack, header, Buffer.alloc(8), {
    'x-vertex-ai-triton-redirect': 'v2/systemsharedmemory/region/r/register',
    'triton-grpc-protocol-admin-key': 'x',
    'x-kept': 'yes'
  })
  assert.equal(answer.status, 200)
  const received = stack.triton.received[0]
  assert.ok(received !== undefined)
  assert.ok(received.body.equals(answer.sent))
  assert.equal(received.headers['x-vertex-ai-triton-redirect'], undefined)
  assert.equal(received.headers['triton-grpc-protocol-admin-key'], undefined)
  assert.equal(received.headers['x-kept'], 'yes')
  stack.triton.reset()
  const tooMany = { ...fp32Header(8), outputs: [{ name: 'A' }, { name: 'B' }, { name: 'C' }] }
  const refused = await sendBinary(stack, tooMany, Buffer.alloc(8))
  assertRefused({ status: refused.status, body: refused.body.toString() }, 'triton-tensor-count', stack.triton, /3 outputs, more than 2/)
})

// WSGI-style servers read `_` as `-`: the rule compares the name a backend would read. (The forwarder
// drops every `_` name before the guards are asked; the guard must not depend on it.)
test('triton-headers (CVE-2025-23319): the rule matches names with "_" for "-" and any case', async (t) => {
  const stack = await startStack(t)
  const metrics = new GatewayMetrics(stack.config, 'test')
  const dropped = createGuards(stack.config, metrics).headerFilter('triton', 'infer')
  assert.ok(dropped !== undefined)
  const rows: ReadonlyArray<readonly [string, boolean]> = [
    ['X_Vertex_Ai_Triton_Redirect', true],
    ['x-vertex-ai_triton-redirect', true],
    ['X-Vertex-Ai-Triton-Redirect', true],
    ['Triton_Grpc_Protocol_Admin_Key', true],
    ['x-vertex-ai-triton-redirected', false],
    ['x_kept', false]
  ]
  for (const [name, drops] of rows) {
    await t.test(name, () => { assert.equal(dropped(name), drops) })
  }
  const stripped = await metrics.guardRewrites.get()
  assert.equal(stripped.values.find(({ labels }) => labels['rule'] === 'triton-headers')?.value, 4)
})
