/**
 * A fixed sample of the loopback attack run (jwt_tool, smuggler, h2csmuggler, PayloadsAllTheThings
 * traversal lists; test/fixtures/attack/) replayed over raw sockets through a real gateway process in
 * front of the emulators. For every case: exactly one response on the socket, nothing forged accepted,
 * nothing forwarded but the case's own inference request where it may be, and every refusal logged once
 * (access line, and audit event where the code has one) under the request id the response names.
 */
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { test } from 'node:test'
import { hashKey } from '../../src/auth/api-keys.js'
import type { Emulator, RecordedRequest } from '../../src/emulators/index.js'
import { auditEventFor } from '../../src/observability/audit-events.js'
import { profiles } from '../../src/profiles/index.js'
import { escapeRegExp } from '../../src/lib/escape-regexp.js'
import { AUDIENCE, ISSUER, signingKey, startJwksServer } from '../auth/jwt-fixtures.js'
import { buildToken, caseBytes, readCases, requestLine, type Expect } from '../helpers/attack-cases.js'
import { rawExchange, splitResponses, type RawExchange } from '../helpers/raw-http.js'
import { startServeProcess } from '../helpers/serve-process.js'
import { KEYS, startEmulators, startStack, stackConfig } from '../helpers/stack.js'
import { gatewayRefusal } from '../helpers/refusal.js'

const CONCURRENCY = 8
const CASE_TIMEOUT_MS = 3000
const LOG_TIMEOUT_MS = 5000
const HEAD = 'HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nAuthorization: Bearer {KEY}\\r\\n'

interface Case {
  readonly name: string
  readonly kind: 'smuggling' | 'traversal' | 'jwt'
  readonly expect: Expect
  readonly id: string
  readonly bytes: Buffer
}

interface LogLine { msg: string, reqId?: string, event?: string, status?: number, refusal?: string }

function errorOf (body: string): { code: string, requestId: unknown } | undefined {
  try {
    const error = gatewayRefusal(body)
    return typeof error.code === 'string' && error.code.startsWith('IG_ERR_') ? { code: error.code, requestId: error.requestId } : undefined
  } catch {
    return undefined
  }
}

const TEMPLATE_PARAM = /\\\{[a-z]+\\\}/g
const ALLOWLIST = Object.values(profiles).flatMap(profile => [
  ...profile.rules.map(rule => ({
    methods: rule.methods,
    path: new RegExp(`^${escapeRegExp(rule.path).replace(TEMPLATE_PARAM, '[^/]+')}$`)
  })),
  { methods: ['GET'], path: new RegExp(`^${escapeRegExp(profile.healthPath)}$`) }
])

const onAllowlist = (record: RecordedRequest) => {
  const path = record.url.split('?')[0] as string
  return ALLOWLIST.some(rule => rule.methods.includes(record.method) && rule.path.test(path))
}

async function pool<T, R> (items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      results[index] = await run(items[index] as T)
    }
  }
  await Promise.all(Array.from({ length: limit }, worker))
  return results
}

function withTimeout<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`${what}: nothing within ${ms} ms`)) }, ms)
  })
  return Promise.race([promise, timeout]).finally(() => { clearTimeout(timer) })
}

