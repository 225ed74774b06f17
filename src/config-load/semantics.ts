/** The checks a JSON schema cannot express: URLs, uniqueness, groups, guard rules that must exist, CORS origins. */
import { guardsProblems } from '../guards/settings.js'
import { optionalGroups } from '../profiles/index.js'
import { durationMs } from '../lib/duration.js'
import type { Config } from '../config/schema.js'

function httpUrl (value: string): URL | string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'must be an absolute http:// or https:// URL'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http:// or https://'
  if (url.username !== '' || url.password !== '') return 'must not hold credentials (use headers)'
  return url
}

function upstreamUrlProblem (value: string): string | undefined {
  const url = httpUrl(value)
  if (typeof url === 'string') return url
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') return 'must be an origin only (scheme, host, port), without a path'
  return undefined
}

const KEY_SOURCES = ['jwksUri', 'publicKeys', 'jwksFile', 'secret'] as const

function jwtProblems (config: Config): string[] {
  const problems: string[] = []
  const issuers = new Set<string>()
  config.auth.jwt.forEach((jwt, i) => {
    const at = `auth.jwt[${i}]`
    if (issuers.has(jwt.issuer)) problems.push(`${at}.issuer: "${jwt.issuer}" is configured twice`)
    issuers.add(jwt.issuer)
    const sources = KEY_SOURCES.filter(key => jwt[key] !== undefined)
    if (sources.length !== 1) problems.push(`${at}: needs exactly one of ${KEY_SOURCES.join(', ')}${sources.length > 1 ? ` (has ${sources.join(', ')})` : ''}`)
    // No key confusion: a shared secret only with HMAC algorithms, public keys only with the others.
    const hmac = (jwt.algorithms as readonly string[]).filter(a => a.startsWith('HS'))
    if (jwt.secret !== undefined && hmac.length !== jwt.algorithms.length) {
      problems.push(`${at}.algorithms: with a shared secret only HS256, HS384, HS512 are allowed`)
    } else if (jwt.secret === undefined && hmac.length > 0) {
      problems.push(`${at}.algorithms: ${hmac.join(', ')} needs a shared secret, never public keys`)
    }
    if (jwt.jwksUri !== undefined) {
      const url = httpUrl(jwt.jwksUri)
      if (typeof url === 'string') problems.push(`${at}.jwksUri: ${url}`)
    }
  })
  return problems
}

const CREDENTIALED_WILDCARD = 'cannot be used with cors.credentials: true (browsers read it as a header named "*"); list the headers'

/** Browsers compare the Origin header byte for byte: an entry is kept only in the form they send. */
function corsProblems (cors: NonNullable<Config['cors']>): string[] {
  const problems: string[] = []
  cors.origins.forEach((origin, i) => {
    const at = `cors.origins[${i}]`
    if (origin === '*') {
      if (cors.origins.length > 1) problems.push(`${at}: "*" must be the only entry`)
      else if (cors.credentials) problems.push('cors.origins: "*" cannot be used with cors.credentials: true (browsers refuse a wildcard on credentialed requests); list the origins')
      return
    }
    if (origin === 'null') {
      problems.push(`${at}: "null" is the origin of every sandboxed frame and file: page; it cannot be allowed`)
      return
    }
    const url = httpUrl(origin)
    if (typeof url === 'string') {
      problems.push(`${at}: must be an http:// or https:// origin, e.g. https://app.example.com`)
    } else if (url.origin !== origin) {
      problems.push(`${at}: must be an origin as browsers send it, scheme://host[:port] without a path or trailing slash (${url.origin})`)
    }
  })
  if (cors.credentials) {
    if (cors.allowHeaders.includes('*')) problems.push(`cors.allowHeaders: "*" ${CREDENTIALED_WILDCARD}`)
    if (cors.exposeHeaders.includes('*')) problems.push(`cors.exposeHeaders: "*" ${CREDENTIALED_WILDCARD}`)
  }
  return problems
}

export function semanticProblems (config: Config): string[] {
  const problems: string[] = []
  const names = new Set<string>()
  config.upstreams.forEach((upstream, i) => {
    const at = `upstreams[${i}]`
    if (names.has(upstream.name)) problems.push(`${at}.name: "${upstream.name}" is used by another upstream`)
    names.add(upstream.name)
    const url = upstreamUrlProblem(upstream.url)
    if (url !== undefined) problems.push(`${at}.url: ${url}`)
    problems.push(...guardsProblems(upstream.framework, upstream.guards, `${at}.guards`))
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
  problems.push(...jwtProblems(config))
  if (config.cors !== undefined) problems.push(...corsProblems(config.cors))
  const requestTimeout = durationMs(config.server.requestTimeout)
  if (requestTimeout > 0 && durationMs(config.server.headersTimeout) > requestTimeout) {
    problems.push('server.headersTimeout: must not exceed server.requestTimeout (the headers are part of the request)')
  }
  if (config.listen.host === config.metrics.host && config.listen.port === config.metrics.port && config.listen.port !== 0) {
    problems.push('metrics.port: must differ from listen.port (metrics never share the main listener)')
  }
  return problems
}
