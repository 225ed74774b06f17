import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { nextRequest, nextSettled, readUntilError, sseData, start } from './helpers.js'

const JSON_HEADERS = { 'content-type': 'application/json' }

function chatBody (extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ model: 'demo-llm', messages: [{ role: 'user', content: 'say three words' }], ...extra })
}

test('chat stream: SSE frames, role first, finish chunk, usage chunk, [DONE]', async t => {
  const emulator = await start(t, 'vllm', { tokens: 3 })
  const settled = nextSettled(emulator)
  const res = await request(`${emulator.url}/v1/chat/completions`, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: chatBody({ stream: true, stream_options: { include_usage: true } })
  })
  assert.equal(res.statusCode, 200)
  assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8')
  const data = sseData(await res.body.text())
  assert.equal(data.length, 3 + 3)
  assert.equal(data.at(-1), '[DONE]')
  const chunks = data.slice(0, -1).map(d => JSON.parse(d))
  for (const chunk of chunks) assert.equal(chunk.object, 'chat.completion.chunk')
  assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: ' tok0' })
  assert.deepEqual(chunks.slice(1, 3).map(c => c.choices[0].delta), [{ content: ' tok1' }, { content: ' tok2' }])
  assert.equal(chunks[3].choices[0].finish_reason, 'length')
  assert.deepEqual(chunks[4].choices, [])
  assert.deepEqual(chunks[4].usage, { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 })
  assert.equal((await settled).outcome, 'completed')
})

test('completions stream: text chunks, max_tokens caps the count, no usage unless asked', async t => {
  const emulator = await start(t, 'vllm')
  const res = await request(`${emulator.url}/v1/completions`, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ model: 'demo-llm', prompt: 'once upon', max_tokens: 2, stream: true })
  })
  const data = sseData(await res.body.text())
  assert.deepEqual(data.slice(0, 3).map(d => JSON.parse(d).choices[0].text), [' tok0', ' tok1', ''])
  assert.equal(JSON.parse(data[2] ?? '').choices[0].finish_reason, 'length')
  assert.equal(JSON.parse(data[0] ?? '').object, 'text_completion')
  assert.deepEqual(data.slice(3), ['[DONE]'])
})

test('non-streaming chat completion carries the text and usage', async t => {
  const emulator = await start(t, 'vllm', { tokens: 4 })
  const res = await request(`${emulator.url}/v1/chat/completions`, { method: 'POST', headers: JSON_HEADERS, body: chatBody() })
  assert.equal(res.statusCode, 200)
  const body = await res.body.json() as { object: string, model: string, choices: Array<{ message: unknown, finish_reason: string }>, usage: unknown }
  assert.equal(body.object, 'chat.completion')
  assert.equal(body.model, 'demo-llm')
  assert.deepEqual(body.choices[0]?.message, { role: 'assistant', content: ' tok0 tok1 tok2 tok3' })
  assert.deepEqual(body.usage, { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 })
})

test('unknown model is a 404 and invalid JSON a 400, in the OpenAI error shape', async t => {
  const emulator = await start(t, 'vllm')
  const missing = await request(`${emulator.url}/v1/chat/completions`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ model: 'nope', messages: [] }) })
  assert.equal(missing.statusCode, 404)
  assert.deepEqual(await missing.body.json(), { error: { message: 'The model `nope` does not exist.', type: 'NotFoundError', param: null, code: 404 } })
  const broken = await request(`${emulator.url}/v1/completions`, { method: 'POST', headers: JSON_HEADERS, body: '{"model":' })
  assert.equal(broken.statusCode, 400)
  const error = (await broken.body.json() as { error: { type: string, code: number } }).error
  assert.equal(error.type, 'BadRequestError')
  assert.equal(error.code, 400)
})

