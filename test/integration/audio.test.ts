import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { test } from 'node:test'
import { request } from 'undici'
import { startEmulator } from '../../src/emulators/index.js'
import { startGateway } from '../../src/serve.js'
import { rawConnection } from '../helpers/raw-http.js'
import { gatewayRefusal } from '../helpers/refusal.js'
import { auth, KEYS, startEmulators, startStack, stackConfig } from '../helpers/stack.js'

const AUDIO = { vllm: { routes: ['audio'] } }
const B = 'b0undary'
const FORM_TYPE = `multipart/form-data; boundary=${B}`
const WAV = Buffer.from([0x52, 0x49, 0x46, 0x46, 0x00, 0xff, 0x0d, 0x0a, 0x2d, 0x2d, 0x57, 0x41, 0x56, 0x45])

const field = (name: string, value: string, boundary = B) =>
  `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
const filePart = (boundary = B) => Buffer.concat([
  Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="clip.wav"\r\nContent-Type: audio/wav\r\n\r\n`),
  WAV,
  Buffer.from('\r\n')
])
/** A form: the text before the file part, the file part, then what ends it. */
const form = (before: string, end = `--${B}--\r\n`, boundary = B) => Buffer.concat([Buffer.from(before, 'latin1'), filePart(boundary), Buffer.from(end, 'latin1')])
const plain = form(field('model', 'demo-llm'))

async function post (url: string, path: string, body: Buffer | string, headers: Record<string, string | undefined>) {
  const response = await request(`${url}${path}`, { method: 'POST', headers: { ...auth(), ...headers }, body })
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() }
}

