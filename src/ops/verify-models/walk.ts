/**
 * Lists the regular files under a directory (following symbolic links to files), as sorted
 * `/`-separated paths relative to it. Shared by `verify-models` and `audit`.
 * @module
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'

/** Version-control metadata: never a model file (a Hugging Face clone has `.git/`). */
export const VCS_DIRECTORIES: ReadonlySet<string> = new Set(['.git'])
/** Nor a deployment input. */
export const SKIPPED_DIRECTORIES: ReadonlySet<string> = new Set([...VCS_DIRECTORIES, 'node_modules'])

export async function listFiles (root: string, skip: ReadonlySet<string> = SKIPPED_DIRECTORIES): Promise<string[]> {
  const files: string[] = []
  const visit = async (relative: string): Promise<void> => {
    const entries = await readdir(join(root, relative), { withFileTypes: true })
    for (const entry of entries) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`
      const kind = entry.isSymbolicLink() ? await stat(join(root, path)).catch(() => undefined) : entry
      if (kind?.isDirectory() === true && !skip.has(entry.name)) await visit(path)
      else if (kind?.isFile() === true) files.push(path)
    }
  }
  await visit('')
  // Code-unit order, as `LC_ALL=C sort` gives: the same manifest on every machine and locale.
  return files.sort((a, b) => a < b ? -1 : a > b ? 1 : 0)
}
