import assert from 'node:assert/strict'
import { mkdtemp, rename, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { request } from 'undici'
import { stringify } from 'yaml'
import { hashKey } from '../../src/auth/api-keys.js'
import { startServeProcess } from '../helpers/serve-process.js'
import { startEmulators, startStack, stackConfig } from '../helpers/stack.js'
import { gatewayRefusal } from '../helpers/refusal.js'

const status = async (url: string, key: string) => {
  const response = await request(`${url}/v2/models/demo-tensor`, { headers: { authorization: `Bearer ${key}` } })
  const body = await response.body.text()
  return response.statusCode === 200 ? 200 : `${response.statusCode} ${gatewayRefusal(body).message}`
}

test('several keys per identity, expiry and revocation', async (t) => {
  const stack = await startStack(t, {
    config: {
      auth: {
        apiKeys: [
          { id: 'team', sha256: hashKey('ig_team-old-key'), models: ['demo-*'] },
          { id: 'team', sha256: hashKey('ig_team-new-key'), models: ['demo-*'] },
          { id: 'gone', sha256: hashKey('ig_expired-key'), expiresAt: '2020-01-01T00:00:00Z' },
          { id: 'later', sha256: hashKey('ig_future-key'), expiresAt: '2999-01-01T00:00:00Z' },
          { id: 'banned', sha256: hashKey('ig_revoked-key'), disabled: true }
        ]
      }
    }
  })
  assert.equal(await status(stack.url, 'ig_team-old-key'), 200)
  assert.equal(await status(stack.url, 'ig_team-new-key'), 200)
  assert.equal(await status(stack.url, 'ig_future-key'), 200)
  assert.equal(await status(stack.url, 'ig_expired-key'), '401 API key expired')
  assert.equal(await status(stack.url, 'ig_revoked-key'), '401 API key revoked')
})

test('auth.apiKeysFile: keys from a file, reloaded when it changes (Secret-style swap) and on SIGHUP; a bad file keeps the old keys', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'infergate-keys-'))
  const file = join(dir, 'keys.yaml')
  const write = async (keys: unknown) => {
    // Write elsewhere and rename over: what a Secret volume update looks like to a watcher.
    await writeFile(join(dir, 'next.tmp'), typeof keys === 'string' ? keys : stringify(keys))
    await rename(join(dir, 'next.tmp'), file)
  }
  await write({ apiKeys: [{ id: 'one', sha256: hashKey('ig_file-key-one') }] })
  const emulators = await startEmulators(t)
  const gateway = await startServeProcess(t, stackConfig(emulators, { config: { logging: { level: 'info' }, auth: { apiKeysFile: file } } }))
  assert.equal(await status(gateway.url, 'ig_file-key-one'), 200)
  assert.match(String(await status(gateway.url, 'ig_file-key-two')), /^401/)

  const reloaded = (n: number) => gateway.linesMatching(line => line.includes('"event":"keys.reloaded"'), n)
  await write([{ id: 'two', sha256: hashKey('ig_file-key-two') }])
  await reloaded(1)
  assert.equal(await status(gateway.url, 'ig_file-key-two'), 200)
  assert.match(String(await status(gateway.url, 'ig_file-key-one')), /^401/, 'removed from the file, refused')

  await write('- { id: broken, sha256: not-hex }\n')
  const [failure] = await gateway.linesMatching(line => line.includes('"event":"keys.reload_failed"'))
  assert.match(failure as string, /keys\[0\]\.sha256: must be 64 lower-case hex digits/)
  assert.equal(await status(gateway.url, 'ig_file-key-two'), 200, 'the keys in force stay')

  await writeFile(file, stringify([{ id: 'three', sha256: hashKey('ig_file-key-three') }]))
  gateway.child.kill('SIGHUP')
  await gateway.linesMatching(line => line.includes('"event":"keys.reloaded"') && line.includes('"reason":"SIGHUP"'))
  assert.equal(await status(gateway.url, 'ig_file-key-three'), 200)
  const metrics = await (await request(`${gateway.metricsUrl}/metrics`)).body.text()
  assert.match(metrics, /infergate_config_reloads_total\{result="failure"\} [1-9]/)
})

test('a key file that is bad at start stops the gateway with a clear message', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'infergate-keys-'))
  const emulators = await startEmulators(t)
  await assert.rejects(
    startServeProcess(t, stackConfig(emulators, { config: { auth: { apiKeysFile: join(dir, 'missing.yaml') } } })),
    /auth\.apiKeysFile: .*missing\.yaml: ENOENT/
  )
})
