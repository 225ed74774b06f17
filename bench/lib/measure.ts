/**
 * One measured run of a scenario against a contender: CPU and RSS of the contender's own process
 * around it (or inside the scenario's window), turned into per-unit figures.
 * @module
 */
import type { BackendName, Backend } from './backends.js'
import { cpuMicros, rssKb, watchPeakRss } from './proc.js'
import type { Measurement, Scenario, Snapshot } from './scenario.js'

export interface Target {
  readonly name: string
  /** The proxy process; undefined for direct. */
  readonly pid: number | undefined
  url (backend: BackendName): string
  headers (backend: Backend): Readonly<Record<string, string>>
}

export interface Sample {
  readonly figures: Record<string, number>
  readonly errors: number
}

export interface MeasureOptions {
  readonly quick: boolean
  readonly warmup: boolean
  readonly backend: Backend
  readonly backendPid: number | undefined
}

export async function measure (scenario: Scenario, target: Target, options: MeasureOptions): Promise<Sample> {
  const { pid } = target
  const snapshot = (): Snapshot => ({
    at: performance.now(),
    proxyCpuUs: pid === undefined ? undefined : cpuMicros(pid),
    backendCpuUs: options.backendPid === undefined ? undefined : cpuMicros(options.backendPid),
    proxyRssKb: pid === undefined ? undefined : rssKb(pid)
  })
  const peakRss = pid === undefined ? undefined : watchPeakRss(pid)
  const from = snapshot()
  const measurement = await scenario.run({
    quick: options.quick,
    warmup: options.warmup,
    url: target.url(scenario.needs),
    backend: options.backend,
    headers: target.headers(options.backend),
    snapshot
  })
  const to = snapshot()
  const peakKb = peakRss?.()
  return { figures: { ...perUnit(measurement, from, to), ...(peakKb === undefined ? {} : { 'peak RSS MB': peakKb / 1024 }), ...measurement.figures }, errors: measurement.errors }
}

function perUnit (measurement: Measurement, whole0: Snapshot, whole1: Snapshot): Record<string, number> {
  const window = measurement.window
  const [from, to] = window === undefined ? [whole0, whole1] : [window.from, window.to]
  const counts = window?.counts ?? measurement.counts
  const seconds = window === undefined ? measurement.seconds : (to.at - from.at) / 1000
  const figures: Record<string, number> = {}
  for (const [unit, count] of Object.entries(counts)) {
    if (count <= 0) continue
    figures[`${unit}/s`] = count / seconds
    if (from.proxyCpuUs !== undefined && to.proxyCpuUs !== undefined) figures[`CPU µs/${unit}`] = (to.proxyCpuUs - from.proxyCpuUs) / count
    if (from.backendCpuUs !== undefined && to.backendCpuUs !== undefined) figures[`backend CPU µs/${unit}`] = (to.backendCpuUs - from.backendCpuUs) / count
  }
  if (from.proxyCpuUs !== undefined && to.proxyCpuUs !== undefined) figures['CPU %'] = 100 * (to.proxyCpuUs - from.proxyCpuUs) / 1000 / (to.at - from.at)
  return figures
}