test('malformed forms are refused, naming the problem, and the upstream receives nothing', async (t) => {
  const stack = await startStack(t, { upstreams: AUDIO })
  const typeRows: ReadonlyArray<readonly [string, string | undefined, number, string]> = [
    ['JSON content type', 'application/json', 415, 'IG_ERR_MEDIA_TYPE'],
    ['no content type', undefined, 415, 'IG_ERR_MEDIA_TYPE'],
    ['a media type that only starts like it', `multipart/form-data-x; boundary=${B}`, 415, 'IG_ERR_MEDIA_TYPE'],
    ['multipart/mixed', `multipart/mixed; boundary=${B}`, 415, 'IG_ERR_MEDIA_TYPE'],
    ['no boundary', 'multipart/form-data', 400, 'IG_ERR_FORM_INVALID'],
    ['an empty boundary', 'multipart/form-data; boundary=', 400, 'IG_ERR_FORM_INVALID'],
    ['an empty quoted boundary', 'multipart/form-data; boundary=""', 400, 'IG_ERR_FORM_INVALID'],
    ['a boundary of 71 characters', `multipart/form-data; boundary=${'a'.repeat(71)}`, 400, 'IG_ERR_FORM_INVALID'],
    ['a boundary with a character RFC 2046 excludes', 'multipart/form-data; boundary=a!b', 400, 'IG_ERR_FORM_INVALID'],
    ['a quoted boundary ending in a space', 'multipart/form-data; boundary="ab "', 400, 'IG_ERR_FORM_INVALID'],
    ['two boundaries', `multipart/form-data; boundary=${B}; boundary=other`, 400, 'IG_ERR_FORM_INVALID'],
    ['an RFC 2231 boundary*', `multipart/form-data; boundary*=utf-8''${B}`, 400, 'IG_ERR_FORM_INVALID'],
    ['a backslash escape in the quoted boundary', `multipart/form-data; boundary="${B}\\x"`, 400, 'IG_ERR_FORM_INVALID'],
    ['a trailing semicolon', `multipart/form-data; boundary=${B};`, 400, 'IG_ERR_FORM_INVALID'],
    ['a charset other than UTF-8 (Starlette decodes fields with it)', `multipart/form-data; boundary=${B}; charset=utf-16`, 400, 'IG_ERR_FORM_INVALID'],
    ['another parameter', `multipart/form-data; boundary=${B}; x=y`, 400, 'IG_ERR_FORM_INVALID']
  ]
  for (const [name, contentType, status, code] of typeRows) {
    await t.test(name, async () => {
      const answer = await post(stack.url, '/v1/audio/transcriptions', plain, { 'content-type': contentType })
      assert.equal(answer.status, status, answer.text)
      assert.equal(gatewayRefusal(answer.text).code, code)
    })
  }
  const cd = (params: string) => `--${B}\r\nContent-Disposition: form-data; ${params}\r\n\r\ndemo-llm\r\n`
  const bodyRows: ReadonlyArray<readonly [string, Buffer | string, string, RegExp]> = [
    ['a preamble', Buffer.concat([Buffer.from('hello\r\n'), plain]), 'IG_ERR_FORM_INVALID', /preamble/],
    ['a CRLF before the first delimiter', Buffer.concat([Buffer.from('\r\n'), plain]), 'IG_ERR_FORM_INVALID', /preamble/],
    ['no closing delimiter', form(field('model', 'demo-llm'), ''), 'IG_ERR_FORM_INVALID', /closing delimiter is missing/],
    ['the last delimiter not closed', form(field('model', 'demo-llm'), `--${B}\r\n`), 'IG_ERR_FORM_INVALID', /./],
    ['an epilogue', form(field('model', 'demo-llm'), `--${B}--\r\njunk`), 'IG_ERR_FORM_INVALID', /epilogue/],
    ['a part after the closing delimiter', form(field('model', 'demo-llm'), `--${B}--\r\n${field('model', 'other-llm')}--${B}--\r\n`), 'IG_ERR_FORM_INVALID', /epilogue/],
    ['transport padding after a delimiter', form(field('model', 'demo-llm').replace(`--${B}\r\n`, `--${B}  \r\n`)), 'IG_ERR_FORM_INVALID', /transport padding/],
    ['a delimiter that only starts like the boundary', form(field('model', 'demo-llm').replace(`--${B}\r\n`, `--${B}x\r\n`)), 'IG_ERR_FORM_INVALID', /./],
    ['the boundary inside a part', form(field('model', `demo-llm--${B}`)), 'IG_ERR_FORM_INVALID', /boundary appears inside/],
    ['a header line ended by a bare LF', form(`--${B}\r\nContent-Disposition: form-data; name="model"\nContent-Type: text/plain\r\n\r\ndemo-llm\r\n`), 'IG_ERR_FORM_INVALID', /bare CR or LF/],
    ['headers ended by LF LF', form(`--${B}\r\nContent-Disposition: form-data; name="model"\n\ndemo-llm\r\n`), 'IG_ERR_FORM_INVALID', /./],
    ['a folded header line', form(`--${B}\r\nContent-Disposition: form-data;\r\n name="model"\r\n\r\ndemo-llm\r\n`), 'IG_ERR_FORM_INVALID', /malformed/],
    ['a space before the header colon', form(`--${B}\r\nContent-Disposition : form-data; name="model"\r\n\r\ndemo-llm\r\n`), 'IG_ERR_FORM_INVALID', /malformed/],
    ['a control character in a part header', form(`--${B}\r\nContent-Disposition: form-data; name="model"\x00\r\n\r\ndemo-llm\r\n`), 'IG_ERR_FORM_INVALID', /malformed/],
    ['a part without headers', form(`--${B}\r\n\r\ndemo-llm\r\n`), 'IG_ERR_FORM_INVALID', /Content-Disposition/],
    ['a part without Content-Disposition', form(`--${B}\r\nContent-Type: text/plain\r\n\r\ndemo-llm\r\n`), 'IG_ERR_FORM_INVALID', /Content-Disposition/],
    ['a disposition other than form-data', form(`--${B}\r\nContent-Disposition: attachment; name="model"\r\n\r\ndemo-llm\r\n`), 'IG_ERR_FORM_INVALID', /form-data/],
    ['a part without a name', form(cd('filename="a.txt"')), 'IG_ERR_FORM_INVALID', /no name/],
    ['two Content-Disposition headers', form(`--${B}\r\nContent-Disposition: form-data; name="x"\r\nContent-Disposition: form-data; name="model"\r\n\r\ndemo-llm\r\n`), 'IG_ERR_FORM_INVALID', /two Content-Disposition/],
    ['name given twice in one part', form(cd('name="x"; name="model"')), 'IG_ERR_FORM_INVALID', /twice/],
    ['two model fields', form(field('model', 'demo-llm') + field('model', 'other-llm')), 'IG_ERR_FORM_INVALID', /"model" is given twice/],
    ['two stream fields', form(field('model', 'demo-llm') + field('stream', 'false') + field('stream', 'true')), 'IG_ERR_FORM_INVALID', /"stream" is given twice/],
    ['a model part with a filename', form(cd('name="model"; filename="model.txt"')), 'IG_ERR_FORM_INVALID', /filename/],
    ['a model part with filename*', form(cd('name="model"; filename*=utf-8\'\'model.txt')), 'IG_ERR_FORM_INVALID', /filename/],
    ['an RFC 2231 name*', form(field('model', 'demo-llm') + cd('name*=utf-8\'\'model')), 'IG_ERR_FORM_INVALID', /RFC 2231/],
    ['an RFC 2231 continued name', form(field('model', 'demo-llm') + cd('name*0="mo"; name*1="del"')), 'IG_ERR_FORM_INVALID', /RFC 2231/],
    ['a backslash escape in a quoted name', form(cd('name="mo\\"del"')), 'IG_ERR_FORM_INVALID', /malformed/],
    ['an unterminated quoted name', form(cd('name="model')), 'IG_ERR_FORM_INVALID', /malformed/],
    ['a Content-Transfer-Encoding', form(`--${B}\r\nContent-Disposition: form-data; name="model"\r\nContent-Transfer-Encoding: base64\r\n\r\nZGVtby1sbG0=\r\n`), 'IG_ERR_FORM_INVALID', /Content-Transfer-Encoding/],
    ['a model part in another charset', form(`--${B}\r\nContent-Disposition: form-data; name="model"\r\nContent-Type: text/plain; charset=utf-16\r\n\r\ndemo-llm\r\n`), 'IG_ERR_FORM_INVALID', /Content-Type/],
    ['a model longer than 256 characters', form(field('model', 'm'.repeat(257))), 'IG_ERR_FORM_INVALID', /at most 256/],
    ['a model that is not UTF-8', form(field('model', 'demo-\xff')), 'IG_ERR_FORM_INVALID', /UTF-8/],
    ['a stream that is not a boolean', form(field('model', 'demo-llm') + field('stream', 'maybe')), 'IG_ERR_FORM_INVALID', /stream/],
    ['no parts', `--${B}--\r\n`, 'IG_ERR_FORM_INVALID', /no parts/],
    ['no model field', form(field('language', 'en')), 'IG_ERR_MODEL_REQUIRED', /model/],
    ['an empty model', form(field('model', '')), 'IG_ERR_MODEL_REQUIRED', /model/]
  ]
  for (const [name, body, code, message] of bodyRows) {
    await t.test(name, async () => {
      const answer = await post(stack.url, '/v1/audio/transcriptions', typeof body === 'string' ? Buffer.from(body, 'latin1') : body, { 'content-type': FORM_TYPE })
      assert.equal(answer.status, 400, answer.text)
      const refusal = gatewayRefusal(answer.text)
      assert.equal(refusal.code, code)
      assert.match(refusal.message, message)
    })
  }
  await t.test('a compressed form', async () => {
    const answer = await post(stack.url, '/v1/audio/translations', plain, { 'content-type': FORM_TYPE, 'content-encoding': 'gzip' })
    assert.equal(answer.status, 415)
    assert.match(gatewayRefusal(answer.text).message, /multipart\/form-data, not a body with Content-Encoding gzip/)
  })
  assert.deepEqual(stack.vllm.received, [])
})

