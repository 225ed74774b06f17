/**
 * nginx from the system's package (never installed by the bench): a single process (no master, one
 * worker) so /proc accounts all of it. `proxy_buffering off` passes SSE events through as they come.
 * @module
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { which, type Contender } from '../lib/contender.js'
import { freePort } from '../../src/emulators/free-port.js'
import { routes } from './native.js'

export const contender: Contender = {
  name: 'nginx',
  description: 'nginx, 1 worker, no policy',
  policy: false,
  unavailable: () => which('nginx') === undefined ? 'nginx is not installed (apt-get install nginx-light)' : undefined,
  clientHeaders: backend => backend.headers,
  launch: async (backends, dir) => {
    const port = await freePort()
    const list = routes(backends)
    const config = [
      'daemon off;',
      'master_process off;',
      'worker_processes 1;',
      'worker_rlimit_nofile 20000;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      'events { worker_connections 16000; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${join(dir, 'body')};`,
      `  proxy_temp_path ${join(dir, 'proxy')};`,
      ...list.map(route => `  upstream ${route.name} { server ${route.hostPort}; keepalive 1024; }`),
      '  server {',
      `    listen 127.0.0.1:${port};`,
      '    client_max_body_size 64m;',
      '    proxy_http_version 1.1;',
      '    proxy_set_header Connection "";',
      '    proxy_buffering off;',
      '    proxy_request_buffering off;',
      '    proxy_read_timeout 5m;',
      ...list.map(route => `    location ${route.prefix} { proxy_pass http://${route.name}; }`),
      '  }',
      '}',
      ''
    ].join('\n')
    const file = join(dir, 'nginx.conf')
    await writeFile(file, config)
    return { kind: 'native', command: 'nginx', args: ['-p', dir, '-c', file], port }
  }
}