test('the attack run sample: nothing forged passes, nothing smuggled desyncs, nothing reaches a management path, every refusal is logged', async t => {
  const [rsa, ec, attacker] = await Promise.all([signingKey('RS256', 'rsa-1'), signingKey('ES256', 'ec-1'), signingKey('RS256', 'rsa-1')])
  const jwks = await startJwksServer(t, [rsa!.jwk, ec!.jwk])
  const attackerJwks = await startJwksServer(t, [attacker!.jwk])
  const keys = { rsa: rsa!, ec: ec!, attacker: attacker!, attackerJwksUrl: attackerJwks.url }

  const cases: Case[] = []
  const add = (name: string, kind: Case['kind'], expect: Expect, escaped: string, key: string = KEYS.alice) => {
    const id = `atk-${cases.length}`
    cases.push({ name, kind, expect, id, bytes: caseBytes(escaped, key, id) })
  }
  for (const c of readCases('smuggling.txt')) add(`smuggling ${c.name}`, 'smuggling', c.expect, c.fields[0] as string)
  for (const c of readCases('traversal.txt')) {
    const [method] = (c.fields[0] as string).split(' ')
    const body = method === 'POST' ? 'Content-Type: application/json\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\n{}' : 'Connection: close\\r\\n\\r\\n'
    add(`traversal ${c.name}`, 'traversal', c.expect, `${c.fields[0] as string} ${HEAD}${body}`)
  }
  for (const c of readCases('jwt.txt')) {
    add(`jwt ${c.name}`, 'jwt', c.expect, `GET /v2/models/demo-tensor ${HEAD}Connection: close\\r\\n\\r\\n`, buildToken(c.fields, keys))
  }
  assert.ok(cases.length >= 300, `${cases.length} cases`)

  const emulators = await startEmulators(t)
  const config = stackConfig(emulators, {
    config: {
      logging: { level: 'info' },
      auth: {
        apiKeys: [{ id: 'alice', sha256: hashKey(KEYS.alice) }],
        jwt: { issuer: ISSUER, audience: AUDIENCE, jwksUri: jwks.url, algorithms: ['RS256', 'ES256'], modelsClaim: 'models' }
      }
    }
  })
  const gateway = await startServeProcess(t, config)

  const exchanges = await pool(cases, CONCURRENCY, c => rawExchange(gateway.url, c.bytes, CASE_TIMEOUT_MS))

  // Log lines leave the gateway in order: once a request sent after every case is logged, every
  // case's lines are in.
  const sentinel = 'atk-sentinel'
  await rawExchange(gateway.url, caseBytes(`GET /v2/health/ready ${HEAD}Connection: close\\r\\n\\r\\n`, KEYS.alice, sentinel), CASE_TIMEOUT_MS)
  await withTimeout(gateway.linesMatching(line => line.includes(`"reqId":"${sentinel}"`)), LOG_TIMEOUT_MS, 'the access line after the last case')
  const lines = gateway.lines.map(line => JSON.parse(line) as LogLine)
  const linesFor = (requestId: string, msg: string) => lines.filter(line => line.msg === msg && line.reqId === requestId)

  const all: Emulator[] = [emulators.vllm, emulators.triton, emulators.torchserve]
  const recordsFor = (id: string) => all.flatMap(e => e.received.filter(r => r.headers['x-request-id'] === id))

  for (const [index, c] of cases.entries()) {
    await t.test(c.name, () => {
      check(c, exchanges[index] as RawExchange, recordsFor(c.id), linesFor)
    })
  }

  await t.test('no emulator received a request off the allowlist, or one no case may send', () => {
    const mayForward = new Map(cases.filter(c => c.expect !== 'refuse').map(c => [c.id, c]))
    for (const emulator of all) {
      for (const record of emulator.received) {
        const line = `${emulator.framework}: ${record.method} ${record.url}`
        assert.ok(onAllowlist(record), `${line} is not an inference route`)
        const id = record.headers['x-request-id']
        // the gateway's own calls (the merged model list) carry no client request id
        if (id === undefined || id === sentinel) continue
        const sender = mayForward.get(id as string)
        assert.ok(sender !== undefined, `${line} came from a case that must be refused (${String(id)})`)
      }
    }
  })

  await t.test('the attacker\'s jku/x5u was never fetched', () => {
    assert.deepEqual(attackerJwks.requests.map(r => r.url), [])
  })
})

type LinesFor = (requestId: string, msg: string) => LogLine[]

