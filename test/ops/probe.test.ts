/**
 * `infergate probe` against the emulators directly (they answer every management route, so
 * everything is exposed), against a real gateway in front of them (nothing is), and against a stub
 * "gateway" that forwards one route. Real sockets throughout.
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { test } from 'node:test'
import { CHECKS, checksFor, checksTable } from '../../src/ops/probe/checks.js'
import { CONCURRENCY, runProbe } from '../../src/ops/probe/run.js'
import { FRAMEWORKS } from '../../src/profiles/types.js'
import { KEYS, startEmulators, startStack } from '../helpers/stack.js'
import { cli } from '../helpers/cli.js'
import { listen } from '../helpers/listen.js'

test('the list is bounded and sends only safe methods, never to /token', () => {
  assert.ok(CHECKS.length * 2 <= 150, `${CHECKS.length} checks, twice with a key`)
  assert.ok(CONCURRENCY <= 4)
  for (const check of CHECKS) {
    assert.ok(['GET', 'OPTIONS'].includes(check.method), `${check.method} ${check.target}`)
    // TorchServe rotates a key on GET /token and routes any management request naming it there
    assert.ok(!check.target.includes('token') || check.target === '/tokenize', check.target)
  }
  const spelled = CHECKS.map(c => `${c.framework} ${c.method} ${c.target}`)
  assert.equal(new Set(spelled).size, spelled.length, 'no check is sent twice')
  for (const framework of FRAMEWORKS) assert.ok(checksFor(framework).some(c => c.framework === framework))
  const table = checksTable(CHECKS)
  for (const check of CHECKS) assert.ok(table.includes(`\`${check.method} ${check.target}\``), check.target)
})

test('directly against each emulator: management routes and tricks are exposed, sent byte for byte', async t => {
  const emulators = await startEmulators(t)
  for (const framework of FRAMEWORKS) {
    await t.test(framework, async () => {
      const emulator = emulators[framework]
      const report = await runProbe({ url: new URL(emulator.url), framework })
      assert.equal(report.gateway, false)
      assert.equal(report.requests, checksFor(framework).length)
      const notExposed = report.results.filter(r => !r.exposed).map(r => `${r.check.target}: ${r.attempts.map(a => a.status).join()}`)
      // node's own parser (in the emulator) refuses a raw backslash; a real backend may not
      assert.ok(notExposed.every(line => line.startsWith('/v1\\..\\metrics')), notExposed.join('\n'))
      const sent = new Set(checksFor(framework).map(c => `${c.method} ${c.target.replace('{authority}', new URL(emulator.url).host)}`))
      for (const request of emulator.received) {
        assert.ok(sent.has(`${request.method} ${request.url}`), `unexpected ${request.method} ${request.url}`)
      }
      assert.ok(emulator.received.some(r => r.url === '/v1/%2e%2e/metrics'), 'escapes arrive untouched')
      assert.ok(emulator.received.some(r => r.url === '//metrics'), 'empty segments arrive untouched')
    })
  }
})

test('a backend credential: guarded without it, exposed with it', async t => {
  const { vllm } = await startEmulators(t, { emulators: { vllm: { requireToken: 'backend-secret' } } })
  const report = await runProbe({ url: new URL(vllm.url), framework: 'vllm', key: 'backend-secret' })
  const lora = report.results.find(r => r.check.target === '/v1/load_lora_adapter')
  assert.deepEqual(lora?.attempts.map(a => [a.credential, a.status, a.verdict]), [['none', 401, 'guarded'], ['key', 200, 'exposed']])
  assert.equal(lora.exposed, true)
  assert.equal(vllm.received.filter(r => r.url === '/v1/load_lora_adapter').map(r => r.headers.authorization).join(), ',Bearer backend-secret')
})

test('through the gateway with a key: nothing exposed, nothing forwarded', async t => {
  const stack = await startStack(t)
  const report = await runProbe({ url: new URL(stack.url), framework: 'all', key: KEYS.alice })
  assert.equal(report.gateway, true)
  assert.equal(report.requests, CHECKS.length * 2)
  for (const { check, attempts } of report.results) {
    assert.deepEqual(attempts.map(a => a.verdict), ['refused', 'refused'], `${check.method} ${check.target}: ${attempts.map(a => a.status).join()}`)
    // anonymous callers learn nothing; a non-canonical target is refused before the key is read
    assert.equal(attempts[0]?.status, check.kind === 'path-trick' ? 400 : 401, check.target)
  }
  for (const emulator of [stack.vllm, stack.triton, stack.torchserve]) assert.deepEqual(emulator.received, [])
})

test('behind a gateway, any answer but its refusal counts as exposed; at most 4 requests at once', async t => {
  let open = 0
  let most = 0
  const refusal = JSON.stringify({ error: { code: 'IG_ERR_ROUTE_NOT_ALLOWED', message: 'no' } })
  const server = createServer((req, res) => {
    // a leaky gateway: it forwards /metrics, and this backend has no such route
    const [status, body] = req.url === '/metrics' ? [404, '{"detail":"Not Found"}'] : [404, refusal]
    res.writeHead(status, { 'content-type': 'application/json' }).end(body)
  })
  server.on('connection', socket => {
    most = Math.max(most, ++open)
    socket.on('close', () => { open-- })
  })
  const report = await runProbe({ url: new URL(await listen(t, server)), framework: 'all' })
  assert.equal(report.gateway, true)
  assert.deepEqual(report.results.filter(r => r.exposed).map(r => r.check.target), ['/metrics'])
  assert.ok(most >= 1 && most <= 4, `${most} connections at once`)
})

test('the command: exit codes, formats, the key from the environment, bad input', async t => {
  const stack = await startStack(t)
  const direct = await cli(['probe', stack.torchserve.url, '--framework', 'torchserve', '--format', 'json'])
  assert.equal(direct.code, 1, direct.stderr)
  const parsed = JSON.parse(direct.stdout) as { gateway: boolean, exposed: number, checks: Array<{ target: string, exposed: boolean }> }
  assert.equal(parsed.gateway, false)
  assert.ok(parsed.checks.find(c => c.target === '/models')?.exposed)

  const gated = await cli(['probe', stack.url], { env: { INFERGATE_PROBE_KEY: KEYS.alice } })
  assert.equal(gated.code, 0, gated.stdout + gated.stderr)
  assert.match(gated.stdout, new RegExp(`^0 of ${CHECKS.length} checks exposed \\(${CHECKS.length * 2} requests\\)$`, 'm'))

  const listed = await cli(['probe', '--list', '--framework', 'triton'])
  assert.equal(listed.code, 0)
  assert.equal(listed.stdout, checksTable(checksFor('triton')))

  const closed = createServer()
  const unreachable = await listen(t, closed)
  closed.close()
  const bad: ReadonlyArray<readonly [string, string[], RegExp]> = [
    ['no URL', [], /needs the URL/],
    ['an ftp: URL', ['ftp://127.0.0.1'], /not an http:\/\/ or https:\/\/ URL/],
    ['not a URL', ['not a url'], /not an http:\/\/ or https:\/\/ URL/],
    ['a URL with a path', [`${stack.url}/v1`], /origin only/],
    ['an unknown framework', [stack.url, '--framework', 'ollama'], /--framework must be one of vllm, triton, torchserve, all, not "ollama"/],
    ['an unknown format', [stack.url, '--format', 'xml'], /--format must be one of text, json/],
    ['two URLs', [stack.url, stack.url], /one URL/],
    ['nothing listening', [unreachable], /did not answer any of \d+ requests \(ECONNREFUSED\)/]
  ]
  for (const [name, args, message] of bad) {
    await t.test(name, async () => {
      const result = await cli(['probe', ...args])
      assert.equal(result.code, 2, result.stderr)
      assert.match(result.stderr, message)
    })
  }
})
