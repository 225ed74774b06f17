import assert from 'node:assert/strict'
import { test } from 'node:test'
import { request } from 'undici'
import { startServeProcess } from '../helpers/serve-process.js'
import { auth, KEYS, startEmulators, startStack, stackConfig, type Stack } from '../helpers/stack.js'

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const PARENT_ID = '00f067aa0ba902b7'
const VALID = `00-${TRACE_ID}-${PARENT_ID}-01`
const STATE = 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'

/** Sends `headers` (`[name, value, …]`, repeats allowed) on a vLLM completion; what the upstream got. */
async function sendTrace (stack: Stack, headers: string[]) {
  stack.vllm.reset()
  const response = await request(`${stack.url}/v1/chat/completions`, {
    method: 'POST',
    headers: ['authorization', `Bearer ${KEYS.alice}`, 'content-type', 'application/json', ...headers],
    body: JSON.stringify({ model: 'demo-llm', messages: [] })
  })
  await response.body.dump()
  assert.equal(response.statusCode, 200)
  const received = stack.vllm.received[0]
  assert.ok(received !== undefined)
  return received.headers
}

test('a request without traceparent gets a fresh valid one upstream; ids never repeat across entropy refills', async (t) => {
  const stack = await startStack(t)
  // More requests than ids drawn per refill (256).
  for (let i = 0; i < 300; i++) {
    const response = await request(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo-llm', messages: [] })
    })
    await response.body.dump()
  }
  const sent = stack.vllm.received.map(({ headers }) => String(headers['traceparent']))
  for (const traceparent of sent) assert.match(traceparent, TRACEPARENT)
  assert.equal(new Set(sent.map(value => value.slice(3, 35))).size, 300, 'trace ids are unique')
  assert.equal(new Set(sent.map(value => value.slice(36, 52))).size, 300, 'parent ids are unique')
})

test('a traceparent that is not one valid W3C value is replaced by a fresh one, and its tracestate dropped', async (t) => {
  const stack = await startStack(t)
  const rows: ReadonlyArray<readonly [string, string[]]> = [
    ['garbage', ['traceparent', 'garbage']],
    ['empty', ['traceparent', '']],
    ['8,003 characters', ['traceparent', `${VALID}-${'a'.repeat(8003 - 56)}`]],
    ['all-zero trace id', ['traceparent', `00-${'0'.repeat(32)}-${PARENT_ID}-01`]],
    ['all-zero parent id', ['traceparent', `00-${TRACE_ID}-${'0'.repeat(16)}-01`]],
    ['upper-case hex', ['traceparent', VALID.toUpperCase()]],
    ['version ff', ['traceparent', `ff-${TRACE_ID}-${PARENT_ID}-01`]],
    ['version 00 with more after the flags', ['traceparent', `${VALID}-future`]],
    ['flags not hex', ['traceparent', `00-${TRACE_ID}-${PARENT_ID}-0g`]],
    ['a trace id one digit short', ['traceparent', `00-${TRACE_ID.slice(1)}-${PARENT_ID}-01`]],
    ['a later version shorter than 55', ['traceparent', `01-${TRACE_ID}-${PARENT_ID}-1`]],
    ['a later version with no dash after the flags', ['traceparent', `01-${TRACE_ID}-${PARENT_ID}-01x`]],
    ['two different values', ['traceparent', VALID, 'traceparent', `00-${'1'.repeat(32)}-${PARENT_ID}-01`]],
    ['the same value twice', ['traceparent', VALID, 'traceparent', VALID]]
  ]
  for (const [name, headers] of rows) {
    await t.test(name, async () => {
      const received = await sendTrace(stack, [...headers, 'tracestate', STATE])
      const traceparent = String(received['traceparent'])
      assert.match(traceparent, TRACEPARENT)
      assert.notEqual(traceparent.slice(3, 35), TRACE_ID)
      assert.equal(received['tracestate'], undefined)
    })
  }
  await t.test('tracestate without a traceparent', async () => {
    const received = await sendTrace(stack, ['tracestate', STATE])
    assert.match(String(received['traceparent']), TRACEPARENT)
    assert.equal(received['tracestate'], undefined)
  })
})