function check (c: Case, exchange: RawExchange, records: RecordedRequest[], linesFor: LinesFor): void {
  assert.ok(!exchange.timedOut, `the connection was still open after ${CASE_TIMEOUT_MS} ms (${JSON.stringify(exchange.bytes.toString('latin1').slice(0, 300))})`)
  const { responses, rest } = splitResponses(exchange.bytes)
  assert.equal(responses.length, 1, `exactly one response, got ${responses.length}: ${JSON.stringify(exchange.bytes.toString('latin1').slice(0, 600))}`)
  assert.equal(rest, '', 'nothing after the response')
  const response = responses[0]!
  assert.notEqual(response.status, 101, 'the gateway never switches protocols')

  const { method, target } = requestLine(c.bytes)
  for (const record of records) {
    assert.equal(`${record.method} ${record.url}`, `${method} ${target}`, 'only the case\'s own request may be forwarded')
    assert.ok(!record.body.toString('latin1').includes(' HTTP/1.'), 'a smuggled request travelled in the body')
    assert.equal(record.headers.upgrade, undefined, 'Upgrade forwarded')
    assert.equal(record.headers['http2-settings'], undefined, 'HTTP2-Settings forwarded')
  }
  if (c.expect === 'accept') {
    assert.equal(response.status, 200, `the control case works: ${response.body.slice(0, 200)}`)
    assert.equal(records.length, 1, 'forwarded once')
    return
  }
  if (c.expect === 'refuse') assert.deepEqual(records.map(r => `${r.method} ${r.url}`), [], 'forwarded')
  else assert.ok(records.length <= 1, `forwarded ${records.length} times`)

  const error = errorOf(response.body)
  // What the gateway logged about this case's request is what the client received, under its id.
  const responseId = typeof error?.requestId === 'string' ? error.requestId : /\r\nx-request-id: *([^\r]+)/i.exec(response.head)?.[1]
  for (const line of linesFor(c.id, 'request')) {
    assert.deepEqual([line.status, line.refusal, responseId], [response.status, error?.code, c.id],
      `the gateway logged ${line.status} ${line.refusal ?? ''} for ${c.id}; the client received ${response.status} ${error?.code ?? ''} (${responseId ?? 'no request id'})`)
  }
  if (c.kind === 'jwt') {
    assert.equal(response.status, 401, `a forged token was not refused: ${response.status} ${response.body.slice(0, 200)}`)
    assert.equal(error?.code, 'IG_ERR_UNAUTHENTICATED')
  }
  if (c.expect === 'refuse') assert.ok(response.status >= 400, `status ${response.status}`)
  // A refusal: the gateway's own error, or any error where nothing was forwarded.
  if (error === undefined && (response.status < 400 || records.length > 0)) return
  assert.ok(error !== undefined, `the refusal is not an infergate error: ${response.status} ${response.body.slice(0, 200)}`)
  assert.equal(typeof error.requestId, 'string', `the ${response.status} ${error.code} refusal names no request id: nothing ties it to a log line`)
  const requestId = error.requestId as string
  const access = linesFor(requestId, 'request')
  assert.equal(access.length, 1, `access lines for ${requestId} (${response.status} ${error.code})`)
  assert.equal(access[0]?.status, response.status, 'the access line\'s status')
  assert.equal(access[0]?.refusal, error.code, 'the access line\'s refusal')
  const event = auditEventFor(error.code)
  assert.deepEqual(linesFor(requestId, 'audit').map(line => line.event), event === undefined ? [] : [event], 'audit events')
}

test('bytes sent while a response streams never land inside it: the stream ends whole, one response', async t => {
  const stack = await startStack(t, { emulators: { vllm: { tokens: 4, interTokenMs: 50 } } })
  const body = JSON.stringify({ model: 'demo-llm', stream: true, messages: [{ role: 'user', content: 'hi' }] })
  const request = `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEYS.alice}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`
  const { port } = new URL(stack.url)
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1')
    const chunks: Buffer[] = []
    socket.setTimeout(CASE_TIMEOUT_MS, () => { socket.destroy(new Error('no close within the timeout')) })
    // what smuggler's follow-up probes look like once a response has started
    socket.once('data', () => { socket.write('GARBAGE\r\n\r\n') })
    socket.on('data', chunk => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => { resolve(Buffer.concat(chunks)) })
    socket.write(request)
  })
  const { responses, rest } = splitResponses(bytes)
  assert.equal(responses.length, 1, JSON.stringify(bytes.toString('latin1')))
  assert.equal(rest, '')
  assert.match(responses[0]?.body ?? '', /data: \[DONE\]/, 'the stream was cut')
})
