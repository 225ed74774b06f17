/** The checks a JSON schema cannot express: URLs, uniqueness, groups that must exist. */
import { optionalGroups } from '../profiles/index.js'
import type { Config } from './schema.js'

function urlProblem (value: string): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'must be an absolute http:// or https:// URL'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http:// or https://'
  if (url.username !== '' || url.password !== '') return 'must not hold credentials (use headers)'
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') return 'must be an origin only (scheme, host, port), without a path'
  return undefined
}

export function semanticProblems (config: Config): string[] {
  const problems: string[] = []
  const names = new Set<string>()
  config.upstreams.forEach((upstream, i) => {
    const at = `upstreams[${i}]`
    if (names.has(upstream.name)) problems.push(`${at}.name: "${upstream.name}" is used by another upstream`)
    names.add(upstream.name)
    const url = urlProblem(upstream.url)
    if (url !== undefined) problems.push(`${at}.url: ${url}`)
    const groups = optionalGroups(upstream.framework)
    upstream.routes.forEach((group, j) => {
      if (!groups.includes(group)) {
        problems.push(`${at}.routes[${j}]: "${group}" is not an optional route group of ${upstream.framework}` +
          (groups.length > 0 ? ` (one of ${groups.join(', ')})` : ' (it has none)'))
      }
    })
  })
  const digests = new Map<string, string>()
  config.auth.apiKeys.forEach((key, i) => {
    const other = digests.get(key.sha256)
    if (other !== undefined && other !== key.id) {
      problems.push(`auth.apiKeys[${i}].sha256: the same key is already given to "${other}"`)
    }
    digests.set(key.sha256, key.id)
  })
  if (config.listen.host === config.metrics.host && config.listen.port === config.metrics.port && config.listen.port !== 0) {
    problems.push('metrics.port: must differ from listen.port (metrics never share the main listener)')
  }
  return problems
}
