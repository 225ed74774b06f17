import type { FastifyInstance } from 'fastify'
import type { GatewayState } from '../exchange/gateway-state.js'
import type { Readiness } from './readiness.js'

/** /healthz (the process) and /readyz (the upstreams): no credential, never forwarded. */
export function registerHealthRoutes (app: FastifyInstance, readiness: Readiness, state: GatewayState): void {
  app.get('/healthz', (_request, reply) => {
    reply.header('cache-control', 'no-store').send({ status: 'ok' })
  })
  app.get('/readyz', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    if (state.draining) return reply.code(503).send({ status: 'draining' })
    const { ready, upstreams } = await readiness.check()
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unready', upstreams })
  })
}
