/**
 * The metrics listener: GET /metrics in Prometheus text format, on its own host and port (default
 * 127.0.0.1:9464), never on the gateway's port. With `metrics.bearerToken`, scrapers must present it.
 * @module
 */
import { timingSafeEqual, createHash } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import type { Config } from '../config/schema.js'

export interface MetricsServer {
  readonly url: string
  close (): Promise<void>
}

const digest = (value: string) => createHash('sha256').update(value).digest()

export async function startMetricsServer (config: Config['metrics'], registry: Registry): Promise<MetricsServer> {
  const expected = config.bearerToken === undefined ? undefined : digest(`Bearer ${config.bearerToken}`)

  async function handle (request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'GET' || (request.url !== '/metrics' && !request.url?.startsWith('/metrics?'))) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
      return
    }
    if (expected !== undefined && !timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) {
      response.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="infergate-metrics"' }).end('unauthorized\n')
      return
    }
    const body = await registry.metrics()
    response.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(body)
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end()
    })
  })
  server.listen(config.port, config.host)
  await once(server, 'listening')
  const { address, port } = server.address() as AddressInfo
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: async () => {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    }
  }
}
