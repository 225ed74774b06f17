/**
 * infergate with everything on: API-key auth, route policy, model scopes, request, concurrency and
 * token limits (set high enough never to refuse), metrics and an access line per request.
 */
import { infergate } from './infergate.js'

export const contender = infergate({
  name: 'infergate-everything',
  description: 'infergate, auth + policy + scopes + limits + metrics + access logs',
  config: base => ({
    ...base,
    logging: { level: 'info' },
    auth: {
      apiKeys: (base['auth'] as { apiKeys: Array<Record<string, unknown>> }).apiKeys
        // An explicit list, not "*", so that the scope check does real work.
        .map(key => ({ ...key, models: (base['upstreams'] as Array<{ models: string[] }>).flatMap(u => u.models) }))
    },
    rateLimit: {
      max: 1_000_000_000,
      timeWindow: '1 minute',
      concurrency: 1_000_000,
      tokens: { max: 1_000_000_000_000, timeWindow: '1 minute', defaultMaxTokens: 1024 }
    }
  })
})
