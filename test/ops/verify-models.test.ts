import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { promisify } from 'node:util'
import { hashFiles } from '../../src/ops/verify-models/hash-pool.js'
import { verifyModels } from '../../src/ops/verify-models/index.js'
import { formatManifestLine, parseManifest, staysUnderRoot } from '../../src/ops/verify-models/manifest.js'
import { cli } from '../helpers/cli.js'

const run = promisify(execFile)

async function sha256sum (args: string[], cwd: string) {
  try {
    const { stdout } = await run('sha256sum', args, { cwd, maxBuffer: 16 * 1024 * 1024 })
    return { code: 0, stdout }
  } catch (err) {
    const e = err as { code: number, stdout: string }
    return { code: e.code, stdout: e.stdout }
  }
}

const TRICKY = ['with space.bin', 'back\\slash.bin', 'new\nline.bin', 'ünïcode.bin']
let dir: string
let root: string

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'infergate-verify-'))
  root = join(dir, 'models')
  // Many small files in nested directories, names sha256sum must escape, and one 64 MiB file.
  for (let i = 0; i < 120; i++) {
    await mkdir(join(root, `shard-${i % 6}`), { recursive: true })
    await writeFile(join(root, `shard-${i % 6}`, `part-${i}.safetensors`), `weights ${i}\n`)
  }
  for (const name of TRICKY) await writeFile(join(root, name), name)
  await writeFile(join(root, 'big.bin'), randomBytes(64 * 1024 * 1024))
})

after(() => rm(dir, { recursive: true, force: true }))

test('--write creates a manifest that sha256sum -c accepts, and verify-models accepts it too', async () => {
  const manifest = join(dir, 'written.sha256')
  const written = await cli(['verify-models', '--manifest', manifest, '--root', root, '--write', '--jobs', '4'], { cwd: dir })
  assert.equal(written.code, 0, written.stderr)
  const checked = await sha256sum(['-c', '--strict', manifest], root)
  assert.equal(checked.code, 0, checked.stdout)
  assert.equal(checked.stdout.split('\n').filter(line => line.endsWith(': OK')).length, 120 + TRICKY.length + 1)
  const verified = await cli(['verify-models', '--manifest', manifest, '--root', root, '--strict'], { cwd: dir })
  assert.deepEqual({ code: verified.code, stdout: verified.stdout }, { code: 0, stdout: '' })
})

test('a manifest written by sha256sum (text and binary mode, escaped names) passes verify-models', async () => {
  const { stdout: text } = await sha256sum(['big.bin', 'shard-0/part-0.safetensors', ...TRICKY], root)
  const { stdout: binary } = await sha256sum(['-b', 'shard-1/part-1.safetensors'], root)
  const { stdout: tagged } = await sha256sum(['--tag', 'shard-2/part-2.safetensors'], root)
  assert.match(text, /^\\[0-9a-f]{64} {2}back\\\\slash\.bin$/m)
  assert.match(binary, / \*shard-1/)
  const manifest = join(dir, 'coreutils.sha256')
  await writeFile(manifest, text + binary + tagged)
  const verified = await cli(['verify-models', '--manifest', manifest, '--root', root], { cwd: dir })
  assert.equal(verified.code, 0, verified.stdout + verified.stderr)
  assert.match(verified.stderr, /8 of 8 listed files match/)
})

test('mismatches, missing files and (with --strict) unlisted files are named one per line', async () => {
  const work = join(dir, 'changed')
  await mkdir(work)
  await writeFile(join(work, 'same.bin'), 'same')
  await writeFile(join(work, 'changed.bin'), 'new content')
  await writeFile(join(work, 'extra.bin'), 'not listed')
  const sha = (text: string) => createHash('sha256').update(text).digest('hex')
  const manifest = join(dir, 'changed.sha256')
  await writeFile(manifest, [
    formatManifestLine(sha('same'), 'same.bin'),
    formatManifestLine(sha('old content'), 'changed.bin'),
    formatManifestLine(sha('gone'), 'gone/missing.bin')
  ].join(''))
  const [plain, strict, coreutils] = await Promise.all([
    cli(['verify-models', '--manifest', manifest, '--root', work], { cwd: dir }),
    cli(['verify-models', '--manifest', manifest, '--root', work, '--strict'], { cwd: dir }),
    sha256sum(['-c', manifest], work)
  ])
  assert.deepEqual({ code: plain.code, stdout: plain.stdout }, { code: 1, stdout: 'MISMATCH changed.bin\nMISSING gone/missing.bin\n' })
  assert.deepEqual({ code: strict.code, stdout: strict.stdout }, { code: 1, stdout: 'MISMATCH changed.bin\nMISSING gone/missing.bin\nUNLISTED extra.bin\n' })
  assert.equal(coreutils.code, 1, 'sha256sum agrees that the manifest fails')
})

