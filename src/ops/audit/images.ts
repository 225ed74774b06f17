/**
 * Container image references: the tag, and version comparison for the frameworks' tag schemes
 * (vLLM `v0.14.1`, Triton `25.07-py3`).
 * @module
 */
export interface ImageReference {
  readonly repository: string
  readonly tag: string | undefined
  readonly digest: string | undefined
}

export function parseImage (reference: string): ImageReference {
  const [name, digest] = reference.split('@') as [string, string | undefined]
  // A ':' after the last '/' is a tag; one before it belongs to a registry host:port.
  const colon = name.lastIndexOf(':')
  const tagged = colon > name.lastIndexOf('/')
  return { repository: tagged ? name.slice(0, colon) : name, tag: tagged ? name.slice(colon + 1) : undefined, digest }
}

/** The leading dotted numbers of a tag (`v0.14.1-cu126` → [0, 14, 1]), or undefined. */
export function tagVersion (tag: string | undefined): number[] | undefined {
  const match = /^v?(\d+(?:\.\d+)*)/.exec(tag ?? '')
  return match === null ? undefined : (match[1] as string).split('.').map(Number)
}

/** Whether `version` sorts before `fixed`, component by component (missing components are 0). */
export function isBefore (version: readonly number[], fixed: readonly number[]): boolean {
  for (let i = 0; i < Math.max(version.length, fixed.length); i++) {
    const a = version[i] ?? 0
    const b = fixed[i] ?? 0
    if (a !== b) return a < b
  }
  return false
}
