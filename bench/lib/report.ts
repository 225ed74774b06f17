/**
 * Medians over repetitions, ratios to the floor (fastify-http-proxy) and the limit (direct), and the
 * two result files: JSON with every repetition, markdown with the medians.
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Machine } from './machine.js'
import type { Sample } from './measure.js'
import { median, ratio } from './stats.js'

export interface FigureSummary {
  readonly median: number
  readonly repetitions: readonly number[]
  readonly vsFloor: number | undefined
  readonly vsDirect: number | undefined
  /** Latencies only: median minus direct's median, in ms. */
  readonly minusDirectMs?: number
}

export interface ContenderSummary {
  readonly contender: string
  readonly errors: number
  readonly figures: Readonly<Record<string, FigureSummary>>
}

export interface ScenarioSummary {
  readonly name: string
  readonly description: string
  readonly skipped?: string
  readonly contenders: readonly ContenderSummary[]
}

export interface Report {
  readonly date: string
  readonly mode: 'quick' | 'full'
  readonly machine: Machine
  readonly pinning: string
  readonly backends: { readonly mode: string, readonly urls: Readonly<Record<string, string>> }
  readonly repetitions: number
  readonly floor: string
  readonly limit: string
  readonly skippedContenders: ReadonlyArray<{ readonly contender: string, readonly reason: string }>
  readonly scenarios: readonly ScenarioSummary[]
  readonly seconds: number
}

export function summarise (samples: ReadonlyMap<string, readonly Sample[]>, floor: string, limit: string): ContenderSummary[] {
  const medians = new Map<string, Record<string, number>>()
  for (const [contender, runs] of samples) {
    const keys = new Set(runs.flatMap(run => Object.keys(run.figures)))
    medians.set(contender, Object.fromEntries([...keys].map(key => [key, median(runs.map(run => run.figures[key]).filter((v): v is number => v !== undefined && Number.isFinite(v)))])))
  }
  return [...samples].map(([contender, runs]) => {
    const own = medians.get(contender) as Record<string, number>
    const figures: Record<string, FigureSummary> = {}
    for (const [key, value] of Object.entries(own)) {
      const direct = medians.get(limit)?.[key]
      figures[key] = {
        median: value,
        repetitions: runs.map(run => run.figures[key] ?? Number.NaN),
        vsFloor: ratio(value, medians.get(floor)?.[key]),
        vsDirect: ratio(value, direct),
        ...(key.endsWith(' ms') && direct !== undefined ? { minusDirectMs: value - direct } : {})
      }
    }
    return { contender, errors: runs.reduce((sum, run) => sum + run.errors, 0), figures }
  })
}

function number (value: number): string {
  if (!Number.isFinite(value)) return '–'
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

function cell (figure: FigureSummary | undefined): string {
  if (figure === undefined) return '–'
  const ratios = [figure.vsFloor, figure.vsDirect].map(r => r === undefined ? '–' : r.toFixed(2)).join(' / ')
  const delta = figure.minusDirectMs === undefined ? '' : `, ${figure.minusDirectMs >= 0 ? '+' : ''}${figure.minusDirectMs.toFixed(1)}`
  return `${number(figure.median)} (${ratios}${delta})`
}

// The backend's CPU is in the JSON for checking it was not the bottleneck; the tables are about the proxy.
const inTable = (key: string): boolean => !key.startsWith('backend ')

function markdown (report: Report): string {
  const m = report.machine
  const lines = [
    `# infergate benchmark: ${report.mode}, ${report.date}, ${m.hostname}`,
    '',
    `- CPU: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GiB; Node ${m.node}; load average at start ${m.loadAverageAtStart.join(' ')}`,
    `- Pinning: ${report.pinning}`,
    `- Backends: ${report.backends.mode} (${Object.entries(report.backends.urls).map(([name, url]) => `${name} ${url}`).join(', ')})`,
    `- Medians of ${report.repetitions} interleaved repetitions; run took ${Math.round(report.seconds)} s`,
    `- Each cell: median (ratio to ${report.floor} / ratio to ${report.limit}); latencies (ms) also give the difference to ${report.limit}. CPU is the proxy process's own utime+stime.`,
    ...report.skippedContenders.map(s => `- Skipped ${s.contender}: ${s.reason}`),
    ''
  ]
  for (const scenario of report.scenarios) {
    lines.push(`## ${scenario.name}: ${scenario.description}`, '')
    if (scenario.skipped !== undefined) {
      lines.push(`Skipped: ${scenario.skipped}`, '')
      continue
    }
    const keys = [...new Set(scenario.contenders.flatMap(c => Object.keys(c.figures)))].filter(inTable)
    lines.push(`| contender | ${keys.join(' | ')} | errors |`, `|---|${keys.map(() => '---:').join('|')}|---:|`)
    for (const c of scenario.contenders) lines.push(`| ${c.contender} | ${keys.map(key => cell(c.figures[key])).join(' | ')} | ${c.errors} |`)
    lines.push('')
  }
  return lines.join('\n')
}

export async function writeReport (report: Report, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  const base = join(dir, `${report.date}-${report.machine.hostname}-${report.mode}`)
  await writeFile(`${base}.json`, JSON.stringify(report, null, 2) + '\n')
  await writeFile(`${base}.md`, markdown(report))
  return [`${base}.json`, `${base}.md`]
}