test('embeddings, models and health', async t => {
  const emulator = await start(t, 'vllm', { models: ['embedder', 'other'] })
  const embedded = await request(`${emulator.url}/v1/embeddings`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ model: 'embedder', input: ['a b', 'c'] }) })
  const body = await embedded.body.json() as { object: string, model: string, data: Array<{ object: string, index: number, embedding: number[] }>, usage: { prompt_tokens: number } }
  assert.equal(body.object, 'list')
  assert.equal(body.model, 'embedder')
  assert.deepEqual(body.data.map(d => [d.object, d.index, d.embedding.length]), [['embedding', 0, 8], ['embedding', 1, 8]])
  assert.equal(body.usage.prompt_tokens, 3)

  const models = await (await request(`${emulator.url}/v1/models`)).body.json() as { object: string, data: Array<{ id: string, owned_by: string, max_model_len: number }> }
  assert.equal(models.object, 'list')
  assert.deepEqual(models.data.map(m => [m.id, m.owned_by, m.max_model_len]), [['embedder', 'vllm', 4096], ['other', 'vllm', 4096]])

  const health = await request(`${emulator.url}/health`)
  assert.equal(health.statusCode, 200)
  assert.equal(await health.body.text(), '')
})

test('pooling, classify, unprefixed score and rerank, and Cohere embed answer JSON for the served model', async t => {
  const emulator = await start(t, 'vllm', { models: ['pooler'], requireToken: 'sekret' })
  const post = async (path: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const res = await request(`${emulator.url}${path}`, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify({ model: 'pooler', ...body }) })
    return { status: res.statusCode, body: await res.body.json() as Record<string, unknown> }
  }
  // unprefixed: vLLM's key check skips them
  const pooled = await post('/pooling', { input: ['a', 'b'] })
  assert.equal(pooled.status, 200)
  assert.deepEqual((pooled.body['data'] as Array<{ object: string, index: number }>).map(d => [d.object, d.index]), [['pooling', 0], ['pooling', 1]])
  const classified = await post('/classify', { input: 'a' })
  assert.deepEqual((classified.body['data'] as Array<{ label: string }>).map(d => d.label), ['positive'])
  assert.equal(classified.body['model'], 'pooler')
  const scored = await post('/score', { text_1: 'a', text_2: ['b', 'c'] })
  assert.equal((scored.body['data'] as unknown[]).length, 2)
  const reranked = await post('/rerank', { query: 'q', documents: ['a'] })
  assert.equal((reranked.body['results'] as unknown[]).length, 1)
  // /v2 is guarded
  assert.equal((await post('/v2/embed', { texts: ['a'] })).status, 401)
  const embedded = await post('/v2/embed', { texts: ['a', 'b'] }, { authorization: 'Bearer sekret' })
  assert.equal(embedded.status, 200)
  assert.equal((embedded.body['embeddings'] as { float: unknown[] }).float.length, 2)
  assert.deepEqual(emulator.received.map(r => r.url), ['/pooling', '/classify', '/score', '/rerank', '/v2/embed', '/v2/embed'])
  assert.equal((await post('/pooling', { model: 'nope', input: 'a' })).status, 404)
})

test('responses API streams event: lines and no [DONE]', async t => {
  const emulator = await start(t, 'vllm', { tokens: 2 })
  const res = await request(`${emulator.url}/v1/responses`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ model: 'demo-llm', input: 'hi', stream: true }) })
  const text = await res.body.text()
  const events = text.split('\n\n').filter(f => f !== '').map(f => f.split('\n')[0])
  assert.deepEqual(events, ['event: response.created', 'event: response.output_text.delta', 'event: response.output_text.delta', 'event: response.completed'])
  assert.ok(!text.includes('[DONE]'))
  assert.deepEqual(sseData(text).map(d => JSON.parse(d).sequence_number), [0, 1, 2, 3])
})

