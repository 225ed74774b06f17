import assert from 'node:assert/strict'
import { once } from 'node:events'
import { Readable } from 'node:stream'
import { test } from 'node:test'
import { Agent, request } from 'undici'
import type { RecordedRequest } from '../../src/emulators/index.js'
import { auth, startStack } from '../helpers/stack.js'

const json = { 'content-type': 'application/json' }

test('SSE: the first chunk reaches the client while the upstream is still generating', async (t) => {
  const stack = await startStack(t, { emulators: { vllm: { tokens: 5 } } })
  const settled: RecordedRequest[] = []
  stack.vllm.events.on('settled', (record: RecordedRequest) => settled.push(record))
  // A long gap after the first token: the test would hang for a minute if the gateway buffered.
  const response = await request(`${stack.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { ...auth(), ...json, 'x-emulate-inter-token-ms': '60000' },
    body: JSON.stringify({ model: 'demo-llm', stream: true, messages: [{ role: 'user', content: 'hi' }] })
  })
  assert.equal(response.statusCode, 200)
  assert.match(String(response.headers['content-type']), /^text\/event-stream/)
  const iterator = response.body[Symbol.asyncIterator]()
  const first = await iterator.next()
  assert.match(String(first.value), /^data: \{.*"chat\.completion\.chunk"/)
  assert.equal(stack.vllm.received[0]?.outcome, 'pending', 'upstream still streaming when the first chunk arrived')
  assert.deepEqual(settled, [])
  const closed = once(stack.vllm.events, 'settled')
  response.body.destroy()
  const [record] = await closed as [RecordedRequest]
  assert.equal(record.outcome, 'aborted', 'the gateway closed the upstream request when the client left')
})

test('SSE streams arrive complete and byte-exact, usage chunk and [DONE] included', async (t) => {
  const stack = await startStack(t, { emulators: { vllm: { tokens: 6 } } })
  const body = JSON.stringify({ model: 'demo-llm', stream: true, stream_options: { include_usage: true }, prompt: 'a b c' })
  const direct = await request(`${stack.vllm.url}/v1/completions`, { method: 'POST', headers: json, body })
  const directText = await direct.body.text()
  const proxied = await request(`${stack.url}/v1/completions`, { method: 'POST', headers: { ...auth(), ...json }, body })
  const text = await proxied.body.text()
  const normalise = (s: string) => s.replace(/"(id|created)":("[^"]*"|\d+)/g, '"$1":0')
  assert.equal(normalise(text), normalise(directText))
  assert.match(text, /"usage":\{"prompt_tokens"/)
  assert.ok(text.endsWith('data: [DONE]\n\n'))
})

test('a client that leaves before the response starts aborts the upstream request at once', async (t) => {
  const stack = await startStack(t)
  const controller = new AbortController()
  const received = once(stack.vllm.events, 'request')
  const pending = request(`${stack.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { ...auth(), ...json, 'x-emulate-failure': 'hang' },
    body: JSON.stringify({ model: 'demo-llm', messages: [] }),
    signal: controller.signal
  })
  await received
  const settled = once(stack.vllm.events, 'settled')
  controller.abort()
  await assert.rejects(pending)
  const [record] = await settled as [RecordedRequest]
  assert.equal(record.outcome, 'aborted')
})

test('Triton binary tensors pass byte-exact both ways, with Content-Length upstream', async (t) => {
  const stack = await startStack(t)
  const header = Buffer.from(JSON.stringify({
    inputs: [{ name: 'INPUT0', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } }],
    outputs: [{ name: 'OUTPUT0', parameters: { binary_data: true } }]
  }))
  const tensor = Buffer.from(new Float32Array([1.5, -2, 3.25, 0]).buffer)
  const body = Buffer.concat([header, tensor])
  const send = (url: string, headers: Record<string, string>) => request(`${url}/v2/models/demo-tensor/infer`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
    body
  })
  const direct = await send(stack.triton.url, {})
  const directBody = Buffer.from(await direct.body.arrayBuffer())
  const proxied = await send(stack.url, auth())
  const proxiedBody = Buffer.from(await proxied.body.arrayBuffer())
  assert.equal(proxied.statusCode, 200)
  assert.equal(proxied.headers['content-type'], 'application/octet-stream')
  assert.equal(proxied.headers['inference-header-content-length'], direct.headers['inference-header-content-length'])
  assert.ok(proxiedBody.equals(directBody))
  const upstream = stack.triton.received[1] as RecordedRequest
  assert.ok(upstream.body.equals(body))
  assert.equal(upstream.headers['content-length'], String(body.length))
  assert.equal(upstream.headers['transfer-encoding'], undefined)
})

