/**
 * Builds the gateway for a validated config: hooks and routes in request order. It never listens
 * (serve.ts does), so tests can start it on port 0.
 * @module
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import { createIdentities } from './auth/identities.js'
import type { Config } from './config/schema.js'
import { RouteNotAllowedError, shown } from './errors.js'
import type { GatewayState } from './exchange/gateway-state.js'
import type { Upstream } from './exchange/upstream.js'
import { createGuards } from './guards/index.js'
import { Readiness } from './health/readiness.js'
import { registerHealthRoutes } from './health/routes.js'
import { GatewayMetrics } from './observability/metrics.js'
import { createConnectionObserver, createObserver } from './observability/observer.js'
import { RepeatLimiter } from './observability/repeat-limiter.js'
import { createLimits } from './limits/hooks.js'
import { createForwarder } from './proxy/forward.js'
import { createBodyParser } from './proxy/request-body.js'
import { createUpstream } from './proxy/upstreams.js'
import { createRouteHooks } from './routing/hooks.js'
import { RouteTable } from './routing/route-table.js'
import { createCors } from './server/cors.js'
import { limitConnectionsPerClient } from './server/connection-limit.js'
import { createClientErrorHandler, createErrorHandler } from './server/error-handler.js'
import { handleExpect } from './policy/expect-continue.js'
import { LogDestination } from './server/log-destination.js'
import { loggerOptions } from './server/logger.js'
import { OpenRequests } from './server/open-requests.js'
import { createExchangeOpener, createRequestAdmission } from './server/request-admission.js'
import { requestIdFor } from './server/request-id.js'
import { checkingIntervalMs } from './server/request-timeout.js'
import { durationMs } from './lib/duration.js'
import { pathLength } from './policy/request-target.js'
import { VERSION } from './version.js'

export interface Gateway {
  readonly app: FastifyInstance
  readonly state: GatewayState
  readonly upstreams: readonly Upstream[]
  readonly metrics: GatewayMetrics
  /** Re-reads `auth.apiKeysFile` (what SIGHUP does). */
  reloadKeys (reason: string): Promise<void>
}

const PROXIED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']
// "client fault" warnings a second for each error code (any client can cause them at will).
const REPEATED_LINES_PER_SECOND = 10

export async function buildGateway (config: Config): Promise<Gateway> {
  const state: GatewayState = { draining: false }
  const upstreams = config.upstreams.map(upstream => createUpstream(upstream, config.limits))
  const table = new RouteTable(upstreams)
  const metrics = new GatewayMetrics(config, VERSION)
  const logDestination = new LogDestination()
  const headersTimeout = durationMs(config.server.headersTimeout)
  const requestTimeout = durationMs(config.server.requestTimeout)
  const openRequests = new OpenRequests()
  const repeats = new RepeatLimiter(REPEATED_LINES_PER_SECOND)
  const errorHandler = createErrorHandler(repeats, openRequests, target => table.envelopeFor(target))

  const app = Fastify({
    logger: loggerOptions(config.logging.level, logDestination),
    // Fastify's own per-request lines would log every request target; access logging is explicit.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request (pino serialises its bindings each time): the few lines logged
    // about a request carry its reqId themselves.
    childLoggerFactory: logger => logger,
    requestIdHeader: false,
    genReqId: requestIdFor,
    // Draining is answered by request admission, in infergate's error shape.
    return503OnClosing: false,
    // Read only by fastify's own buffering parsers, which are removed below: the '*' parser
    // (request-body.ts) enforces each upstream's limit itself.
    bodyLimit: config.limits.bodyBytes,
    keepAliveTimeout: durationMs(config.server.keepAliveTimeout),
    requestTimeout,
    // Slow clients (src/server/request-timeout.ts): both bounds checked often enough to be precise.
    // A missing Host is refused by request admission, in infergate's error shape.
    http: {
      maxHeaderSize: config.limits.headerBytes,
      headersTimeout,
      requestTimeout,
      connectionsCheckingInterval: checkingIntervalMs(headersTimeout, requestTimeout),
      requireHostHeader: false
    },
    routerOptions: { ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, caseSensitive: true },
    // Both are created below, once the logger exists; no request arrives before.
    clientErrorHandler: (err, socket) => { refuseConnection(err, socket) },
    // Targets the router cannot even decode (malformed or non-UTF-8 escapes) never reach a hook:
    // they get their context here, and so their access line, audit event and x-request-id.
    frameworkErrors: (error, request, reply) => {
      openExchange(request, reply)
      errorHandler(error, request, reply)
    }
  })
  const maxPerClient = config.server.maxConnectionsPerClient
  if (maxPerClient !== undefined) limitConnectionsPerClient(app.server, maxPerClient, metrics)
  handleExpect(app.server)
  const openExchange = createExchangeOpener(createObserver(metrics, app.log, config.logging), openRequests)
  const refuseConnection = createClientErrorHandler(openRequests, createConnectionObserver(metrics, app.log))
  const identities = await createIdentities(config, metrics, app.log)
  const { admit, selectByBodyModel } = createRouteHooks(table, identities.authenticate)
  app.decorateRequest('exchange', null)
  app.setErrorHandler(errorHandler)
  // CORS (src/server/cors.ts, `cors`): its headers go on before admission may refuse, preflights are
  // answered once the target is known to be canonical, before authentication.
  const cors = config.cors === undefined ? undefined : createCors(config.cors, table)
  if (cors !== undefined) app.addHook('onRequest', cors.responseHeaders)
  app.addHook('onRequest', createRequestAdmission(config.limits.pathBytes, state, openExchange, openRequests))
  if (cors !== undefined) app.addHook('onRequest', cors.preflight)
  app.setNotFoundHandler((request) => {
    const target = request.raw.url as string
    throw new RouteNotAllowedError(request.method, shown(target.slice(0, pathLength(target))))
  })

  registerHealthRoutes(app, new Readiness(upstreams, result => metrics.upstreamUp.set({ upstream: result.name }, result.ready ? 1 : 0)), state)

  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', createBodyParser())
  // Limits per identity (src/limits, `rateLimit`): requests and concurrency in preParsing (after
  // authentication, before the body is read), tokens in preHandler (after the JSON body named its
  // upstream). Empty lists when nothing is configured: then the route has no extra hook.
  const limits = createLimits(app, config, metrics)
  // Advisory guards (src/guards, `upstreams[].guards`): once the upstream is chosen, before limits
  // reserve anything; the forwarder strips headers and scrubs error bodies.
  const guards = createGuards(config, metrics)
  app.route({
    method: PROXIED_METHODS,
    url: '/*',
    onRequest: admit,
    preParsing: limits.preParsing,
    preHandler: [selectByBodyModel, ...guards.preHandler, ...limits.preHandler],
    handler: createForwarder(metrics, guards)
  })

  app.addHook('onClose', async () => {
    logDestination.close()
    identities.stop()
    await Promise.all(upstreams.map(upstream => upstream.pool.close()))
  })
  return { app, state, upstreams, metrics, reloadKeys: identities.reloadKeys }
}
