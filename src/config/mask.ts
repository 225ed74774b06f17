import type { Config } from './schema.js'

const MASK = '********'

/** The config as check-config prints it: upstream header values (backend credentials) masked. */
export function maskSecrets (config: Config): Config {
  return {
    ...config,
    upstreams: config.upstreams.map(upstream => ({
      ...upstream,
      headers: Object.fromEntries(Object.keys(upstream.headers).map(name => [name, MASK]))
    }))
  }
}
