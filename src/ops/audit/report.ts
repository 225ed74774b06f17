/**
 * The audit report as text (one finding a line, with its fix), JSON, or SARIF 2.1.0 (for code
 * scanning: every rule in tool.driver.rules, every finding a result with its file and line).
 * @module
 */
import { relative, sep } from 'node:path'
import { VERSION } from '../../version.js'
import { SEVERITIES, type Finding, type Rule, type Severity } from './types.js'

export const FORMATS = ['text', 'json', 'sarif'] as const
export type Format = typeof FORMATS[number]

const SARIF_LEVEL: Readonly<Record<Severity, 'note' | 'warning' | 'error'>> = { low: 'note', medium: 'warning', high: 'error', critical: 'error' }
// GitHub code scanning ranks security results by this CVSS-like score.
const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = { low: '3.0', medium: '5.5', high: '8.0', critical: '9.5' }

export function formatReport (format: Format, findings: readonly Finding[], rules: readonly Rule[]): string {
  switch (format) {
    case 'text': return textReport(findings)
    case 'json': return `${JSON.stringify({ findings: findings.map(finding => ({ ...finding, file: displayPath(finding.file) })), summary: summary(findings) }, null, 2)}\n`
    case 'sarif': return `${JSON.stringify(sarif(findings, rules), null, 2)}\n`
  }
}

function textReport (findings: readonly Finding[]): string {
  const lines = findings.map(finding => `${displayPath(finding.file)}:${finding.line}: ${finding.severity.toUpperCase()} ${finding.ruleId} ${finding.message}\n    fix: ${finding.fix}\n`)
  const counts = summary(findings)
  const total = findings.length === 0 ? 'no findings' : SEVERITIES.filter(severity => counts[severity] > 0).map(severity => `${counts[severity]} ${severity}`).join(', ')
  return `${lines.join('')}${total}\n`
}

function summary (findings: readonly Finding[]): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map(severity => [severity, findings.filter(finding => finding.severity === severity).length])) as Record<Severity, number>
}

function sarif (findings: readonly Finding[], rules: readonly Rule[]) {
  const index = new Map(rules.map((rule, i) => [rule.id, i]))
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'infergate audit',
          version: VERSION,
          rules: rules.map(rule => ({
            id: rule.id,
            name: rule.title.replace(/[^A-Za-z0-9]+(.)?/g, (_, next: string | undefined) => next?.toUpperCase() ?? ''),
            shortDescription: { text: rule.title },
            fullDescription: { text: `${rule.title} (${rule.reference})` },
            help: { text: rule.fix },
            defaultConfiguration: { level: SARIF_LEVEL[rule.severity] },
            properties: { severity: rule.severity, 'security-severity': SECURITY_SEVERITY[rule.severity], tags: ['security'] }
          }))
        }
      },
      results: findings.map(finding => ({
        ruleId: finding.ruleId,
        ruleIndex: index.get(finding.ruleId) ?? 0,
        level: SARIF_LEVEL[finding.severity],
        message: { text: `${finding.message}. Fix: ${finding.fix}` },
        locations: [{ physicalLocation: { artifactLocation: { uri: uri(finding.file) }, region: { startLine: finding.line } } }]
      }))
    }]
  }
}

/** Paths relative to the working directory, `/`-separated. */
function displayPath (file: string): string {
  return relative('.', file).split(sep).join('/')
}

/** A relative URI reference, as SARIF viewers resolve against the checkout. */
function uri (file: string): string {
  return displayPath(file).split('/').map(encodeURIComponent).join('/')
}
