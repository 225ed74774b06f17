/**
 * The README and docs/ point only at what the repository holds: every relative link names a file that
 * exists and, with `#anchor`, a heading in it; and no file cites the research notes that were never
 * part of the repository (backends.md): advisories are cited by CVE id, backend facts by upstream source.
 */
import assert from 'node:assert/strict'
import { access, readdir, readFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { test } from 'node:test'

const ROOT = join(import.meta.dirname, '..', '..')
const LINK = /\]\(([^)\s]+)\)/g

/** GitHub's heading anchor: lower case, punctuation dropped, spaces as `-`. */
const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replaceAll(' ', '-')

async function anchors (file: string): Promise<Set<string>> {
  const text = await readFile(file, 'utf8')
  return new Set([...text.matchAll(/^#+ (.+)$/gm)].map(([, heading]) => slug(heading ?? '')))
}

async function documents (): Promise<string[]> {
  const docs = (await readdir(join(ROOT, 'docs'))).filter(name => name.endsWith('.md')).map(name => join(ROOT, 'docs', name))
  return [join(ROOT, 'README.md'), ...docs]
}

test('every relative link in the README and docs/ resolves, anchors included', async (t) => {
  for (const file of await documents()) {
    await t.test(relative(ROOT, file), async () => {
      const broken: string[] = []
      for (const [, target] of (await readFile(file, 'utf8')).matchAll(LINK)) {
        if (target === undefined || /^[a-z]+:/.test(target)) continue
        const [path = '', anchor] = target.split('#')
        const linked = path === '' ? file : join(dirname(file), path)
        const exists = await access(linked).then(() => true, () => false)
        if (!exists) broken.push(`${target}: no such file`)
        else if (anchor !== undefined && linked.endsWith('.md') && !(await anchors(linked)).has(anchor)) broken.push(`${target}: no such heading`)
      }
      assert.deepEqual(broken, [])
    })
  }
})

test('nothing cites backends.md or backends-2026.md, which are not in the repository', async () => {
  const citing: string[] = []
  for (const dir of ['src', 'test', 'docs', 'deploy', 'bench', 'config']) {
    for (const entry of await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || entry.parentPath.includes('results')) continue
      const file = join(entry.parentPath, entry.name)
      if (file === import.meta.filename) continue
      if (/backends(-2026)?\.md|backends §/.test(await readFile(file, 'utf8'))) citing.push(relative(ROOT, file))
    }
  }
  if (/backends(-2026)?\.md/.test(await readFile(join(ROOT, 'README.md'), 'utf8'))) citing.push('README.md')
  assert.deepEqual(citing, [])
})
