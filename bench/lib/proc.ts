/**
 * Process accounting from /proc, the same way for every contender (Node, HAProxy, nginx): CPU time is
 * the process's own utime + stime (all its threads, GC included), memory is its resident set.
 * @module
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

function clockTicks (): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
}

const MICROS_PER_TICK = 1e6 / clockTicks()

/** utime + stime of `pid` in microseconds (tick resolution, usually 10 ms). */
export function cpuMicros (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // the command name may contain spaces and parentheses: fields are counted after the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * MICROS_PER_TICK
}

/** Resident set size of `pid` in KiB. */
export function rssKb (pid: number): number {
  const match = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match === null ? 0 : Number(match[1])
}

export function procAvailable (): boolean {
  try {
    cpuMicros(process.pid)
    return true
  } catch {
    return false
  }
}

/** Polls the RSS of `pid` until stopped; returns the highest value seen (KiB). */
export function watchPeakRss (pid: number, intervalMs = 50): () => number {
  let peak = rssKb(pid)
  const timer = setInterval(() => { peak = Math.max(peak, rssKb(pid)) }, intervalMs)
  return () => {
    clearInterval(timer)
    return Math.max(peak, rssKb(pid))
  }
}
