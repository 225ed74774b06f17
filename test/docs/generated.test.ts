/**
 * The generated reference in docs/ is what the code's data renders today: each document is rendered in
 * memory and compared with the committed file, so a schema key, error code, route, guard rule, probe
 * check or metric added without `npm run docs` fails here, naming the file and the command.
 */
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { EXIT_ERRORS, HTTP_ERRORS } from '../../src/errors.js'
import { GENERATED, REGENERATE } from '../../docs/render/index.js'

const ROOT = join(import.meta.dirname, '..', '..')
const DOCS = join(ROOT, 'docs')

test('every generated document in docs/ is up to date', async (t) => {
  for (const [file, render] of Object.entries(GENERATED)) {
    await t.test(`docs/${file}`, async () => {
      const committed = await readFile(join(DOCS, file), 'utf8').catch(() => undefined)
      assert.ok(committed !== undefined, `docs/${file} is missing: run \`${REGENERATE}\` and commit it`)
      // A plain comparison first: assert.equal's diff of two long documents is slow to compute.
      if (committed === await render()) return
      assert.fail(`docs/${file} is stale (the code's data changed since it was generated): run \`${REGENERATE}\` and commit it`)
    })
  }
})

test('docs/errors.md lists every code of the error table, with its status and retryability', async (t) => {
  const text = await readFile(join(DOCS, 'errors.md'), 'utf8')
  for (const [code, spec] of Object.entries(HTTP_ERRORS)) {
    await t.test(code, () => {
      const retryable = spec.retryable ? 'yes' : 'no'
      const row = text.split('\n').find(line => line.includes(`| \`${code}\` |`))
      assert.ok(row !== undefined, `${code} is missing from docs/errors.md`)
      assert.match(row, new RegExp(`^\\| ${spec.status === 0 ? '—' : spec.status}.* \\| ${retryable} \\|`))
    })
  }
  for (const code of Object.keys(EXIT_ERRORS)) {
    await t.test(code, () => assert.ok(text.includes(`| \`${code}\` |`), `${code} is missing from docs/errors.md`))
  }
})

async function sourceFiles (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries.filter(e => e.isFile() && e.name.endsWith('.ts')).map(e => join(e.parentPath, e.name))
}

test('no IG_ERR_* code is used in src/ that the error table lacks', async () => {
  const known = new Set([...Object.keys(HTTP_ERRORS), ...Object.keys(EXIT_ERRORS)])
  const unknown: string[] = []
  for (const file of await sourceFiles(join(ROOT, 'src'))) {
    // verify-models exits with codes of its own, documented with the command.
    if (file.includes(join('ops', 'verify-models'))) continue
    for (const [code] of (await readFile(file, 'utf8')).matchAll(/IG_ERR_[A-Z_]+[A-Z]/g)) {
      if (!known.has(code)) unknown.push(`${file.slice(ROOT.length + 1)}: ${code}`)
    }
  }
  assert.deepEqual(unknown, [])
})
