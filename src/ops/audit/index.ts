/**
 * `infergate audit PATH…`: reads deployment files (directories recursively), runs the rule table
 * and prints the report. Exit code: 1 when a finding is at or above `--fail-on` (default medium),
 * otherwise 0; bad option values are usage errors (2).
 * @module
 */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { parseChoice } from '../verify-models/options.js'
import { listFiles, SKIPPED_DIRECTORIES } from '../verify-models/walk.js'
import { withoutAccepted } from './accepted.js'
import { atLeast, evaluate } from './engine.js'
import { cannotRead, isInputName, readInput, unreadable } from './inputs/index.js'
import { FORMATS, formatReport } from './report.js'
import { RULES } from './rules/index.js'
import { SEVERITIES, type Finding, type Subject } from './types.js'

export interface AuditOptions {
  readonly format?: string | undefined
  readonly failOn?: string | undefined
}

export async function audit (paths: readonly string[], options: AuditOptions = {}, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const format = parseChoice('format', options.format, FORMATS, 'text')
  const failOn = parseChoice('fail-on', options.failOn, SEVERITIES, 'medium')
  const findings = await auditPaths(paths)
  out.write(formatReport(format, findings, RULES))
  return findings.some(finding => atLeast(finding.severity, failOn)) ? 1 : 0
}

export async function auditPaths (paths: readonly string[]): Promise<Finding[]> {
  const files = (await Promise.all(paths.map(inputFiles))).flat()
  const subjects = (await Promise.all(files.map(file => typeof file === 'string' ? readInput(file) : [file]))).flat()
  return await withoutAccepted(evaluate(subjects))
}

/** A named file is always read; a directory contributes the files whose names are inputs. */
async function inputFiles (path: string): Promise<Array<string | Subject>> {
  try {
    if (!(await stat(path)).isDirectory()) return [path]
    return (await listFiles(path, SKIPPED_DIRECTORIES)).filter(isInputName).map(file => join(path, file))
  } catch (err) {
    return [unreadable(path, cannotRead(err))]
  }
}
