/**
 * `server.maxConnectionsPerClient`: open connections per remote address on the listener. One address
 * opening thousands of idle sockets would otherwise hold that many file descriptors and parser
 * states until each times out; over the limit a new socket is destroyed as it is accepted, before a
 * byte is read (counted as refusals_total{reason="IG_ERR_TOO_MANY_CONNECTIONS"}, never logged: a
 * flood would flood the logs). Clients behind one NAT or proxy share an address: size it for that.
 * @module
 */
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import type { HttpErrorCode } from '../errors.js'
import type { GatewayMetrics } from '../observability/metrics.js'

const CODE: HttpErrorCode = 'IG_ERR_TOO_MANY_CONNECTIONS'

export function limitConnectionsPerClient (server: Server, max: number, metrics: GatewayMetrics): void {
  const open = new Map<string, number>()
  server.on('connection', (socket: Socket) => {
    // A socket already closed by the time it is accepted has no address: nothing to count.
    const address = socket.remoteAddress
    if (address === undefined) return
    const count = open.get(address) ?? 0
    if (count >= max) {
      metrics.refusals.labels(CODE).inc()
      socket.destroy()
      return
    }
    open.set(address, count + 1)
    socket.once('close', () => {
      const left = (open.get(address) as number) - 1
      if (left === 0) open.delete(address)
      else open.set(address, left)
    })
  })
}