test('accepted forms reach vLLM byte for byte, with their Content-Type, and are read as the gateway read them', async (t) => {
  const stack = await startStack(t, { upstreams: AUDIO, emulators: { vllm: { tokens: 1 } } })
  const odd = 'a b\'()+_,-./:=?z'
  const rows: ReadonlyArray<readonly [string, string, Buffer]> = [
    ['the plain form curl and the SDKs send', FORM_TYPE, plain],
    ['a quoted boundary with every character RFC 2046 allows', `multipart/form-data; boundary="${odd}"`, form(field('model', 'demo-llm', odd), `--${odd}--`, odd)],
    ['charset=UTF-8 and no CRLF after the closing delimiter', `Multipart/Form-Data;charset=UTF-8; boundary=${B}`, form(field('model', 'demo-llm'), `--${B}--`)],
    ['an unquoted name, header names in any case, a text/plain model', FORM_TYPE,
      form(`--${B}\r\ncontent-disposition: FORM-DATA; NAME=model\r\ncontent-type: text/plain; charset=utf-8\r\n\r\ndemo-llm\r\n`)],
    ['fields after the file, and a stream=false', FORM_TYPE, Buffer.concat([filePart(), Buffer.from(field('model', 'demo-llm') + field('stream', 'False') + `--${B}--\r\n`)])]
  ]
  for (const [name, contentType, body] of rows) {
    await t.test(name, async () => {
      stack.vllm.reset()
      const answer = await post(stack.url, '/v1/audio/transcriptions', body, { 'content-type': contentType })
      assert.equal(answer.status, 200, answer.text)
      assert.deepEqual(JSON.parse(answer.text).text, `demo-llm heard clip.wav (${WAV.length} bytes): tok0`)
      const received = stack.vllm.received[0]
      assert.ok(received !== undefined && received.body.equals(body), 'the exact bytes sent')
      assert.equal(received.headers['content-type'], contentType)
      assert.equal(received.headers['content-length'], String(body.length))
      assert.equal(received.headers.authorization, undefined)
    })
  }
  await t.test('a chunked form is read, then forwarded with its Content-Length', async () => {
    stack.vllm.reset()
    const response = await request(`${stack.url}/v1/audio/translations`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': FORM_TYPE },
      body: Readable.from([plain.subarray(0, 10), plain.subarray(10)])
    })
    assert.equal(response.statusCode, 200, await response.body.text())
    assert.ok(stack.vllm.received[0]?.body.equals(plain))
    assert.equal(stack.vllm.received[0]?.headers['content-length'], String(plain.length))
  })
  await t.test('stream=true is answered as SSE, relayed as it comes', async () => {
    const answer = await post(stack.url, '/v1/audio/transcriptions', form(field('model', 'demo-llm') + field('stream', 'true')), { 'content-type': FORM_TYPE })
    assert.equal(answer.headers['content-type'], 'text/event-stream; charset=utf-8')
    assert.match(answer.text, /"object":"transcription\.chunk"[\s\S]*data: \[DONE\]\n\n$/)
  })
})