test('a chunked upload to Triton is re-framed with Content-Length (CVE-2025-23310, CVE-2025-23311: its chunked parser overflowed the stack)', async (t) => {
  const stack = await startStack(t)
  const body = JSON.stringify({ inputs: [{ name: 'INPUT0', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] })
  async function * chunks () {
    for (const piece of body.match(/.{1,7}/g) ?? []) yield Buffer.from(piece)
  }
  const response = await request(`${stack.url}/v2/models/demo-tensor/infer`, {
    method: 'POST', headers: { ...auth(), ...json }, body: Readable.from(chunks())
  })
  assert.equal(response.statusCode, 200)
  await response.body.dump()
  const upstream = stack.triton.received[0] as RecordedRequest
  assert.equal(upstream.headers['transfer-encoding'], undefined)
  assert.equal(upstream.headers['content-length'], String(Buffer.byteLength(body)))
  assert.equal(upstream.body.toString(), body)
})

test('Triton generate_stream and TorchServe chunked predictions stream chunk by chunk', async (t) => {
  const stack = await startStack(t, { emulators: { triton: { tokens: 4 }, torchserve: { tokens: 4, stream: true } } })
  const triton = await request(`${stack.url}/v2/models/demo-tensor/generate_stream`, {
    method: 'POST', headers: { ...auth(), ...json, 'x-emulate-inter-token-ms': '60000' }, body: JSON.stringify({ text_input: 'hi' })
  })
  const first = await triton.body[Symbol.asyncIterator]().next()
  assert.match(String(first.value), /^data: \{.*"text_output"/)
  assert.equal(stack.triton.received[0]?.outcome, 'pending')
  triton.body.destroy()

  const torch = await request(`${stack.url}/predictions/demo-model`, {
    method: 'POST', headers: { ...auth(), 'content-type': 'text/plain', 'x-emulate-inter-token-ms': '60000' }, body: 'input'
  })
  assert.equal(torch.statusCode, 200)
  const chunk = await torch.body[Symbol.asyncIterator]().next()
  assert.ok(String(chunk.value).length > 0)
  assert.equal(stack.torchserve.received[0]?.outcome, 'pending')
  const settled = once(stack.torchserve.events, 'settled')
  torch.body.destroy()
  const [record] = await settled as [RecordedRequest]
  assert.equal(record.outcome, 'aborted')
})

test('Content-Encoding passes untouched both ways', async (t) => {
  const stack = await startStack(t)
  const { gzipSync } = await import('node:zlib')
  const body = gzipSync('binary-ish payload')
  const response = await request(`${stack.url}/predictions/demo-model`, {
    method: 'POST', headers: { ...auth(), 'content-encoding': 'gzip', 'content-type': 'application/octet-stream' }, body
  })
  await response.body.dump()
  const upstream = stack.torchserve.received[0] as RecordedRequest
  assert.equal(upstream.headers['content-encoding'], 'gzip')
  assert.ok(upstream.body.equals(body))
})

test('1,000 concurrent slow streams all complete: the upstream pool never caps concurrency', async (t) => {
  const stack = await startStack(t, { emulators: { vllm: { tokens: 3, interTokenMs: 300 } } })
  const client = new Agent({ connections: 2000 })
  t.after(() => client.close())
  const streams = 1000
  const results = await Promise.all(Array.from({ length: streams }, async () => {
    const response = await request(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      dispatcher: client,
      headers: { ...auth(), ...json },
      body: JSON.stringify({ model: 'demo-llm', stream: true, messages: [] })
    })
    const text = await response.body.text()
    return response.statusCode === 200 && text.endsWith('data: [DONE]\n\n')
  }))
  assert.equal(results.filter(Boolean).length, streams)
  assert.equal(stack.vllm.received.length, streams)
})
