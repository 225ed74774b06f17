import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { cli } from './helpers/cli.js'

async function configFile (text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'infergate-cli-')), 'config.yaml')
  await writeFile(file, text)
  return file
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

test('hash-key prints the SHA-256 hex of the key, from an argument or standard input', async () => {
  assert.deepEqual(await cli(['hash-key', 'secret']), { code: 0, stdout: `${sha256('secret')}\n`, stderr: '' })
  assert.equal((await cli(['hash-key', '-'], { input: 'from-stdin\n' })).stdout, `${sha256('from-stdin')}\n`)
  assert.equal((await cli(['hash-key'])).code, 2)
})

test('keygen prints a fresh random key and its hash', async () => {
  const first = await cli(['keygen'])
  const second = await cli(['keygen'])
  const [, key, hash] = /^key: +(ig_[A-Za-z0-9_-]{43})\nsha256: ([0-9a-f]{64})\n$/.exec(first.stdout) ?? []
  assert.ok(key !== undefined && hash !== undefined, first.stdout)
  assert.equal(hash, sha256(key))
  assert.notEqual(first.stdout, second.stdout)
})

test('--version, --help, and unknown commands or options', async () => {
  assert.match((await cli(['--version'])).stdout, /^\d+\.\d+\.\d+\n$/)
  const help = await cli(['--help'])
  assert.equal(help.code, 0)
  for (const command of ['serve', 'check-config', 'hash-key', 'keygen', 'demo']) assert.match(help.stdout, new RegExp(`\\n  ${command} `))
  const unknown = await cli(['frobnicate'])
  assert.equal(unknown.code, 2)
  assert.match(unknown.stderr, /unknown command "frobnicate"/)
  assert.equal((await cli(['serve', '--bogus'])).code, 2)
})

test('check-config prints the effective config with backend credentials masked', async () => {
  const file = await configFile(`
upstreams:
  - name: llm
    framework: vllm
    url: http://127.0.0.1:8000
    headers: { authorization: "Bearer \${BACKEND_SECRET}" }
rateLimit: { max: 10, timeWindow: 1 minute, redis: { url: "redis://:redis-password-secret@127.0.0.1:6379" } }
auth:
  apiKeys: [{ id: alice, sha256: "${sha256('k')}" }]
`)
  const result = await cli(['check-config', '--config', file], { env: { BACKEND_SECRET: 'do-not-print-me' } })
  assert.equal(result.code, 0, result.stderr)
  assert.ok(!result.stdout.includes('do-not-print-me'))
  assert.ok(!result.stdout.includes('redis-password-secret'))
  assert.match(result.stdout, /authorization: "\*+"/)
  assert.match(result.stdout, /bodyBytes: 1048576/)
  assert.match(result.stdout, /drainTimeout: 30s/)
  // INFERGATE_CONFIG stands in for --config.
  assert.equal((await cli(['check-config'], { env: { BACKEND_SECRET: 'x', INFERGATE_CONFIG: file } })).code, 0)
})

test('invalid configs: exit 1 with every problem on its own line, no stack trace', async (t) => {
  const file = await configFile(`
listen: { port: 70000 }
upstreams:
  - { name: llm, framework: vlm, url: "http://127.0.0.1:8000", colour: blue }
`)
  for (const command of ['check-config', 'serve']) {
    await t.test(command, async () => {
      const result = await cli([command, '--config', file])
      assert.equal(result.code, 1)
      assert.equal(result.stderr, [
        'infergate: invalid configuration:',
        'listen.port: must be <= 65535',
        'upstreams[0].colour: unknown key',
        'upstreams[0].framework: must be one of vllm, triton, torchserve',
        ''
      ].join('\n'))
    })
  }
  const missing = await cli(['serve', '--config', '/nonexistent/infergate.yaml'])
  assert.equal(missing.code, 1)
  assert.equal(missing.stderr, 'infergate: cannot read config /nonexistent/infergate.yaml: ENOENT\n')
  assert.equal((await cli(['serve'], { env: { INFERGATE_CONFIG: '' } })).code, 2)
})

/** A loopback port some other process holds, for as long as the test runs. */
async function takenPort (t: TestContext): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => { server.close() })
  return (server.address() as AddressInfo).port
}

// Root may bind any port: the permission case then runs the command as nobody.
const NOBODY = 65_534
const unprivileged = process.getuid?.() === 0 ? NOBODY : undefined

const LISTEN_FAILURES: Array<{ name: string, listen: (taken: number) => string, line: (taken: number) => string, uid?: number | undefined }> = [
  {
    name: 'gateway port in use',
    listen: taken => `listen: { host: 127.0.0.1, port: ${taken} }\nmetrics: { port: 0 }`,
    line: taken => `infergate: the gateway cannot listen on 127.0.0.1:${taken}: address in use (EADDRINUSE)\n`
  },
  {
    name: 'metrics port in use',
    listen: taken => `listen: { host: 127.0.0.1, port: 0 }\nmetrics: { port: ${taken} }`,
    line: taken => `infergate: the metrics listener cannot listen on 127.0.0.1:${taken}: address in use (EADDRINUSE)\n`
  },
  {
    name: 'privileged port, unprivileged user',
    listen: () => 'listen: { host: 127.0.0.1, port: 80 }\nmetrics: { port: 0 }',
    line: () => 'infergate: the gateway cannot listen on 127.0.0.1:80: permission denied (EACCES)\n',
    uid: unprivileged
  },
  {
    // TEST-NET-1 (RFC 5737): an address no interface of this machine has.
    name: 'listen host not on this machine',
    listen: () => 'listen: { host: 192.0.2.1, port: 8080 }\nmetrics: { port: 0 }',
    line: () => 'infergate: the gateway cannot listen on 192.0.2.1:8080: address not available on this machine (EADDRNOTAVAIL)\n'
  },
  {
    // .invalid never resolves (RFC 2606).
    name: 'listen host that does not resolve',
    listen: () => 'listen: { host: no-such-host.invalid, port: 8080 }\nmetrics: { port: 0 }',
    line: () => 'infergate: the gateway cannot listen on no-such-host.invalid:8080: host name does not resolve (ENOTFOUND)\n'
  },
  {
    name: 'metrics host in IPv6 not on this machine',
    listen: () => 'listen: { host: 127.0.0.1, port: 0 }\nmetrics: { host: "2001:db8::1", port: 9464, bearerToken: "a-token-of-16-chars" }',
    line: () => 'infergate: the metrics listener cannot listen on [2001:db8::1]:9464: address not available on this machine (EADDRNOTAVAIL)\n'
  }
]

test('serve cannot listen: exit 1 with one line naming the address and the cause, no stack, no hang', async (t) => {
  for (const row of LISTEN_FAILURES) {
    await t.test(row.name, async (t) => {
      const taken = await takenPort(t)
      const file = await configFile(`${row.listen(taken)}
upstreams: [{ name: llm, framework: vllm, url: "http://127.0.0.1:8000" }]
auth: { apiKeys: [{ id: alice, sha256: "${sha256('k')}" }] }
`)
      if (row.uid !== undefined) {
        if (Number(await readFile('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').catch(() => '1024')) <= 80) {
          t.skip('this kernel lets every user bind port 80 (net.ipv4.ip_unprivileged_port_start)')
          return
        }
        await chmod(dirname(file), 0o755)
      }
      const result = await cli(['serve', '--config', file], { uid: row.uid })
      assert.deepEqual({ code: result.code, stderr: result.stderr }, { code: 1, stderr: row.line(taken) })
    })
  }
})