test('audio routes are an opt-in group: off, they are not allowed and nothing is forwarded', async (t) => {
  const stack = await startStack(t)
  const answer = await post(stack.url, '/v1/audio/transcriptions', plain, { 'content-type': FORM_TYPE })
  assert.equal(answer.status, 404)
  assert.equal(gatewayRefusal(answer.text).code, 'IG_ERR_ROUTE_NOT_ALLOWED')
  assert.deepEqual(stack.vllm.received, [])
})

test('the form\'s model is scoped and routed as a JSON model is, within the chosen upstream\'s body limit', async (t) => {
  const emulators = await startEmulators(t)
  const other = await startEmulator('vllm', { models: ['other-llm'] })
  t.after(() => other.close())
  const base = stackConfig(emulators)
  const config = {
    ...base,
    upstreams: [
      { ...base.upstreams[0], routes: ['audio'], models: ['demo-llm'] },
      { ...base.upstreams[0], name: 'other', url: other.url, routes: ['audio'], models: ['other-llm'], limits: { bodyBytes: 300 } }
    ]
  }
  const gateway = await startGateway(config as typeof base)
  t.after(() => gateway.app.close())
  const send = (model: string, key: string = KEYS.alice, file = '') =>
    post(gateway.url, '/v1/audio/transcriptions', form(field('model', model) + file), { 'content-type': FORM_TYPE, ...auth(key) })

  const routed = await send('other-llm')
  assert.equal(routed.status, 200, routed.text)
  assert.match(JSON.parse(routed.text).text, /^other-llm heard/)
  assert.equal(other.received.length, 1)
  assert.equal(emulators.vllm.received.length, 0)

  const outOfScope = await send('other-llm', KEYS.scoped)
  assert.equal(outOfScope.status, 403)
  assert.equal(gatewayRefusal(outOfScope.text).code, 'IG_ERR_MODEL_NOT_ALLOWED')
  const unknown = await send('nobody-llm')
  assert.equal(unknown.status, 404)
  assert.equal(gatewayRefusal(unknown.text).code, 'IG_ERR_MODEL_NOT_FOUND')
  // within the largest limit of the route (1 MiB), over the chosen upstream's 300 bytes
  const large = await send('other-llm', KEYS.alice, field('prompt', 'x'.repeat(300)))
  assert.equal(large.status, 413)
  assert.equal(gatewayRefusal(large.text).code, 'IG_ERR_BODY_TOO_LARGE')
  assert.equal(other.received.length, 1, 'nothing more was forwarded')
  assert.equal(emulators.vllm.received.length, 0)

  const lines = (await gateway.metrics.registry.metrics()).split('\n')
  assert.ok(lines.includes('infergate_requests_total{upstream="other",route="audio-transcriptions",status_class="2xx"} 1'), 'counted by upstream and route')
})

