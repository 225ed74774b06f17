/** A test's own server (an upstream that misbehaves in one precise way) on a free loopback port. */
import { once } from 'node:events'
import type { Server as HttpServer } from 'node:http'
import type { AddressInfo, Server } from 'node:net'
import type { TestContext } from 'node:test'

/** Listens on 127.0.0.1:0 and closes with the test; returns the server's URL. */
export async function listen (t: TestContext, server: Server): Promise<string> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => new Promise(resolve => {
    server.close(resolve)
    // http servers: requests a failed test left hanging must not hold the close.
    if ('closeAllConnections' in server) (server as HttpServer).closeAllConnections()
  }))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}
