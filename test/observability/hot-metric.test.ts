import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { HotMetric } from '../../src/observability/hot-metric.js'

const BUCKETS = [0.001, 0.01, 0.1, 1, 10]
// On a bound, between bounds, below the first, above the last (only +Inf), zero, and sums whose
// floating-point rounding depends on the order of additions.
const OBSERVATIONS: ReadonlyArray<readonly [string, string, number]> = [
  ['vllm', 'chat', 0.1], ['vllm', 'chat', 0.2], ['triton', 'infer', 0.0004], ['vllm', 'chat', 0.001],
  ['vllm', 'chat', 42], ['triton', 'infer', 0], ['vllm', 'chat', 0.30000000000000004], ['tricky "\\\n', 'x', 5]
]

test('a hot histogram prints exactly what prom-client\'s Histogram prints for the same observations', async () => {
  const hot = new Registry()
  const reference = new Registry()
  const help = 'Latency, with a "quote" and a \\ backslash.'
  const histogram = new HotMetric(hot, { type: 'histogram', name: 'h_seconds', help, labelNames: ['upstream', 'route'], buckets: BUCKETS })
  const own = new Histogram({ name: 'h_seconds', help, labelNames: ['upstream', 'route'], buckets: BUCKETS, registers: [reference] })
  // Resolved but never observed: neither prints it.
  histogram.labels('idle', 'none')
  own.labels({ upstream: 'idle', route: 'none' })
  for (const [upstream, route, value] of OBSERVATIONS) {
    histogram.labels(upstream, route).observe(value)
    own.observe({ upstream, route }, value)
  }
  const text = await hot.metrics()
  assert.equal(text, await reference.metrics())
  // What that means, spelled out for one series: cumulative buckets, +Inf, sum and count.
  assert.match(text, /^h_seconds_bucket\{le="0\.001",upstream="vllm",route="chat"\} 1$/m)
  assert.match(text, /^h_seconds_bucket\{le="0\.1",upstream="vllm",route="chat"\} 2$/m)
  assert.match(text, /^h_seconds_bucket\{le="10",upstream="vllm",route="chat"\} 4$/m)
  assert.match(text, /^h_seconds_bucket\{le="\+Inf",upstream="vllm",route="chat"\} 5$/m)
  assert.match(text, /^h_seconds_count\{upstream="vllm",route="chat"\} 5$/m)
  assert.doesNotMatch(text, /idle/)
})

test('a hot histogram without labels prints at zero from the start, as prom-client\'s does', async () => {
  const hot = new Registry()
  const reference = new Registry()
  const histogram = new HotMetric(hot, { type: 'histogram', name: 'overhead_seconds', help: 'h', labelNames: [], buckets: BUCKETS })
  const own = new Histogram({ name: 'overhead_seconds', help: 'h', buckets: BUCKETS, registers: [reference] })
  assert.equal(await hot.metrics(), await reference.metrics())
  histogram.labels().observe(0.05)
  own.observe(0.05)
  assert.equal(await hot.metrics(), await reference.metrics())
})

test('hot counters and gauges print what prom-client\'s Counter and Gauge print', async () => {
  const hot = new Registry()
  const reference = new Registry()
  const counter = new HotMetric(hot, { type: 'counter', name: 'c_total', help: 'c', labelNames: ['model', 'kind'] })
  const gauge = new HotMetric(hot, { type: 'gauge', name: 'g', help: 'g', labelNames: ['upstream'] })
  const ownCounter = new Counter({ name: 'c_total', help: 'c', labelNames: ['model', 'kind'], registers: [reference] })
  const ownGauge = new Gauge({ name: 'g', help: 'g', labelNames: ['upstream'], registers: [reference] })

  counter.labels('llama', 'prompt').inc(12)
  ownCounter.inc({ model: 'llama', kind: 'prompt' }, 12)
  counter.labels('other', 'completion').inc(0)
  ownCounter.inc({ model: 'other', kind: 'completion' }, 0)
  counter.labels('llama', 'prompt').inc()
  ownCounter.inc({ model: 'llama', kind: 'prompt' })
  counter.labels('unused', 'prompt')
  ownCounter.labels({ model: 'unused', kind: 'prompt' })
  for (const [upstream, steps] of [['vllm', [1, 1, -1]], ['triton', [1, -1]]] as const) {
    const series = gauge.labels(upstream)
    for (const step of steps) {
      if (step > 0) series.inc()
      else series.dec()
      ownGauge.inc({ upstream }, step)
    }
  }
  gauge.labels('torchserve')
  ownGauge.labels({ upstream: 'torchserve' })

  const text = await hot.metrics()
  assert.equal(text, await reference.metrics())
  assert.match(text, /^c_total\{model="llama",kind="prompt"\} 13$/m)
  assert.match(text, /^g\{upstream="triton"\} 0$/m)
  assert.doesNotMatch(text, /unused|torchserve/)
})
