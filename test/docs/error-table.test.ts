/**
 * The README's Errors table is the error table of src/errors.ts: every code, its status and whether it
 * is retryable, nothing more and nothing less; and no `IG_ERR_*` code is used in src/ that the table
 * lacks (the CLI-only codes of verify-models have their own section).
 */
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { EXIT_ERRORS, HTTP_ERRORS } from '../../src/errors.js'

const ROOT = join(import.meta.dirname, '..', '..')

async function readmeRows (): Promise<Map<string, { status: string, retryable: string }>> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  const start = readme.indexOf('| status | code | retryable |')
  assert.ok(start !== -1, 'the README has an Errors table')
  const rows = new Map<string, { status: string, retryable: string }>()
  for (const line of readme.slice(start).split('\n').slice(2)) {
    if (!line.startsWith('|')) break
    const [status, code, retryable] = line.split('|').slice(1).map(cell => cell.trim())
    const name = /^`(IG_ERR_[A-Z_]+)`$/.exec(code ?? '')?.[1]
    assert.ok(name !== undefined, `a row without one code: ${line}`)
    assert.ok(!rows.has(name), `${name} listed twice`)
    rows.set(name, { status: status ?? '', retryable: retryable ?? '' })
  }
  return rows
}

async function sourceFiles (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries.filter(e => e.isFile() && e.name.endsWith('.ts')).map(e => join(e.parentPath, e.name))
}

test('the README lists every code of the error table, with its status and retryability, and no other', async (t) => {
  const rows = await readmeRows()
  for (const [code, spec] of Object.entries(HTTP_ERRORS)) {
    await t.test(code, () => {
      const row = rows.get(code)
      assert.ok(row !== undefined, `${code} is missing from the README's Errors table`)
      assert.equal(row.status, spec.status === 0 ? '—' : String(spec.status))
      assert.equal(row.retryable, spec.retryable ? 'yes' : 'no')
    })
  }
  for (const code of Object.keys(EXIT_ERRORS)) {
    await t.test(code, () => assert.equal(rows.get(code)?.status, 'exit 1', `${code}: an exit code`))
  }
  const known = new Set([...Object.keys(HTTP_ERRORS), ...Object.keys(EXIT_ERRORS)])
  assert.deepEqual([...rows.keys()].filter(code => !known.has(code)), [], 'the README lists codes the table lacks')
})

test('no IG_ERR_* code is used in src/ that the error table lacks', async () => {
  const known = new Set([...Object.keys(HTTP_ERRORS), ...Object.keys(EXIT_ERRORS)])
  const unknown: string[] = []
  for (const file of await sourceFiles(join(ROOT, 'src'))) {
    if (file.includes(join('ops', 'verify-models'))) continue
    for (const [code] of (await readFile(file, 'utf8')).matchAll(/IG_ERR_[A-Z_]+[A-Z]/g)) {
      if (!known.has(code)) unknown.push(`${file.slice(ROOT.length + 1)}: ${code}`)
    }
  }
  assert.deepEqual(unknown, [])
})
