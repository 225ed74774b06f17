/**
 * Findings an operator has accepted, in the audited file itself, with the reason written next to
 * it: `# infergate-audit: accept IMG004 — TorchServe stays on loopback behind infergate`. An
 * acceptance without a reason accepts nothing, so every exception stays explained where it lives.
 * @module
 */
import { readFile } from 'node:fs/promises'
import type { Finding } from './types.js'

const ACCEPT = /infergate-audit:\s*accept\s+([A-Z][A-Z0-9]*\d)\s*(?:—|--?|:)\s*\S.*$/gm

async function acceptedIn (file: string): Promise<ReadonlySet<string>> {
  try {
    return new Set([...(await readFile(file, 'utf8')).matchAll(ACCEPT)].map(found => found[1] as string))
  } catch {
    return new Set()
  }
}

/** The findings that no acceptance in their own file covers. */
export async function withoutAccepted (findings: readonly Finding[]): Promise<Finding[]> {
  const files = [...new Set(findings.map(finding => finding.file))]
  const accepted = new Map(await Promise.all(files.map(async file => [file, await acceptedIn(file)] as const)))
  return findings.filter(finding => accepted.get(finding.file)?.has(finding.ruleId) !== true)
}