test('Anthropic Messages: a message object with usage, or message_start … message_stop events with event: lines', async t => {
  const emulator = await start(t, 'vllm', { tokens: 2 })
  const ask = { model: 'demo-llm', max_tokens: 8, system: 'be brief', messages: [{ role: 'user', content: [{ type: 'text', text: 'say two words' }] }] }
  const whole = await request(`${emulator.url}/v1/messages`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(ask) })
  const message = await whole.body.json() as Record<string, unknown>
  assert.equal(message['type'], 'message')
  assert.deepEqual(message['content'], [{ type: 'text', text: ' tok0 tok1' }])
  assert.equal(message['stop_reason'], 'max_tokens')
  assert.deepEqual(message['usage'], { input_tokens: 5, output_tokens: 2 })

  const res = await request(`${emulator.url}/v1/messages`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ ...ask, stream: true }) })
  assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8')
  const text = await res.body.text()
  const frames = text.split('\n\n').filter(f => f !== '')
  const events = frames.map(f => f.split('\n')[0])
  assert.deepEqual(events, ['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'].map(e => `event: ${e}`))
  const data = sseData(text).map(d => JSON.parse(d) as Record<string, unknown>)
  assert.deepEqual(data.map(d => d['type']), events.map(e => e?.slice('event: '.length)))
  assert.deepEqual((data[0]?.['message'] as Record<string, unknown>)['usage'], { input_tokens: 5, output_tokens: 0 })
  assert.deepEqual(data.slice(3, 5).map(d => d['delta']), [{ type: 'text_delta', text: ' tok0' }, { type: 'text_delta', text: ' tok1' }])
  assert.deepEqual(data[6], { type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: 2 } })
  assert.ok(!text.includes('[DONE]'))
})

test('Anthropic count_tokens, and Anthropic-shaped errors: unknown model, max_tokens missing', async t => {
  const emulator = await start(t, 'vllm')
  const post = async (path: string, body: unknown) => {
    const res = await request(`${emulator.url}${path}`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) })
    return { status: res.statusCode, body: await res.body.json() }
  }
  assert.deepEqual(await post('/v1/messages/count_tokens', { model: 'demo-llm', messages: [{ role: 'user', content: 'one two three' }] }), { status: 200, body: { input_tokens: 3 } })
  assert.deepEqual(await post('/v1/messages', { model: 'nope', max_tokens: 1, messages: [] }),
    { status: 404, body: { type: 'error', error: { type: 'not_found_error', message: 'The model `nope` does not exist.' } } })
  const noCap = await post('/v1/messages', { model: 'demo-llm', messages: [] })
  assert.equal(noCap.status, 400)
  assert.equal((noCap.body as { error: { type: string } }).error.type, 'invalid_request_error')
  assert.deepEqual(emulator.received.map(r => r.url), ['/v1/messages/count_tokens', '/v1/messages', '/v1/messages'])
})

test('per-request headers override the options, and x-request-id is echoed', async t => {
  const emulator = await start(t, 'vllm', { tokens: 8, ttftMs: 60_000 })
  const res = await request(`${emulator.url}/v1/completions`, {
    method: 'POST',
    headers: { ...JSON_HEADERS, 'x-emulate-tokens': '2', 'x-emulate-ttft-ms': '0', 'x-request-id': 'req-42' },
    body: JSON.stringify({ model: 'demo-llm', prompt: 'x' })
  })
  assert.equal(res.headers['x-request-id'], 'req-42')
  assert.equal((await res.body.json() as { choices: Array<{ text: string }> }).choices[0]?.text, ' tok0 tok1')
})

test('failure reset: the socket closes before any response', async t => {
  const emulator = await start(t, 'vllm', { failure: 'reset' })
  const settled = nextSettled(emulator)
  await assert.rejects(request(`${emulator.url}/v1/chat/completions`, { method: 'POST', headers: JSON_HEADERS, body: chatBody() }))
  assert.equal((await settled).outcome, 'aborted')
})

