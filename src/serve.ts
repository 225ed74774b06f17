/**
 * Listening and graceful shutdown: on SIGTERM/SIGINT stop accepting, answer /readyz with 503, let
 * in-flight requests and streams finish for up to `server.drainTimeout`, then cut what is left.
 * @module
 */
import { buildGateway, type Gateway } from './app.js'
import { durationMs } from './lib/duration.js'
import type { Config } from './config/schema.js'
import { isLoopback } from './guards/address-policy.js'
import { startMetricsServer, type MetricsServer } from './observability/metrics-server.js'
import { listenFailure } from './server/listen-failure.js'

export interface RunningGateway extends Gateway {
  /** http://host:port the gateway listens on. */
  readonly url: string
  /** http://host:port of the metrics listener (GET /metrics). */
  readonly metricsUrl: string
  /** Drains, then closes; resolves when every connection is gone. */
  shutdown (): Promise<void>
}

export async function startGateway (config: Config): Promise<RunningGateway> {
  const gateway = await buildGateway(config)
  const { app, state } = gateway
  if (config.logging.bodies) {
    app.log.warn('logging.bodies is ON: request bodies (prompts) go to the logs. Debugging only; turn it off in production.')
  }
  if (!isLoopback(config.metrics.host) && config.metrics.bearerToken === undefined) {
    app.log.warn({ host: config.metrics.host }, 'the metrics listener is not on loopback and has no metrics.bearerToken: anyone who reaches it can scrape')
  }
  // Whichever listener fails, what was built (pools, key-file watchers, Redis) is closed, so that the
  // process exits with the error instead of lingering.
  let metricsServer: MetricsServer
  try {
    metricsServer = await startMetricsServer(config.metrics, gateway.metrics.registry)
  } catch (err) {
    await app.close()
    throw listenFailure('the metrics listener', config.metrics.host, config.metrics.port, err)
  }
  app.addHook('onClose', () => metricsServer.close())
  app.log.info({ url: `${metricsServer.url}/metrics` }, 'metrics listening')
  let url: string
  try {
    url = await app.listen({ host: config.listen.host, port: config.listen.port })
  } catch (err) {
    await app.close()
    throw listenFailure('the gateway', config.listen.host, config.listen.port, err)
  }
  const drainMs = durationMs(config.server.drainTimeout)
  let closing: Promise<void> | undefined

  function shutdown (): Promise<void> {
    closing ??= (async () => {
      state.draining = true
      app.log.info({ drainTimeoutMs: drainMs }, 'draining: no new connections')
      const deadline = setTimeout(() => {
        app.log.warn('drain timeout reached: closing the remaining connections')
        app.server.closeAllConnections()
      }, drainMs)
      deadline.unref()
      await app.close()
      clearTimeout(deadline)
      app.log.info('stopped')
    })()
    return closing
  }

  return { ...gateway, url, metricsUrl: metricsServer.url, shutdown }
}
