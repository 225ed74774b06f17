import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { chmod, mkdtemp, readFile, realpath, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'

// What `npm test` runs before the test runner: it makes sure the binaries the tests start are there.
const SETUP = new URL('services.ts', import.meta.url).pathname
const ROOT = new URL('../..', import.meta.url).pathname
const run = promisify(execFile)
const isRoot = process.getuid?.() === 0

// Root may install: the "not root" case then runs the setup as nobody.
const NOBODY = 65_534
const notRoot = isRoot ? NOBODY : undefined

async function setup (env: NodeJS.ProcessEnv, uid?: number): Promise<{ code: unknown, stdout: string, stderr: string }> {
  // Node by its absolute path: PATH is what the setup searches, and may hold nothing at all.
  const child = run(process.execPath, ['--import', 'tsx', SETUP], {
    cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000, ...(uid === undefined ? {} : { uid, gid: uid })
  })
  try {
    const { stdout, stderr } = await child
    return { code: 0, stdout, stderr }
  } catch (err) {
    const { code, signal, stdout, stderr } = err as { code: unknown, signal: unknown, stdout: string, stderr: string }
    return { code: code ?? signal, stdout, stderr }
  }
}

/** A directory for PATH holding links to these binaries of this machine, and nothing else. */
async function pathWith (binaries: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'infergate-path-'))
  await chmod(dir, 0o755) // searched by nobody too
  for (const binary of binaries) {
    const { stdout } = await run('sh', ['-c', `command -v ${binary}`])
    await symlink(stdout.trim(), join(dir, binary))
  }
  return dir
}

/**
 * A stand-in apt-get on PATH: it logs each call, and its `install` puts stub binaries next to itself
 * (or fails as apt-get does when told to).
 */
async function fakeAptGet (dir: string, installs: 'works' | 'fails'): Promise<string> {
  const { stdout: chmodPath } = await run('sh', ['-c', 'command -v chmod'])
  const log = join(dir, 'apt-get.log')
  const install = installs === 'works'
    ? `for b in curl redis-server prometheus promtool chromium; do printf '#!/bin/sh\\n' > "${dir}/$b"; ${chmodPath.trim()} +x "${dir}/$b"; done`
    : 'echo "E: Unable to locate package chromium" >&2; exit 100'
  await writeFile(join(dir, 'apt-get'), [
    '#!/bin/sh',
    `echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*" >> "${log}"`,
    'echo "Reading package lists..."',
    `if [ "$1" = install ]; then ${install}; fi`,
    ''
  ].join('\n'))
  await chmod(join(dir, 'apt-get'), 0o755)
  return log
}

const ALL = 'curl redis-server prometheus chromium'

test('with every binary on PATH the setup does nothing and says nothing', async () => {
  assert.deepEqual(await setup({}), { code: 0, stdout: '', stderr: '' })
})

test('binaries missing and installing not allowed: exit 1 at once with one line naming the command to run', async (t) => {
  const rows = [
    { name: 'none on PATH', binaries: [], line: `missing: curl, redis-server, prometheus, promtool, chromium — run: sudo apt-get install -y ${ALL}\n` },
    { name: 'some on PATH', binaries: ['curl', 'redis-server'], line: 'missing: prometheus, promtool, chromium — run: sudo apt-get install -y prometheus chromium\n' }
  ]
  for (const row of rows) {
    await t.test(row.name, async () => {
      const result = await setup({ PATH: await pathWith(row.binaries), INFERGATE_TEST_NO_INSTALL: '1' })
      assert.deepEqual(result, { code: 1, stdout: '', stderr: row.line })
    })
  }
  await t.test('not root, apt-get on PATH: never calls it', async () => {
    const dir = await pathWith(['curl', 'redis-server', 'prometheus', 'promtool'])
    const log = await fakeAptGet(dir, 'works')
    assert.deepEqual(await setup({ PATH: dir }, notRoot), {
      code: 1, stdout: '', stderr: 'missing: chromium — run: sudo apt-get install -y chromium\n'
    })
    await assert.rejects(readFile(log), { code: 'ENOENT' })
  })
})

test('as root with apt-get: installs the missing Debian packages, one line of progress; a failed install is one line', { skip: !isRoot && 'the setup installs only as root' }, async (t) => {
  await t.test('install works', async () => {
    const dir = await pathWith([])
    const log = await fakeAptGet(dir, 'works')
    assert.deepEqual(await setup({ PATH: dir }), { code: 0, stdout: `installing with apt-get: ${ALL}\n`, stderr: '' })
    assert.equal(await readFile(log, 'utf8'), [
      'DEBIAN_FRONTEND=noninteractive update -qq',
      `DEBIAN_FRONTEND=noninteractive install -y -qq --no-install-recommends ${ALL}`,
      ''
    ].join('\n'))
  })
  await t.test('install fails', async () => {
    const dir = await pathWith(['curl', 'redis-server', 'prometheus', 'promtool'])
    await fakeAptGet(dir, 'fails')
    assert.deepEqual(await setup({ PATH: dir }), {
      code: 1,
      stdout: 'installing with apt-get: chromium\n',
      stderr: 'apt-get install failed (E: Unable to locate package chromium) — run: sudo apt-get install -y chromium\n'
    })
  })
})

test('npm test runs the setup first: with binaries missing it stops at once, before any test', async () => {
  // What npm and its script need, without any of the binaries the tests start.
  const dir = await pathWith(['sh', 'find', 'sort'])
  await symlink(process.execPath, join(dir, 'node'))
  const { stdout: npm } = await run('sh', ['-c', 'command -v npm'])
  const result = await run(process.execPath, [await realpath(npm.trim()), 'test', '--silent'], {
    cwd: ROOT, env: { ...process.env, PATH: dir, INFERGATE_TEST_NO_INSTALL: '1' }, timeout: 60_000
  }).then(() => ({ code: 0, stderr: '' }), (err: { code: unknown, stderr: string }) => ({ code: err.code, stderr: err.stderr }))
  assert.deepEqual(result, {
    code: 1, stderr: `missing: curl, redis-server, prometheus, promtool, chromium — run: sudo apt-get install -y ${ALL}\n`
  })
})
