import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { promisify } from 'node:util'
import { request } from 'undici'
import { freePort } from '../../src/emulators/free-port.js'
import { auth, startStack } from '../helpers/stack.js'

const OBSERVABILITY = new URL('../../deploy/observability/', import.meta.url)
const run = promisify(execFile)

/** What a test says when a binary that `npm test` makes sure of (test/setup/services.ts) cannot start. */
function cannotStart (binary: string, err: unknown): Error {
  return new Error(`${binary} could not start (${(err as NodeJS.ErrnoException).code ?? String(err)}): npm test installs it, see test/setup/services.ts`)
}

/** Prometheus answers on its own schedule (scrapes every second): poll its API until `ready` says so. */
async function poll<T> (read: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const value = await read().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}

async function startPrometheus (t: TestContext, target: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'infergate-prometheus-'))
  await writeFile(join(dir, 'prometheus.yml'), [
    'global: { scrape_interval: 1s, evaluation_interval: 1s }',
    'rule_files: [' + JSON.stringify(new URL('alerts.yaml', OBSERVABILITY).pathname) + ']',
    'scrape_configs:',
    `  - { job_name: infergate, static_configs: [{ targets: ["${target}"] }] }`
  ].join('\n'))
  const port = await freePort()
  const child = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'
  ], { stdio: 'ignore' })
  t.after(() => { child.kill('SIGKILL') })
  const url = `http://127.0.0.1:${port}`
  const failed = once(child, 'error').then(([err]) => { throw cannotStart('prometheus', err) })
  await Promise.race([failed, poll(async () => (await request(`${url}/-/ready`)).statusCode === 200 ? true : undefined, 'Prometheus to start')])
  return url
}

async function query (prometheus: string, expr: string): Promise<{ status: string, data: { result: Array<{ value: [number, string] }> } }> {
  const response = await request(`${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`)
  return await response.body.json() as { status: string, data: { result: Array<{ value: [number, string] }> } }
}

test('a real Prometheus scrapes the gateway; PromQL sees the requests; every dashboard query runs', async (t) => {
  const stack = await startStack(t)
  const prometheus = await startPrometheus(t, new URL(stack.gateway.metricsUrl).host)
  for (let i = 0; i < 5; i++) {
    const response = await request(`${stack.url}/v1/models`, { headers: auth() })
    await response.body.dump()
  }
  const count = await poll(async () => {
    const result = (await query(prometheus, 'sum(infergate_requests_total{route="models",status_class="2xx"})')).data.result[0]
    return result !== undefined && Number(result.value[1]) === 5 ? 5 : undefined
  }, 'the request count in Prometheus')
  assert.equal(count, 5)

  const dashboard = JSON.parse(await readFile(new URL('grafana-dashboard.json', OBSERVABILITY), 'utf8')) as {
    panels: Array<{ title: string, targets: Array<{ expr: string }> }>
  }
  for (const panel of dashboard.panels) {
    for (const { expr } of panel.targets) {
      const promql = expr.replaceAll('$__rate_interval', '1m').replaceAll('$job', '.+')
      assert.equal((await query(prometheus, promql)).status, 'success', `${panel.title}: ${promql}`)
    }
  }
})

test('the alert rules pass promtool, and the dashboard and rules use only metrics infergate exports', async (t) => {
  const { stdout } = await run('promtool', ['check', 'rules', new URL('alerts.yaml', OBSERVABILITY).pathname])
    .catch((err: unknown) => { throw (err as NodeJS.ErrnoException).code === 'ENOENT' ? cannotStart('promtool', err) : err })
  assert.match(stdout, /SUCCESS: 5 rules found/)
  const stack = await startStack(t)
  const response = await request(`${stack.gateway.metricsUrl}/metrics`)
  const exported = new Set([...(await response.body.text()).matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) =>
    type === 'histogram' ? [name as string, `${name}_bucket`, `${name}_sum`, `${name}_count`] : [name as string]))
  const used = (await readFile(new URL('grafana-dashboard.json', OBSERVABILITY), 'utf8')) +
    (await readFile(new URL('alerts.yaml', OBSERVABILITY), 'utf8'))
  const names = new Set([...used.matchAll(/\binfergate_[a-z_]+/g)].map(([name]) => name))
  assert.ok(names.size >= 10)
  for (const name of names) assert.ok(exported.has(name), `${name} is not exported`)
})