test('paths that escape the root are refused by name, before anything is hashed', async () => {
  const manifest = join(dir, 'escape.sha256')
  const digest = 'a'.repeat(64)
  await writeFile(manifest, `${digest}  ok.bin\n${digest}  ../outside.bin\n${digest}  /etc/passwd\n${digest}  a/../../b\n${digest}  a/../inside.bin\n`)
  const result = await cli(['verify-models', '--manifest', manifest, '--root', root], { cwd: dir })
  assert.equal(result.code, 1)
  assert.match(result.stderr, /IG_ERR|outside the root/)
  for (const name of ['../outside.bin', '/etc/passwd', 'a/../../b']) assert.ok(result.stderr.includes(name), name)
  assert.ok(!result.stderr.includes('a/../inside.bin'))
  assert.equal(result.stdout, '')
})

test('bad input and bad options get one clear message and a distinct exit code', async () => {
  const manifest = join(dir, 'malformed.sha256')
  await writeFile(manifest, `${'b'.repeat(64)}  fine.bin\nnot a checksum line\n`)
  const [malformed, badJobs] = await Promise.all([
    cli(['verify-models', '--manifest', manifest], { cwd: dir }),
    cli(['verify-models', '--manifest', manifest, '--jobs', 'many'], { cwd: dir })
  ])
  assert.equal(malformed.code, 1)
  assert.match(malformed.stderr, /malformed\.sha256: line 2: not "<sha256 hex> {2}<path>"/)
  assert.equal(badJobs.code, 2)
  assert.match(badJobs.stderr, /--jobs must be a whole number/)
  await assert.rejects(verifyModels({ manifest: join(dir, 'nope') }), { code: 'IG_ERR_MANIFEST_READ', message: /cannot read manifest .*nope: ENOENT/ })
  await assert.rejects(verifyModels({ manifest: join(dir, 'empty'), root: join(dir, 'absent-root'), write: true }), { code: 'IG_ERR_MODEL_ROOT' })
})

test('the manifest parser reads every sha256sum form and the writer round-trips names', () => {
  const digest = 'C'.repeat(64)
  const { entries, problems } = parseManifest(`${digest}  plain\r\n${digest} *binary\n\\${digest}  a\\\\b\\nc\nSHA256 (tag ged) = ${digest}\n\\${digest}  bad\\q\n`)
  assert.deepEqual(entries.map(entry => entry.path), ['plain', 'binary', 'a\\b\nc', 'tag ged'])
  assert.ok(entries.every(entry => entry.digest === 'c'.repeat(64)))
  assert.deepEqual(problems, ['line 5: not "<sha256 hex>  <path>"'])
  for (const name of TRICKY) assert.equal(parseManifest(formatManifestLine('d'.repeat(64), name)).entries[0]?.path, name)
  assert.deepEqual(['a/b', 'a/../b', '../b', '/b', 'a/../../b', '..'].map(staysUnderRoot), [true, true, false, false, false, false])
})

test('the worker pool hashes every file like createHash and reports read errors by code', async () => {
  const files = [join(root, 'shard-0/part-0.safetensors'), join(root, 'with space.bin'), join(root, 'absent.bin'), join(root, 'shard-1')]
  let chunks = 0
  const results = await hashFiles(files, 3, { onBytes: () => { chunks++ } })
  assert.deepEqual(results.get(files[0] as string), { digest: createHash('sha256').update('weights 0\n').digest('hex') })
  assert.deepEqual(results.get(files[2] as string), { error: 'ENOENT' })
  assert.deepEqual(results.get(files[3] as string), { error: 'EISDIR' })
  assert.ok(chunks >= 2)
})
