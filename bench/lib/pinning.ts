/**
 * CPU pinning with taskset: the proxy under test alone on core 1, the backend and the load generator
 * (this process) on core 0, so the proxy's throughput is not limited by sharing a core with its load.
 * @module
 */
import { spawnSync } from 'node:child_process'
import { availableParallelism } from 'node:os'

export type Role = 'proxy' | 'load'

export interface Pinning {
  readonly enabled: boolean
  /** One line for the console and the report. */
  readonly description: string
  /** The command line that starts `command` on the role's core. */
  wrap (role: Role, command: string, args: readonly string[]): [string, string[]]
}

const CORES: Record<Role, string> = { proxy: '1', load: '0' }

export function setUpPinning (): Pinning {
  const cores = availableParallelism()
  const hasTaskset = spawnSync('taskset', ['-V']).status === 0
  const reason = process.env['BENCH_NO_PIN'] === '1'
    ? 'disabled by BENCH_NO_PIN=1'
    : !hasTaskset ? 'taskset not found' : cores < 2 ? `only ${cores} core` : undefined
  if (reason !== undefined) {
    return { enabled: false, description: `not pinned (${reason}): proxy, backend and load share all cores`, wrap: (_, c, a) => [c, [...a]] }
  }
  // -a: every thread of this process (libuv pool, V8 helpers), not only the main one
  spawnSync('taskset', ['-a', '-p', '-c', CORES.load, String(process.pid)])
  return {
    enabled: true,
    description: `taskset: proxy on core ${CORES.proxy}; backend and load generator on core ${CORES.load} (${cores} cores)`,
    wrap: (role, command, args) => ['taskset', ['-c', CORES[role], command, ...args]]
  }
}
