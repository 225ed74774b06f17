/**
 * docs/metrics.md from the gateway's own registry (src/observability/metrics.ts): every metric it
 * registers, with its type, labels and help text; prom-client's default process metrics as one row.
 * @module
 */
import { collectDefaultMetrics, Registry } from 'prom-client'
import { parseConfig } from '../../src/config-load/load.js'
import { GatewayMetrics } from '../../src/observability/metrics.js'
import { code, document, generatedNotice, table } from './markdown.js'

// The opt-in metrics on, so that every metric the gateway can export is listed.
const CONFIG = `
upstreams: [{ name: llm, framework: vllm, url: "http://127.0.0.1:8000" }]
metrics: { identityLabel: { enabled: true } }
`
const PREFIX = 'infergate_'

const INTRO = `# Metrics

\`GET /metrics\` on the metrics listener (\`metrics.host:metrics.port\`, default \`127.0.0.1:9464\`;
\`metrics.bearerToken\` to require a token), in Prometheus text format, from infergate's own registry.
The gateway port never serves \`/metrics\`. Labels take only bounded sets: upstream names and route ids
from config and profiles; \`model\` only for model names the config lists (wildcards and anything else
count as \`other\`); \`reason\` is an \`IG_ERR_*\` code ([errors.md](errors.md)) or an authentication
failure reason; no identity label unless \`metrics.identityLabel.enabled\`. A Grafana dashboard and alert
rules for these metrics are in \`deploy/observability/\` ([operations.md](operations.md#metrics)).`

async function defaultNames (): Promise<Set<string>> {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: PREFIX })
  return new Set((await registry.getMetricsAsJSON()).map(metric => metric.name))
}

export async function renderMetrics (): Promise<string> {
  const { registry } = new GatewayMetrics(parseConfig(CONFIG, 'docs/render/metrics.ts', {}), '0.0.0')
  const defaults = await defaultNames()
  const rows = (await registry.getMetricsAsJSON()).filter(metric => !defaults.has(metric.name)).map(metric => {
    const labels = (registry.getSingleMetric(metric.name) as { readonly labelNames?: readonly string[] } | undefined)?.labelNames ?? []
    return [code(metric.name), String(metric.type), labels.map(code).join(', '), metric.help]
  })
  rows.push([`${code(`${PREFIX}process_*`)}, ${code(`${PREFIX}nodejs_*`)}`, '', '', 'process CPU, memory, file descriptors, event loop lag, GC (prom-client\'s default metrics)'])
  return document([generatedNotice('src/observability/metrics.ts (the registry)'), INTRO, table(['metric', 'type', 'labels', 'meaning'], rows)])
}
