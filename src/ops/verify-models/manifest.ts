/**
 * The `sha256sum` manifest format, exactly as GNU `sha256sum -c` reads and writes it:
 * `<64 hex><space><space or *><name>`, or the tagged form `SHA256 (<name>) = <64 hex>`. A name holding
 * `\`, a newline or a carriage return is escaped (`\\`, `\n`, `\r`) and its line starts with `\`.
 * @module
 */
import { isAbsolute, posix } from 'node:path'

export interface ManifestEntry {
  readonly digest: string
  readonly path: string
  readonly line: number
}

const PLAIN = /^(\\?)([0-9a-fA-F]{64}) [ *](.+)$/s
const TAGGED = /^(\\?)SHA256 \((.+)\) = ([0-9a-fA-F]{64})$/s
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', n: '\n', r: '\r' }

/** Entries in file order, or every malformed line at once (as `line N: …`). */
export function parseManifest (text: string): { entries: ManifestEntry[], problems: string[] } {
  const entries: ManifestEntry[] = []
  const problems: string[] = []
  text.split('\n').forEach((raw, index) => {
    const source = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (source === '') return
    const plain = PLAIN.exec(source)
    const tagged = plain === null ? TAGGED.exec(source) : null
    const escaped = (plain?.[1] ?? tagged?.[1]) === '\\'
    const digest = plain?.[2] ?? tagged?.[3]
    const name = plain?.[3] ?? tagged?.[2]
    const path = name === undefined || !escaped ? name : unescapeName(name)
    if (digest === undefined || path === undefined || path === '') {
      problems.push(`line ${index + 1}: not "<sha256 hex>  <path>"`)
    } else {
      entries.push({ digest: digest.toLowerCase(), path, line: index + 1 })
    }
  })
  return { entries, problems }
}

function unescapeName (name: string): string | undefined {
  let out = ''
  for (let i = 0; i < name.length; i++) {
    const char = name[i] as string
    if (char !== '\\') {
      out += char
      continue
    }
    const replacement = ESCAPES[name[++i] ?? '']
    if (replacement === undefined) return undefined
    out += replacement
  }
  return out
}

/** One manifest line (with its newline) that `sha256sum -c` accepts. */
export function formatManifestLine (digest: string, path: string): string {
  const escaped = escapeName(path)
  return `${escaped === path ? '' : '\\'}${digest}  ${escaped}\n`
}

/** A name as `sha256sum` prints it, so that every report stays one line per file. */
export function escapeName (path: string): string {
  return path.replace(/[\\\n\r]/g, char => char === '\\' ? '\\\\' : char === '\n' ? '\\n' : '\\r')
}

/** Whether a manifest path stays under the root: not absolute, and `..` never climbs above it. */
export function staysUnderRoot (path: string): boolean {
  if (isAbsolute(path) || posix.isAbsolute(path)) return false
  const normal = posix.normalize(path)
  return normal !== '..' && !normal.startsWith('../')
}
