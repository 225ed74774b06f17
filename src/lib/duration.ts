/** Milliseconds as a number, or a string with a unit (the config schema's durations). */
export const DURATION_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hour|hours)\\s*$'

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000
}
const DURATION = new RegExp(DURATION_PATTERN.replace('\\d+(\\.\\d+)?', '(\\d+(?:\\.\\d+)?)'))

/** Milliseconds from a validated duration (a number of ms, or "30s", "5 minutes" …). */
export function durationMs (value: number | string): number {
  if (typeof value === 'number') return value
  const found = DURATION.exec(value)
  if (found === null) throw new TypeError(`not a duration: ${value}`)
  return Math.round(Number(found[1]) * (UNIT_MS[found[2] as string] as number))
}
