/** What the numbers were measured on, written at the top of every report. */
import { readFileSync } from 'node:fs'
import { availableParallelism, hostname, loadavg, totalmem } from 'node:os'

export interface Machine {
  readonly hostname: string
  readonly cpuModel: string
  readonly cores: number
  readonly memoryGb: number
  readonly node: string
  readonly loadAverageAtStart: readonly number[]
}

function cpuModel (): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

export function describeMachine (): Machine {
  return {
    hostname: hostname(),
    cpuModel: cpuModel(),
    cores: availableParallelism(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverageAtStart: loadavg().map(value => Math.round(value * 100) / 100)
  }
}
