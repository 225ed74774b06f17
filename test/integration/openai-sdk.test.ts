import assert from 'node:assert/strict'
import { test } from 'node:test'
import OpenAI, { toFile } from 'openai'
import { KEYS, startStack } from '../helpers/stack.js'

test('the official openai SDK streams a chat completion through the gateway with an API key', async (t) => {
  const stack = await startStack(t, { emulators: { vllm: { tokens: 5 } } })
  const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: KEYS.alice, maxRetries: 0 })
  const stream = await client.chat.completions.create({
    model: 'demo-llm',
    messages: [{ role: 'user', content: 'Say hello' }],
    stream: true,
    stream_options: { include_usage: true }
  })
  let text = ''
  let usage: OpenAI.CompletionUsage | undefined | null
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? ''
    usage = chunk.usage ?? usage
  }
  assert.equal(text, ' tok0 tok1 tok2 tok3 tok4')
  assert.equal(usage?.completion_tokens, 5)
  assert.equal(stack.vllm.received[0]?.headers.authorization, undefined)

  const models = await client.models.list()
  assert.deepEqual(models.data.map(m => m.id), ['demo-llm'])
})

test('the SDK sees refusals as its own typed errors', async (t) => {
  const stack = await startStack(t)
  const wrongKey = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'ig_wrong', maxRetries: 0 })
  // the request id reaches the SDK's error (`requestID`, read from the x-request-id header)
  const hasRequestId = (type: abstract new (...args: never[]) => InstanceType<typeof OpenAI.APIError>) => (err: unknown) =>
    err instanceof type && typeof err.requestID === 'string' && err.requestID.length > 0
  await assert.rejects(wrongKey.models.list(), hasRequestId(OpenAI.AuthenticationError))
  const scoped = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: KEYS.scoped, maxRetries: 0 })
  await assert.rejects(scoped.chat.completions.create({ model: 'other-llm', messages: [] }), hasRequestId(OpenAI.PermissionDeniedError))
  assert.deepEqual(stack.vllm.received, [])
})

test('the SDK does not retry a request that can never fit its token budget: one attempt, 400, no Retry-After', async (t) => {
  // A short window, so that a retryable refusal (429 + Retry-After) would be retried within the test.
  const stack = await startStack(t, { config: { rateLimit: { tokens: { max: 20, timeWindow: '1s' } } } })
  const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: KEYS.alice })
  const refused = await client.chat.completions.create({ model: 'demo-llm', messages: [], max_tokens: 30 }).then(
    () => assert.fail('admitted'),
    (err: unknown) => err
  )
  assert.ok(refused instanceof OpenAI.BadRequestError, String(refused))
  assert.equal(refused.status, 400)
  assert.equal(refused.code, 'IG_ERR_TOKEN_REQUEST_TOO_LARGE')
  assert.equal(refused.headers.get('retry-after'), null)
  // Every request the gateway answered, whatever its status: the SDK's one attempt.
  const answered = (await stack.gateway.metrics.registry.metrics()).split('\n')
    .filter(line => line.startsWith('infergate_requests_total{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0)
  assert.equal(answered, 1)
  assert.deepEqual(stack.vllm.received, [])
})

test('gateway refusals fill the SDK error\'s code, type, param and requestID, as vLLM\'s own errors do', async (t) => {
  const stack = await startStack(t, { upstreams: { vllm: { models: ['demo-llm'] } } })
  const client = (key: string) => new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: key, maxRetries: 0 })
  const cases: ReadonlyArray<readonly [string, () => Promise<unknown>, number, string, string, string | null]> = [
    ['unknown key', () => client('ig_wrong').models.list(), 401, 'IG_ERR_UNAUTHENTICATED', 'authentication_error', null],
    ['model outside the scope', () => client(KEYS.scoped).chat.completions.create({ model: 'other-llm', messages: [] }), 403, 'IG_ERR_MODEL_NOT_ALLOWED', 'permission_error', 'model'],
    ['model nobody serves', () => client(KEYS.alice).chat.completions.create({ model: 'other-llm', messages: [] }), 404, 'IG_ERR_MODEL_NOT_FOUND', 'not_found_error', 'model'],
    ['route not on the allowlist', () => client(KEYS.alice).files.list(), 404, 'IG_ERR_ROUTE_NOT_ALLOWED', 'not_found_error', null]
  ]
  for (const [name, call, status, code, type, param] of cases) {
    await t.test(name, async () => {
      const err = await call().then(() => assert.fail('admitted'), (e: unknown) => e)
      assert.ok(err instanceof OpenAI.APIError, String(err))
      assert.equal(err.status, status)
      assert.equal(err.code, code)
      assert.equal(err.type, type)
      assert.equal(err.param, param)
      assert.ok(typeof err.requestID === 'string' && err.requestID.length > 0)
      assert.match(err.message, new RegExp(`^${status} `))
    })
  }
  assert.deepEqual(stack.vllm.received, [])
})

test('the SDK transcribes and translates audio through the gateway: multipart forms, the model from their form field', async (t) => {
  const stack = await startStack(t, { upstreams: { vllm: { routes: ['audio'], models: ['demo-llm'] } }, emulators: { vllm: { tokens: 3 } } })
  const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: KEYS.alice, maxRetries: 0 })
  const audio = Buffer.from('RIFF\u0000\u0000\u0000\u0000WAVEfmt ')
  const file = () => toFile(audio, 'clip.wav', { type: 'audio/wav' })

  const transcription = await client.audio.transcriptions.create({ file: await file(), model: 'demo-llm' })
  assert.equal(transcription.text, `demo-llm heard clip.wav (${audio.length} bytes): tok0 tok1 tok2`)
  const translation = await client.audio.translations.create({ file: await file(), model: 'demo-llm' })
  assert.equal(translation.text, `demo-llm heard clip.wav (${audio.length} bytes): tok0 tok1 tok2`)
  assert.deepEqual(stack.vllm.received.map(r => r.url), ['/v1/audio/transcriptions', '/v1/audio/translations'])
  for (const received of stack.vllm.received) {
    assert.match(String(received.headers['content-type']), /^multipart\/form-data; boundary=/)
    assert.equal(received.headers.authorization, undefined)
  }

  // vLLM streams its own chunk objects (choices[].delta.content) as SSE, which the SDK yields as they come.
  const stream = await client.audio.transcriptions.create({ file: await file(), model: 'demo-llm', stream: true })
  let text = ''
  for await (const event of stream) text += (event as unknown as { choices: Array<{ delta: { content: string } }> }).choices[0]?.delta.content ?? ''
  assert.equal(text, `demo-llm heard clip.wav (${audio.length} bytes): tok0 tok1 tok2`)
  assert.match(stack.vllm.received[2]?.body.toString('latin1') ?? '', /name="stream"\r\n\r\ntrue\r\n/)

  stack.vllm.reset()
  const scoped = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: KEYS.scoped, maxRetries: 0 })
  const refused = await scoped.audio.transcriptions.create({ file: await file(), model: 'other-llm' }).then(() => assert.fail('admitted'), (err: unknown) => err)
  assert.ok(refused instanceof OpenAI.PermissionDeniedError, String(refused))
  assert.equal(refused.code, 'IG_ERR_MODEL_NOT_ALLOWED')
  assert.deepEqual(stack.vllm.received, [])
})
