/**
 * `infergate verify-models`: checks model files against a `sha256sum` manifest, or (`--write`)
 * creates one. Result lines go to standard output (`MISSING`, `MISMATCH`, `UNREADABLE`, `UNLISTED`),
 * a summary to standard error; the exit code is 0 only when every listed file matches.
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { ManifestInvalidError, ManifestPathEscapesError, ManifestReadError, ModelRootError } from './errors.js'
import { hashFiles } from './hash-pool.js'
import { escapeName, formatManifestLine, parseManifest, staysUnderRoot, type ManifestEntry } from './manifest.js'
import { parseJobs } from './options.js'
import { progressReporter } from './progress.js'
import { listFiles, VCS_DIRECTORIES } from './walk.js'

export interface VerifyModelsOptions {
  readonly manifest: string
  readonly root?: string | undefined
  readonly strict?: boolean | undefined
  readonly write?: boolean | undefined
  readonly jobs?: string | undefined
}

export async function verifyModels (options: VerifyModelsOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const jobs = parseJobs(options.jobs)
  const root = resolve(options.root ?? '.')
  return options.write === true
    ? await writeManifest(options.manifest, root, jobs)
    : await checkManifest(options.manifest, root, jobs, options.strict === true, out)
}

async function checkManifest (manifest: string, root: string, jobs: number, strict: boolean, out: NodeJS.WritableStream): Promise<number> {
  const entries = await readManifest(manifest)
  const results = await hashWithProgress(root, entries.map(entry => entry.path), jobs)
  const lines: string[] = []
  let ok = 0
  for (const entry of entries) {
    const result = results.get(resolve(root, entry.path))
    if (result === undefined || 'digest' in result) {
      if (result?.digest === entry.digest) ok++
      else lines.push(`MISMATCH ${escapeName(entry.path)}`)
    } else {
      lines.push(result.error === 'ENOENT' ? `MISSING ${escapeName(entry.path)}` : `UNREADABLE ${escapeName(entry.path)} (${result.error})`)
    }
  }
  if (strict) {
    const listed = new Set(entries.map(entry => resolve(root, entry.path)))
    // The manifest may live under the root it describes; it cannot list itself.
    listed.add(resolve(manifest))
    for (const file of await filesUnder(root)) {
      if (!listed.has(resolve(root, file))) lines.push(`UNLISTED ${escapeName(file)}`)
    }
  }
  out.write(lines.map(line => `${line}\n`).join(''))
  process.stderr.write(`verify-models: ${ok} of ${entries.length} listed files match${lines.length === 0 ? '' : `; ${lines.length} reported`}\n`)
  return lines.length === 0 ? 0 : 1
}

async function readManifest (manifest: string): Promise<ManifestEntry[]> {
  let text: string
  try {
    text = await readFile(manifest, 'utf8')
  } catch (err) {
    throw new ManifestReadError(manifest, (err as NodeJS.ErrnoException).code ?? String(err))
  }
  const { entries, problems } = parseManifest(text)
  if (problems.length > 0) throw new ManifestInvalidError(problems.map(problem => `${manifest}: ${problem}`).join('\n'))
  if (entries.length === 0) throw new ManifestInvalidError(`${manifest}: lists no files`)
  const escaping = entries.filter(entry => !staysUnderRoot(entry.path))
  if (escaping.length > 0) {
    throw new ManifestPathEscapesError(escaping.map(entry => `${manifest}:${entry.line}: ${escapeName(entry.path)}`).join('\n'))
  }
  return entries
}

async function writeManifest (manifest: string, root: string, jobs: number): Promise<number> {
  const target = resolve(manifest)
  const files = (await filesUnder(root)).filter(file => resolve(root, file) !== target)
  const results = await hashWithProgress(root, files, jobs)
  let text = ''
  for (const file of files) {
    const result = results.get(resolve(root, file))
    if (result === undefined || 'error' in result) throw new ModelRootError(root, `${file}: ${result?.error ?? 'not hashed'}`)
    text += formatManifestLine(result.digest, file)
  }
  await writeFile(manifest, text)
  process.stderr.write(`verify-models: wrote ${files.length} entries to ${manifest} (paths relative to ${root})\n`)
  return 0
}

async function hashWithProgress (root: string, paths: readonly string[], jobs: number) {
  const progress = progressReporter(paths.length)
  try {
    return await hashFiles(paths.map(path => resolve(root, path)), jobs, progress)
  } finally {
    progress.done()
  }
}

async function filesUnder (root: string): Promise<string[]> {
  try {
    return await listFiles(root, VCS_DIRECTORIES)
  } catch (err) {
    throw new ModelRootError(root, (err as NodeJS.ErrnoException).code ?? String(err))
  }
}
