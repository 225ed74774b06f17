/**
 * Every route a profile lists as denied (`Profile.denied`, the README's table): refused with a valid
 * key while every optional group of every upstream is on, in the client's envelope, and never
 * forwarded. WebSocket routes are asked for with a real handshake. The same requests sent straight to
 * the emulator are answered (200, or 101 for a handshake), so a route that got through would show.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Client } from 'undici'
import { FRAMEWORKS, type DeniedRoute, type Framework } from '../../src/profiles/types.js'
import { optionalGroups, profiles } from '../../src/profiles/index.js'
import { rawConnection } from '../helpers/raw-http.js'
import { gatewayRefusal } from '../helpers/refusal.js'
import { auth, startStack } from '../helpers/stack.js'

const JSON_BODY = JSON.stringify({ model: 'demo-llm', prompt: 'hi', messages: [{ role: 'user', content: 'hi' }], lora_name: 'x', lora_path: '/tmp/x' })

const rows = (framework: Framework): readonly DeniedRoute[] => profiles[framework].denied
const rowName = (row: DeniedRoute): string => `${row.method} ${row.path}${row.upgrade === undefined ? '' : ` (${row.upgrade} handshake)`}`

interface Answer {
  readonly status: number
  readonly head: string
  readonly body: string
}

/** A WebSocket handshake as browsers and `ws` send it; the answer's head and, unless 101, its body. */
async function handshake (url: string, row: DeniedRoute, headers: Record<string, string>): Promise<Answer> {
  const connection = await rawConnection(url)
  try {
    const lines = [
      `${row.method} ${row.path} HTTP/1.1`, `Host: ${new URL(url).host}`, 'Upgrade: websocket', 'Connection: Upgrade',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13',
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)
    ]
    connection.write(`${lines.join('\r\n')}\r\n\r\n`)
    const text = await connection.waitFor(/\r\n\r\n/)
    const headEnd = text.indexOf('\r\n\r\n')
    const head = text.slice(0, headEnd)
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0)
    const whole = status === 101 ? text : await connection.waitFor(new RegExp(`\\r\\n\\r\\n[\\s\\S]{${length}}`))
    return { status, head, body: whole.slice(headEnd + 4, headEnd + 4 + length) }
  } finally {
    connection.destroy()
  }
}

async function plain (client: Client, row: DeniedRoute, headers: Record<string, string>): Promise<Answer> {
  const withBody = row.method !== 'GET'
  const response = await client.request({
    method: row.method,
    path: row.path,
    headers: { ...headers, ...(withBody ? { 'content-type': 'application/json' } : {}) },
    body: withBody ? JSON_BODY : null
  })
  return { status: response.statusCode, head: '', body: await response.body.text() }
}

test('the profiles\' denied routes are refused and never forwarded, with every group on', async t => {
  const everyGroup = Object.fromEntries(FRAMEWORKS.map(framework => [framework, { routes: optionalGroups(framework) }]))
  const stack = await startStack(t, { upstreams: everyGroup })
  const gateway = new Client(stack.url)
  t.after(() => gateway.close())
  const emulators = [stack.vllm, stack.triton, stack.torchserve]

  await t.test('the vLLM list is not empty', () => { assert.ok(rows('vllm').length >= 20) })

  for (const framework of FRAMEWORKS) {
    for (const row of rows(framework)) {
      await t.test(`${framework}: ${rowName(row)}`, async () => {
        for (const emulator of emulators) emulator.reset()
        const answer = row.upgrade === 'websocket' ? await handshake(stack.url, row, auth()) : await plain(gateway, row, auth())
        assert.equal(answer.status, 404, `${answer.head}\n${answer.body.slice(0, 300)}`)
        const refusal = gatewayRefusal(answer.body)
        assert.equal(refusal.code, 'IG_ERR_ROUTE_NOT_ALLOWED')
        assert.ok(refusal.message.includes(row.path), refusal.message)
        // vLLM's clients read the OpenAI envelope.
        if (framework === 'vllm') assert.equal((JSON.parse(answer.body) as { error: { type: string } }).error.type, 'not_found_error')
        for (const emulator of emulators) assert.deepEqual(emulator.received.map(r => `${r.method} ${r.url}`), [], `${emulator.framework} received it`)
      })
    }
  }
})

test('the denied routes are answered by the emulators when sent to them directly', async t => {
  const stack = await startStack(t)
  for (const framework of FRAMEWORKS) {
    const emulator = stack[framework]
    const client = new Client(emulator.url)
    t.after(() => client.close())
    for (const row of rows(framework)) {
      await t.test(`${framework}: ${rowName(row)}`, async () => {
        emulator.reset()
        const answer = row.upgrade === 'websocket' ? await handshake(emulator.url, row, {}) : await plain(client, row, {})
        assert.equal(answer.status, row.upgrade === 'websocket' ? 101 : 200, `${answer.head}\n${answer.body.slice(0, 300)}`)
        if (row.upgrade === 'websocket') assert.match(answer.head, /\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/i)
        assert.deepEqual(emulator.received.map(r => `${r.method} ${r.url}`), [`${row.method} ${row.path}`])
      })
    }
  }
})
