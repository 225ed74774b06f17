/**
 * The probe's report as text (one line per check, exposed ones first) or JSON.
 * @module
 */
import type { ProbeReport } from './run.js'

export const FORMATS = ['text', 'json'] as const
export type Format = typeof FORMATS[number]

function exposedCount (report: ProbeReport): number {
  return report.results.filter(result => result.exposed).length
}

function textReport (report: ProbeReport): string {
  const mode = report.gateway
    ? 'an infergate gateway: any answer but its refusal means the request was forwarded'
    : 'no infergate refusal seen: judged as a bare model server'
  const credentials = report.results[0]?.attempts.map(a => a.credential === 'key' ? 'key' : 'no key') ?? []
  const rows = [['verdict', ...credentials, 'framework', 'kind', 'request']]
  const ordered = [...report.results].sort((a, b) => Number(b.exposed) - Number(a.exposed))
  for (const { check, attempts, exposed } of ordered) {
    const verdict = exposed ? 'EXPOSED' : (attempts.find(a => a.verdict !== 'refused')?.verdict ?? 'refused')
    rows.push([verdict, ...attempts.map(a => a.status === 0 ? '---' : String(a.status)), check.framework, check.kind,
      `${check.method} ${check.target}`])
  }
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map(row => (row[column] ?? '').length)))
  const lines = rows.map(row => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd())
  const summary = `${exposedCount(report)} of ${report.results.length} checks exposed (${report.requests} requests)`
  return [`infergate probe ${report.url} (${mode})`, ...lines, summary, ''].join('\n')
}

function jsonReport (report: ProbeReport): string {
  return `${JSON.stringify({
    url: report.url,
    gateway: report.gateway,
    requests: report.requests,
    exposed: exposedCount(report),
    checks: report.results.map(({ check, attempts, exposed }) => ({ ...check, exposed, attempts }))
  }, null, 2)}\n`
}

export const RENDERERS: Readonly<Record<Format, (report: ProbeReport) => string>> = { text: textReport, json: jsonReport }

export function isExposed (report: ProbeReport): boolean {
  return exposedCount(report) > 0
}
