import type { Config } from './schema.js'

const MASK = '********'

/** The config as check-config prints it: backend credentials, the scrape token and the Redis password masked. */
function maskUrlPassword (url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password === '') return url
    parsed.password = MASK
    return parsed.href
  } catch {
    return MASK
  }
}

export function maskSecrets (config: Config): Config {
  const { bearerToken, ...metrics } = config.metrics
  const redis = config.rateLimit?.redis
  return {
    ...config,
    ...(config.rateLimit === undefined || redis === undefined
      ? {}
      : { rateLimit: { ...config.rateLimit, redis: { ...redis, url: maskUrlPassword(redis.url) } } }),
    metrics: bearerToken === undefined ? metrics : { ...metrics, bearerToken: MASK },
    upstreams: config.upstreams.map(upstream => ({
      ...upstream,
      headers: Object.fromEntries(Object.keys(upstream.headers).map(name => [name, MASK]))
    }))
  }
}
