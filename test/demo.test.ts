import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'
import { test, type TestContext } from 'node:test'
import { promisify } from 'node:util'
import { request } from 'undici'
import { freePort } from '../src/emulators/free-port.js'

const ROOT = new URL('..', import.meta.url).pathname
const BIN = new URL('../bin/infergate.js', import.meta.url).pathname
const run = promisify(execFile)

/** A loopback port some other process holds, for as long as the test runs. */
async function takenPort (t: TestContext): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => { server.close() })
  return (server.address() as AddressInfo).port
}

/** `infergate demo` until it says it is ready; its whole process group is killed with the test. */
async function startDemo (t: TestContext, env: NodeJS.ProcessEnv): Promise<string[]> {
  const child = spawn(process.execPath, [BIN, 'demo'], {
    cwd: ROOT, env: { ...process.env, INFERGATE_DEMO_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'inherit'], detached: true
  })
  t.after(() => { try { process.kill(-(child.pid as number), 'SIGKILL') } catch {} })
  const lines: string[] = []
  for await (const line of createInterface({ input: child.stdout })) {
    lines.push(line)
    if (line === 'Ctrl-C stops it.') break
  }
  return lines
}

/** The metrics URL the demo printed, checked to answer. */
async function metricsUrl (lines: string[]): Promise<URL> {
  const line = lines.find(line => line.startsWith('metrics: '))
  assert.ok(line !== undefined, lines.join('\n'))
  const url = new URL(line.slice('metrics: '.length))
  const response = await request(url)
  assert.equal(response.statusCode, 200)
  assert.match(await response.body.text(), /^# HELP infergate_/m)
  return url
}

/** A command that must fail at start: its exit code and stderr, killed if it hangs instead. */
async function failing (command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: unknown, stderr: string }> {
  try {
    await run(command, args, { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 })
    return { code: 0, stderr: '' }
  } catch (err) {
    const { code, signal, stderr } = err as { code: unknown, signal: unknown, stderr: string }
    return { code: code ?? signal, stderr }
  }
}

test('npm start: the demo prints a key and curl lines that work as printed', async (t) => {
  // Its own process group, as in a terminal, so that "Ctrl-C" reaches npm and the demo alike.
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT, env: { ...process.env, INFERGATE_DEMO_PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'], detached: true
  })
  const group = -(child.pid as number)
  t.after(() => { try { process.kill(group, 'SIGKILL') } catch {} })
  const curls: string[] = []
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('curl ')) curls.push(line)
    if (line === 'Ctrl-C stops it.') break
  }
  assert.equal(curls.length, 6)
  const statuses: string[] = []
  const bodies: string[] = []
  for (const line of curls) {
    const { stdout } = await run('bash', ['-c', `${line} -s -w '\\n%{http_code}'`])
    const lines = stdout.split('\n')
    statuses.push(lines.pop() as string)
    bodies.push(lines.join('\n'))
  }
  assert.deepEqual(statuses, ['200', '200', '200', '200', '404', '401'])
  assert.match(bodies[0] as string, /data: \[DONE\]\n\n$/)
  assert.match(bodies[1] as string, /^\{"id":"msg_[^"]+","type":"message",.*"usage":\{"input_tokens":1,"output_tokens":24\}\}$/)
  assert.match(bodies[2] as string, /"data":\[2,4,6,8\]/)
  assert.match(bodies[4] as string, /IG_ERR_ROUTE_NOT_ALLOWED/)
  const exited = once(child, 'exit')
  process.kill(group, 'SIGINT')
  const [code, signal] = await exited as [number | null, string | null]
  assert.ok(code === 0 || signal === 'SIGINT', `npm ended with ${code ?? signal}`)
})

test('npm start with its port taken: exit 1 with one line naming the address and the cause; no hang', async (t) => {
  const port = await takenPort(t)
  assert.deepEqual(await failing('npm', ['start', '--silent'], { INFERGATE_DEMO_PORT: String(port) }), {
    code: 1,
    stderr: `infergate: the gateway cannot listen on 127.0.0.1:${port}: address in use (EADDRINUSE); set INFERGATE_DEMO_PORT to another port\n`
  })
})

test('two demos side by side: each gets its own metrics port and prints it', async (t) => {
  const first = await metricsUrl(await startDemo(t, {}))
  const second = await metricsUrl(await startDemo(t, {}))
  assert.notEqual(first.port, second.port)
})

test('INFERGATE_DEMO_METRICS_PORT chooses the metrics port; taken, the demo exits 1 with one line', async (t) => {
  const port = await freePort()
  assert.equal((await metricsUrl(await startDemo(t, { INFERGATE_DEMO_METRICS_PORT: String(port) }))).port, String(port))
  const taken = await takenPort(t)
  assert.deepEqual(await failing(process.execPath, [BIN, 'demo'], { INFERGATE_DEMO_PORT: '0', INFERGATE_DEMO_METRICS_PORT: String(taken) }), {
    code: 1,
    stderr: `infergate: the metrics listener cannot listen on 127.0.0.1:${taken}: address in use (EADDRINUSE); set INFERGATE_DEMO_METRICS_PORT to another port\n`
  })
})
