/** Order statistics and ratios for the report; undefined propagates where a figure does not apply. */

export function percentile (values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] as number
}

export function median (values: readonly number[]): number {
  return percentile(values, 50)
}

export function ratio (value: number | undefined, baseline: number | undefined): number | undefined {
  if (value === undefined || baseline === undefined || baseline === 0 || !Number.isFinite(value) || !Number.isFinite(baseline)) return undefined
  return value / baseline
}
