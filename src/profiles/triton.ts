import { noModel, pathModel, type Profile, type RouteRule, type Streaming } from './types.js'

const modelRoutes = (id: string, method: string, suffix: string, streaming: Streaming, group?: string): RouteRule[] => {
  const common = { methods: [method], model: pathModel, streaming, ...(group === undefined ? {} : { group }) }
  return [
    { id, path: `/v2/models/{model}${suffix}`, ...common },
    { id: `${id}-version`, path: `/v2/models/{model}/versions/{version}${suffix}`, ...common }
  ]
}

/**
 * Triton's KServe v2 HTTP API: inference, generate, model metadata and readiness; model config as an
 * opt-in group (Triton's clients read it before inferring, but it can expose backend parameters and
 * paths). Repository, shared-memory, logging, trace and statistics routes are never allowed
 * (src/http_server.cc; CVE-2025-23319, CVE-2025-23320, CVE-2025-23334 chain through shared memory).
 */
export const triton: Profile = {
  framework: 'triton',
  healthPath: '/v2/health/ready',
  envelope: 'kserve',
  envelopePaths: { '/v2': 'kserve' },
  // Triton matches /v2/models/stats (statistics) before its model routes.
  reservedModelNames: ['stats'],
  // HTTPAPIServer::Handle (src/http_server.cc) matches the raw URI and never unescapes it.
  pathDecoding: 'raw',
  // Its refused routes are listed in the README and test/integration/routes-denied.test.ts.
  denied: [],
  rules: [
    ...modelRoutes('infer', 'POST', '/infer', 'never'),
    ...modelRoutes('generate', 'POST', '/generate', 'never'),
    ...modelRoutes('generate-stream', 'POST', '/generate_stream', 'always'),
    ...modelRoutes('model-metadata', 'GET', '', 'never'),
    ...modelRoutes('model-ready', 'GET', '/ready', 'never'),
    ...modelRoutes('model-config', 'GET', '/config', 'never', 'model-config'),
    { id: 'health-ready', methods: ['GET'], path: '/v2/health/ready', model: noModel, streaming: 'never' },
    { id: 'health-live', methods: ['GET'], path: '/v2/health/live', model: noModel, streaming: 'never' }
  ]
}
