/**
 * Metrics for the per-request path. prom-client's children re-validate and re-hash their labels on
 * every update (microseconds per request across the gateway's series); here a series is resolved
 * once to an object whose updates are plain number writes, and prom-client's Registry formats it
 * at scrape time, in the same text as its own Counter, Gauge and Histogram.
 * @module
 */
import type { Metric, Registry } from 'prom-client'

type HotMetricType = 'counter' | 'gauge' | 'histogram'

export interface CounterSeries { inc (by?: number): void }
export interface GaugeSeries extends CounterSeries { dec (by?: number): void }
export interface HistogramSeries { observe (value: number): void }
interface SeriesOf { counter: CounterSeries, gauge: GaugeSeries, histogram: HistogramSeries }

type LabelValues<L extends readonly string[]> = { readonly [K in keyof L]: string }
type Labels = Record<string, string | number>
type Trie = Map<string, Trie | Series>

/** A counter's or gauge's value, or a histogram's per-bucket counts, sum and count. */
class Series implements GaugeSeries, HistogramSeries {
  /** The counter's or gauge's value; a histogram's sum. */
  value = 0
  count = 0
  /** Like prom-client's children, a series is exposed once updated, not once resolved. */
  touched = false
  readonly labels: Labels
  readonly bounds: readonly number[]
  /** Per bucket, not cumulative: an observation above the last bound is only in `count` (+Inf). */
  readonly counts: Float64Array

  constructor (labels: Labels, bounds: readonly number[]) {
    this.labels = labels
    this.bounds = bounds
    this.counts = new Float64Array(bounds.length)
  }

  inc (by = 1): void {
    this.value += by
    this.touched = true
  }

  dec (by = 1): void {
    this.value -= by
    this.touched = true
  }

  observe (value: number): void {
    // prom-client's bucket: the first bound the value does not exceed.
    let bucket = 0
    for (const bound of this.bounds) {
      if (value <= bound) break
      bucket++
    }
    if (bucket < this.counts.length) this.counts[bucket] = (this.counts[bucket] as number) + 1
    this.value += value
    this.count++
    this.touched = true
  }
}

interface HotMetricOptions<T extends HotMetricType, L extends readonly string[]> {
  readonly type: T
  readonly name: string
  readonly help: string
  readonly labelNames: L
  /** Histograms only: upper bounds, ascending, without +Inf. */
  readonly buckets?: readonly number[]
}

export class HotMetric<T extends HotMetricType, const L extends readonly string[]> {
  readonly type: T
  readonly name: string
  readonly help: string
  readonly aggregator = 'sum'
  /** Public like prom-client's own metrics' (docs/metrics.md reads it from the registry). */
  readonly labelNames: L
  readonly #buckets: readonly number[]
  readonly #trie: Trie = new Map()
  /** In creation order, for the exposition. */
  readonly #series: Series[] = []

  constructor (registry: Registry, options: HotMetricOptions<T, L>) {
    this.type = options.type
    this.name = options.name
    this.help = options.help
    this.labelNames = options.labelNames
    this.#buckets = options.buckets ?? []
    // prom-client shows a metric without labels from the start, at zero.
    if (options.labelNames.length === 0) this.#resolve([]).touched = true
    // The Registry reads only name, help, type, aggregator and get(); its type names prom-client's classes.
    registry.registerMetric(this as unknown as Metric)
  }

  /** The series of these label values, created on first use: resolve once and keep it where possible. */
  labels (...values: LabelValues<L>): SeriesOf[T] {
    return this.#resolve(values)
  }

  #resolve (values: readonly string[]): Series {
    // One Map level per label: finding a series joins no strings and allocates nothing.
    let node = this.#trie
    const last = values.length - 1
    for (let i = 0; i < last; i++) {
      const value = values[i] as string
      let next = node.get(value) as Trie | undefined
      if (next === undefined) node.set(value, next = new Map())
      node = next
    }
    // Without labels, the one series sits under ''.
    const value = values[last] ?? ''
    let series = node.get(value) as Series | undefined
    if (series === undefined) {
      const labels = Object.fromEntries(this.labelNames.map((name, i) => [name, values[i] as string]))
      node.set(value, series = new Series(labels, this.#buckets))
      this.#series.push(series)
    }
    return series
  }

  /** The shape of prom-client's own get(), with a histogram's labels already splayed (`le` first). */
  get () {
    const values: Array<{ metricName?: string, labels: Labels, value: number }> = []
    for (const series of this.#series) {
      if (!series.touched) continue
      if (this.type !== 'histogram') {
        values.push({ labels: series.labels, value: series.value })
        continue
      }
      const bucket = `${this.name}_bucket`
      let cumulative = 0
      this.#buckets.forEach((le, i) => {
        cumulative += series.counts[i] as number
        values.push({ metricName: bucket, labels: { le, ...series.labels }, value: cumulative })
      })
      values.push(
        { metricName: bucket, labels: { le: '+Inf', ...series.labels }, value: series.count },
        { metricName: `${this.name}_sum`, labels: series.labels, value: series.value },
        { metricName: `${this.name}_count`, labels: series.labels, value: series.count }
      )
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }
}