test('failure status-500 answers the OpenAI error shape', async t => {
  const emulator = await start(t, 'vllm')
  const res = await request(`${emulator.url}/v1/chat/completions`, { method: 'POST', headers: { ...JSON_HEADERS, 'x-emulate-failure': 'status-500' }, body: chatBody({ stream: true }) })
  assert.equal(res.statusCode, 500)
  assert.deepEqual(await res.body.json(), { error: { message: 'Emulated internal error', type: 'InternalServerError', param: null, code: 500 } })
})

test('failure reset-mid-stream sends half the chunks then cuts the connection', async t => {
  const emulator = await start(t, 'vllm', { tokens: 6, failure: 'reset-mid-stream' })
  const res = await request(`${emulator.url}/v1/chat/completions`, { method: 'POST', headers: JSON_HEADERS, body: chatBody({ stream: true }) })
  assert.equal(res.statusCode, 200)
  const { text, error } = await readUntilError(res.body)
  assert.ok(error instanceof Error)
  assert.equal(sseData(text).length, 3)
  assert.ok(!text.includes('[DONE]'))
})

test('failures leave health and metadata routes alone', async t => {
  const emulator = await start(t, 'vllm', { failure: 'reset' })
  assert.equal((await request(`${emulator.url}/health`)).statusCode, 200)
  assert.equal((await request(`${emulator.url}/v1/models`)).statusCode, 200)
})

test('a client abort mid-stream settles the record as aborted and stops the stream', async t => {
  const emulator = await start(t, 'vllm', { interTokenMs: 60_000 })
  const controller = new AbortController()
  const settled = nextSettled(emulator)
  const res = await request(`${emulator.url}/v1/chat/completions`, { method: 'POST', headers: JSON_HEADERS, body: chatBody({ stream: true }), signal: controller.signal })
  const first = await res.body[Symbol.asyncIterator]().next()
  assert.match(String(first.value), /tok0/)
  controller.abort()
  const record = await settled
  assert.equal(record.outcome, 'aborted')
  assert.equal(record.url, '/v1/chat/completions')
})

test('hang never answers; the record is aborted when the client leaves', async t => {
  const emulator = await start(t, 'vllm')
  const controller = new AbortController()
  const arrived = nextRequest(emulator)
  const settled = nextSettled(emulator)
  const pending = request(`${emulator.url}/v1/completions`, { method: 'POST', headers: { ...JSON_HEADERS, 'x-emulate-failure': 'hang' }, body: '{}', signal: controller.signal })
  assert.equal((await arrived).outcome, 'pending')
  controller.abort()
  await assert.rejects(pending)
  assert.equal((await settled).outcome, 'aborted')
})

