/**
 * HAProxy from the system's package (never installed by the bench): one thread, so its CPU compares
 * with one Node event loop. `option http-no-delay` sends each SSE event at once instead of
 * coalescing small writes.
 * @module
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { which, type Contender } from '../lib/contender.js'
import { freePort } from '../../src/emulators/free-port.js'
import { routes } from './native.js'

export const contender: Contender = {
  name: 'haproxy',
  description: 'HAProxy, 1 thread, no policy',
  policy: false,
  unavailable: () => which('haproxy') === undefined ? 'haproxy is not installed (apt-get install haproxy)' : undefined,
  clientHeaders: backend => backend.headers,
  launch: async (backends, dir) => {
    const port = await freePort()
    const list = routes(backends)
    const config = [
      'global',
      '  nbthread 1',
      // HAProxy wants 2 fds per connection: 9,000 fits the common 20,000-fd limit and 5,000 streams.
      '  maxconn 9000',
      'defaults',
      '  mode http',
      '  timeout connect 10s',
      '  timeout client 5m',
      '  timeout server 5m',
      '  option http-no-delay',
      '  http-reuse always',
      'frontend bench',
      `  bind 127.0.0.1:${port}`,
      ...list.map(route => `  use_backend ${route.name} if { path_beg ${route.prefix} }`),
      ...list.flatMap(route => [`backend ${route.name}`, `  server s1 ${route.hostPort} maxconn 10000`]),
      ''
    ].join('\n')
    const file = join(dir, 'haproxy.cfg')
    await writeFile(file, config)
    return { kind: 'native', command: 'haproxy', args: ['-db', '-f', file], port }
  }
}