test('with a token budget, an audio request reserves defaultMaxTokens, charged when no usage is reported', async (t) => {
  const stack = await startStack(t, {
    upstreams: AUDIO,
    config: { rateLimit: { tokens: { max: 20, timeWindow: '1 minute', defaultMaxTokens: 8 } } }
  })
  const statuses: number[] = []
  for (let i = 0; i < 3; i++) statuses.push((await post(stack.url, '/v1/audio/transcriptions', plain, { 'content-type': FORM_TYPE })).status)
  assert.deepEqual(statuses, [200, 200, 429])
  assert.equal(stack.vllm.received.length, 2)
})

test('Expect: 100-continue: a bad boundary is refused before the form is sent; a good one is asked for it', async (t) => {
  const stack = await startStack(t, { upstreams: AUDIO })
  const head = (contentType: string) => `POST /v1/audio/transcriptions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEYS.alice}\r\n` +
    `Content-Type: ${contentType}\r\nContent-Length: ${plain.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`
  await t.test('a boundary RFC 2046 does not allow', async () => {
    const connection = await rawConnection(stack.url)
    connection.write(head('multipart/form-data; boundary=a!b'))
    const received = await connection.closed
    assert.ok(received.startsWith('HTTP/1.1 400 '), received.slice(0, 80))
    assert.doesNotMatch(received, /100 Continue/)
    assert.match(received, /IG_ERR_FORM_INVALID/)
  })
  await t.test('a good form', async () => {
    const connection = await rawConnection(stack.url)
    connection.write(head(FORM_TYPE))
    assert.equal(await connection.waitFor(/\r\n\r\n/), 'HTTP/1.1 100 Continue\r\n\r\n')
    connection.write(plain)
    assert.match(await connection.closed, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /)
  })
  assert.equal(stack.vllm.received.length, 1)
})