test('a valid traceparent passes as is (a later version as version 00); a valid tracestate passes, an invalid one is dropped', async (t) => {
  const stack = await startStack(t)
  const rows: ReadonlyArray<readonly [string, string[], string, string | undefined]> = [
    ['version 00 and a tracestate', ['traceparent', VALID, 'tracestate', STATE], VALID, STATE],
    ['flags other than 01', ['traceparent', `00-${TRACE_ID}-${PARENT_ID}-00`], `00-${TRACE_ID}-${PARENT_ID}-00`, undefined],
    ['a later version, with more fields', ['traceparent', `cc-${TRACE_ID}-${PARENT_ID}-01-${'f'.repeat(4000)}`, 'tracestate', STATE], VALID, STATE],
    ['a later version, exactly 55 characters', ['traceparent', `01-${TRACE_ID}-${PARENT_ID}-01`], VALID, undefined],
    ['tracestate in two headers, with spaces and empty members', ['traceparent', VALID, 'tracestate', 'congo=t61rcWkgMzE , ,', 'tracestate', 'rojo=00f067aa0ba902b7'], VALID, STATE],
    ['a multi-tenant key', ['traceparent', VALID, 'tracestate', 'fw529a3039@dt=ZmFzdA'], VALID, 'fw529a3039@dt=ZmFzdA'],
    ['an empty tracestate', ['traceparent', VALID, 'tracestate', ''], VALID, undefined],
    ['33 members', ['traceparent', VALID, 'tracestate', Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')], VALID, undefined],
    ['32 members', ['traceparent', VALID, 'tracestate', Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(',')], VALID, Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(',')],
    ['over 512 characters', ['traceparent', VALID, 'tracestate', `a=${'x'.repeat(250)},b=${'x'.repeat(250)},c=${'x'.repeat(10)}`], VALID, undefined],
    ['an upper-case key', ['traceparent', VALID, 'tracestate', 'Congo=1'], VALID, undefined],
    ['a key starting with a digit', ['traceparent', VALID, 'tracestate', '1congo=1'], VALID, undefined],
    ['"=" in a value', ['traceparent', VALID, 'tracestate', 'congo=a=b'], VALID, undefined],
    ['a member without "="', ['traceparent', VALID, 'tracestate', 'congo'], VALID, undefined],
    ['an empty value', ['traceparent', VALID, 'tracestate', 'congo='], VALID, undefined],
    ['a value over 256 characters', ['traceparent', VALID, 'tracestate', `congo=${'x'.repeat(257)}`], VALID, undefined],
    ['a repeated key', ['traceparent', VALID, 'tracestate', 'congo=1,congo=2'], VALID, undefined],
    ['a non-ASCII character in a value', ['traceparent', VALID, 'tracestate', 'congo=caf\u00e9'], VALID, undefined]
  ]
  for (const [name, headers, traceparent, tracestate] of rows) {
    await t.test(name, async () => {
      const received = await sendTrace(stack, headers)
      assert.equal(received['traceparent'], traceparent)
      assert.equal(received['tracestate'], tracestate)
    })
  }
})

test('the access log\'s traceId is the trace id forwarded upstream, also when the client\'s traceparent was replaced', async (t) => {
  const emulators = await startEmulators(t)
  const gateway = await startServeProcess(t, stackConfig(emulators, { config: { logging: { level: 'info' } } }))
  for (const [id, traceparent] of [['replaced', `00-${'0'.repeat(32)}-${PARENT_ID}-01`], ['kept', VALID], ['refused', VALID]] as const) {
    const response = await request(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...(id === 'refused' ? {} : auth()), 'content-type': 'application/json', traceparent, 'x-request-id': id },
      body: JSON.stringify({ model: 'demo-llm', messages: [] })
    })
    await response.body.dump()
  }
  const lines = (await gateway.linesMatching(line => line.includes('"msg":"request"'), 3)).map(line => JSON.parse(line) as Record<string, unknown>)
  const traceIdOf = (id: string) => lines.find(line => line['reqId'] === id)?.['traceId']
  const sent = emulators.vllm.received.map(({ headers }) => String(headers['traceparent']).slice(3, 35))
  assert.equal(sent.length, 2)
  assert.notEqual(sent[0], '0'.repeat(32))
  assert.equal(traceIdOf('replaced'), sent[0])
  assert.equal(traceIdOf('kept'), TRACE_ID)
  assert.equal(sent[1], TRACE_ID)
  // Nothing was forwarded: the client's own (valid) trace id is what joins its logs to ours.
  assert.equal(traceIdOf('refused'), TRACE_ID)
})
