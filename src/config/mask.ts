import type { Config } from './schema.js'

const MASK = '********'

/** The config as check-config prints it: backend credentials and the scrape token masked. */
export function maskSecrets (config: Config): Config {
  const { bearerToken, ...metrics } = config.metrics
  return {
    ...config,
    metrics: bearerToken === undefined ? metrics : { ...metrics, bearerToken: MASK },
    upstreams: config.upstreams.map(upstream => ({
      ...upstream,
      headers: Object.fromEntries(Object.keys(upstream.headers).map(name => [name, MASK]))
    }))
  }
}