test('management, debug and metrics routes answer 200 and are recorded verbatim', async t => {
  const emulator = await start(t, 'vllm')
  const routes: Array<[string, string]> = [
    ['POST', '/invocations'], ['POST', '/tokenize'], ['POST', '/v1/load_lora_adapter'], ['GET', '/server_info?config_format=json'],
    ['POST', '/sleep?level=1'], ['POST', '/collective_rpc'], ['POST', '/scale_elastic_ep'], ['GET', '/docs'], ['GET', '/openapi.json'],
    ['GET', '/version'], ['POST', '/generative_scoring'], ['GET', '/anything/at/all']
  ]
  for (const [method, url] of routes) {
    await t.test(`${method} ${url}`, async () => {
      const res = await request(`${emulator.url}${url}`, { method, body: method === 'POST' ? '{}' : null })
      assert.equal(res.statusCode, 200)
      assert.deepEqual(await res.body.json(), { emulated: url.split('?')[0] })
    })
  }
  const metrics = await request(`${emulator.url}/metrics`)
  assert.match(String(metrics.headers['content-type']), /^text\/plain/)
  assert.match(await metrics.body.text(), /^# HELP/)
  assert.deepEqual(emulator.received.map(r => [r.method, r.url]), [...routes, ['GET', '/metrics']])
})

test('requireToken guards /v1 with 401 {"error":"Unauthorized"} and leaves /health open', async t => {
  const emulator = await start(t, 'vllm', { requireToken: 'sekret' })
  const denied = await request(`${emulator.url}/v1/models`)
  assert.equal(denied.statusCode, 401)
  assert.deepEqual(await denied.body.json(), { error: 'Unauthorized' })
  const wrong = await request(`${emulator.url}/v1/models`, { headers: { authorization: 'Bearer other' } })
  assert.equal(wrong.statusCode, 401)
  await wrong.body.dump()
  const allowed = await request(`${emulator.url}/v1/models`, { headers: { authorization: 'bearer sekret' } })
  assert.equal(allowed.statusCode, 200)
  await allowed.body.dump()
  const health = await request(`${emulator.url}/health`)
  assert.equal(health.statusCode, 200)
  await health.body.dump()
})

function audioForm (fields: Record<string, string>, file = new Blob([Buffer.from('RIFF0000WAVE')], { type: 'audio/wav' })): FormData {
  const form = new FormData()
  for (const [name, value] of Object.entries(fields)) form.append(name, value)
  form.append('file', file, 'clip.wav')
  return form
}

test('audio transcription: the multipart form is read, the text names the model, file and size it parsed', async t => {
  const emulator = await start(t, 'vllm', { tokens: 2 })
  const res = await fetch(`${emulator.url}/v1/audio/transcriptions`, { method: 'POST', body: audioForm({ model: 'demo-llm' }) })
  assert.equal(res.status, 200)
  assert.deepEqual(await res.json(), { text: 'demo-llm heard clip.wav (12 bytes): tok0 tok1', usage: { type: 'duration', seconds: 1 } })
  const recorded = emulator.received[0]
  assert.match(String(recorded?.headers['content-type']), /^multipart\/form-data; boundary=/)
  assert.ok(recorded?.body.includes('name="model"\r\n\r\ndemo-llm\r\n'))
})

test('audio translation stream: SSE translation.chunk frames, a stop chunk, usage when asked, [DONE]', async t => {
  const emulator = await start(t, 'vllm', { tokens: 2 })
  const res = await fetch(`${emulator.url}/v1/audio/translations`, {
    method: 'POST',
    body: audioForm({ model: 'demo-llm', stream: 'true', stream_include_usage: 'true' })
  })
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8')
  const data = sseData(await res.text())
  assert.equal(data.at(-1), '[DONE]')
  const chunks = data.slice(0, -1).map(d => JSON.parse(d))
  for (const chunk of chunks) assert.equal(chunk.object, 'translation.chunk')
  assert.deepEqual(chunks.slice(0, 4).map(c => c.choices[0].delta.content), ['demo-llm heard clip.wav (12 bytes):', ' tok0', ' tok1', ''])
  assert.equal(chunks[3].choices[0].finish_reason, 'stop')
  assert.deepEqual(chunks[4].usage, { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 })
})

test('audio forms are read as Starlette reads them: the last of two model fields wins; an unknown model is 404', async t => {
  const emulator = await start(t, 'vllm', { models: ['demo-llm', 'other-llm'], tokens: 0 })
  const twice = new FormData()
  twice.append('model', 'demo-llm')
  twice.append('model', 'other-llm')
  twice.append('file', new Blob(['x']), 'a.wav')
  const res = await fetch(`${emulator.url}/v1/audio/transcriptions`, { method: 'POST', body: twice })
  assert.equal(((await res.json()) as { text: string }).text, 'other-llm heard a.wav (1 bytes):')
  const unknown = await fetch(`${emulator.url}/v1/audio/transcriptions`, { method: 'POST', body: audioForm({ model: 'nope' }) })
  assert.equal(unknown.status, 404)
  const notForm = await fetch(`${emulator.url}/v1/audio/transcriptions`, { method: 'POST', body: '{"model":"demo-llm"}', headers: { 'content-type': 'application/json' } })
  assert.equal(notForm.status, 400)
})
