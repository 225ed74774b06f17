import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { test } from 'node:test'
import { promisify } from 'node:util'

const ROOT = new URL('..', import.meta.url).pathname
const run = promisify(execFile)

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
  assert.equal(curls.length, 5)
  const statuses: string[] = []
  const bodies: string[] = []
  for (const line of curls) {
    const { stdout } = await run('bash', ['-c', `${line} -s -w '\\n%{http_code}'`])
    const lines = stdout.split('\n')
    statuses.push(lines.pop() as string)
    bodies.push(lines.join('\n'))
  }
  assert.deepEqual(statuses, ['200', '200', '200', '404', '401'])
  assert.match(bodies[0] as string, /data: \[DONE\]\n\n$/)
  assert.match(bodies[1] as string, /"data":\[2,4,6,8\]/)
  assert.match(bodies[3] as string, /IG_ERR_ROUTE_NOT_ALLOWED/)
  const exited = once(child, 'exit')
  process.kill(group, 'SIGINT')
  const [code, signal] = await exited as [number | null, string | null]
  assert.ok(code === 0 || signal === 'SIGINT', `npm ended with ${code ?? signal}`)
})
