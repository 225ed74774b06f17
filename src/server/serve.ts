/**
 * Listening and graceful shutdown: on SIGTERM/SIGINT stop accepting, answer /readyz with 503, let
 * in-flight requests and streams finish for up to `server.drainTimeout`, then cut what is left.
 * @module
 */
import { buildGateway, type Gateway, type GatewayOptions } from '../app.js'
import { durationMs } from '../config/duration.js'
import type { Config } from '../config/schema.js'

export interface RunningGateway extends Gateway {
  /** http://host:port the gateway listens on. */
  readonly url: string
  /** Drains, then closes; resolves when every connection is gone. */
  shutdown (): Promise<void>
}

export async function startGateway (config: Config, options: GatewayOptions = {}): Promise<RunningGateway> {
  const gateway = buildGateway(config, options)
  const { app, state } = gateway
  const url = await app.listen({ host: config.listen.host, port: config.listen.port })
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

  return { ...gateway, url, shutdown }
}
