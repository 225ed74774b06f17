/**
 * Runs the rule table over subjects: every rule's matcher for the subject's type, each hit a finding.
 * @module
 */
import { RULES } from './rules/index.js'
import { SEVERITIES, type Finding, type Hit, type Rule, type Severity, type Subject } from './types.js'

export function evaluate (subjects: readonly Subject[], rules: readonly Rule[] = RULES): Finding[] {
  const findings: Finding[] = []
  for (const subject of subjects) {
    for (const rule of rules) {
      // The table pairs each matcher with its own subject type; TypeScript cannot follow that through the lookup.
      const matcher = rule.match[subject.type] as ((subject: Subject) => Hit[]) | undefined
      for (const hit of matcher?.(subject) ?? []) {
        findings.push({ ruleId: rule.id, severity: rule.severity, file: subject.file, line: hit.line ?? subject.line, message: hit.message, fix: rule.fix })
      }
    }
  }
  return findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.ruleId.localeCompare(b.ruleId))
}

export function atLeast (severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(threshold)
}
