/**
 * The container image's install-and-start steps (deploy/Dockerfile), run outside Docker: compile,
 * copy what the final stage copies, install production dependencies only, then start
 * `node bin/infergate.js serve` with no tsx present, in front of an emulator.
 */
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { cp, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { hashKey } from '../../src/auth/api-keys.js'
import { startEmulator } from '../../src/emulators/index.js'

const ROOT = new URL('../../', import.meta.url).pathname
const execFileAsync = promisify(execFile)
const KEY = 'ig_production-install-test-key-0123456789abcdef'
// npm's answers when the warm cache lacks a package and the network is out of reach
const OFFLINE = /ENOTCACHED|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network/i

/** The final stage's COPY lines, as "source destination". */
async function finalStageCopies (): Promise<string[]> {
  const dockerfile = await readFile(join(ROOT, 'deploy/Dockerfile'), 'utf8')
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))
  return [...finalStage.matchAll(/^COPY (?:--from=\S+ )?(\S+) (\S+)$/gm)].map(m => `${m[1]} ${m[2]}`)
}

async function newestMtime (dir: string): Promise<number> {
  let newest = 0
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs)
  }
  return newest
}

/** The checkout's dist/ when it is newer than every source file, else a fresh `npm run build`. */
async function compiled (into: string): Promise<void> {
  const built = await stat(join(ROOT, 'dist/cli.js')).catch(() => undefined)
  if (built !== undefined && built.mtimeMs >= await newestMtime(join(ROOT, 'src'))) {
    await cp(join(ROOT, 'dist'), into, { recursive: true })
    return
  }
  // into a temporary outDir, so that the checkout's dist/ is never half-written by a test
  await execFileAsync('npm', ['run', 'build', '--', '--outDir', into], { cwd: ROOT }).catch((err: { stdout?: string }) => {
    throw new Error(`npm run build failed:\n${err.stdout ?? String(err)}`)
  })
}

test('production install: dist and production dependencies only, no tsx, serves and stops on SIGTERM', async t => {
  const copies = await finalStageCopies()
  for (const expected of ['/app/node_modules ./node_modules', '/build/dist ./dist', 'bin ./bin', 'config ./config', 'package.json ./']) {
    assert.ok(copies.includes(expected), `the final stage copies ${expected}: ${copies.join('; ')}`)
  }

  const app = await mkdtemp(join(tmpdir(), 'infergate-install-'))
  t.after(() => rm(app, { recursive: true, force: true }))
  await compiled(join(app, 'dist'))
  for (const file of ['package.json', 'package-lock.json', '.npmrc', 'bin', 'config']) {
    await cp(join(ROOT, file), join(app, file), { recursive: true })
  }
  try {
    await execFileAsync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app })
  } catch (err) {
    const output = String((err as { stderr?: string }).stderr)
    if (!OFFLINE.test(output)) throw err
    t.skip(`npm ci --omit=dev could not run offline (the npm cache lacks a package): ${output.split('\n').find(line => OFFLINE.test(line))}`)
    return
  }
  for (const devOnly of ['tsx', 'typescript', 'eslint']) {
    assert.equal(await stat(join(app, 'node_modules', devOnly)).catch(() => undefined), undefined, `${devOnly} is not installed`)
  }

  const vllm = await startEmulator('vllm', { requireToken: 'backend-secret' })
  t.after(() => vllm.close())
  const configFile = join(app, 'config.yaml')
  await writeFile(configFile, [
    'listen: { host: 127.0.0.1, port: 0 }',
    'upstreams:',
    `  - { name: llm, framework: vllm, url: "${vllm.url}", headers: { authorization: "Bearer \${VLLM_API_KEY}" } }`,
    `auth: { apiKeys: [{ id: install-test, sha256: ${hashKey(KEY)} }] }`,
    ''
  ].join('\n'))

  // A clean environment: no NODE_OPTIONS (a tsx loader there would hide a missing dist file).
  const child = spawn(process.execPath, ['bin/infergate.js', 'serve'], {
    cwd: app,
    env: { PATH: process.env['PATH'] ?? '', INFERGATE_CONFIG: configFile, VLLM_API_KEY: 'backend-secret' },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const exited = once(child, 'exit')
  let url: string | undefined
  for await (const line of createInterface({ input: child.stdout })) {
    url = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1]
    if (url !== undefined) break
  }
  child.stdout.resume() // later log lines must not fill the pipe
  assert.ok(url !== undefined, 'the gateway logged its address')

  assert.equal((await fetch(`${url}/healthz`)).status, 200)
  const models = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } })
  assert.equal(models.status, 200)
  assert.deepEqual(((await models.json()) as { data: Array<{ id: string }> }).data.map(m => m.id), ['demo-llm'])
  assert.equal(vllm.received.at(-1)?.headers.authorization, 'Bearer backend-secret', 'the backend credential came from the environment')
  assert.equal((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).status, 404)

  child.kill('SIGTERM')
  const [code, signal] = await exited
  assert.deepEqual({ code, signal }, { code: 0, signal: null })
})
