/**
 * A loopback port nothing listens on now, for programs that cannot listen on port 0 and say which
 * (redis-server, Prometheus, HAProxy, nginx, `infergate demo`). Lives beside the emulators because
 * it is harness code like them: tests and the bench both import it from here, and neither imports
 * the other.
 * @module
 */
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'

export async function freePort (): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  server.close()
  await once(server, 'close')
  return port
}
