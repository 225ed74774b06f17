import { createHash } from 'node:crypto'
import { EventEmitter, once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { DEFAULT_SETTINGS, Exchange, type Reply } from './exchange.js'
import type { Emulator, EmulatorOptions, Framework, RecordedRequest } from './types.js'

/** What makes one framework's emulator: its defaults, its error shape, its routes. */
export interface Backend {
  framework: Framework
  defaultModels: readonly string[]
  /** The answer for the status-500 failure, in the framework's own error shape. */
  internalError: Reply
  /** Called once the request body has been read. */
  handle: (exchange: Exchange) => void
  /** Paths that accept a WebSocket handshake (101); a handshake to any other path gets 403, as uvicorn answers. */
  websockets?: ReadonlySet<string>
}

// RFC 6455 4.2.2: the key's accept value.
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
const FORBIDDEN_UPGRADE = 'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'

const EMPTY_BODY = Buffer.alloc(0)

export async function startServer (backend: Backend, opts: EmulatorOptions): Promise<Emulator> {
  const host = opts.host ?? '127.0.0.1'
  const options: EmulatorOptions = { ...DEFAULT_SETTINGS, host, port: 0, models: [...backend.defaultModels], ...opts }
  const received: RecordedRequest[] = []
  const events = new EventEmitter()
  const open = new Set<Exchange>()

  const server = createServer((req, res) => {
    const record: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: EMPTY_BODY, outcome: 'pending' }
    received.push(record)
    const exchange = new Exchange(req, res, record, options, backend.internalError, () => {
      open.delete(exchange)
      events.emit('settled', record)
    })
    open.add(exchange)
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => { chunks.push(chunk) })
    req.on('end', () => {
      record.body = Buffer.concat(chunks)
      events.emit('request', record)
      backend.handle(exchange)
    })
  })

  // A handshake is recorded like any request; a tunnel stays open until the client or close() ends it.
  const tunnels = new Set<Socket>()
  server.on('upgrade', (req, socket: Socket) => {
    const url = req.url ?? ''
    const record: RecordedRequest = { method: req.method ?? '', url, headers: req.headers, body: EMPTY_BODY, outcome: 'completed' }
    received.push(record)
    events.emit('request', record)
    const path = url.split('?', 1)[0] as string
    const key = req.headers['sec-websocket-key']
    if (backend.websockets?.has(path) !== true || req.headers.upgrade?.toLowerCase() !== 'websocket' || key === undefined) {
      socket.end(FORBIDDEN_UPGRADE)
      return
    }
    const accept = createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64')
    tunnels.add(socket)
    socket.on('close', () => tunnels.delete(socket)).on('error', () => {})
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`)
  })

  server.listen(opts.port ?? 0, host)
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo

  return {
    framework: backend.framework,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    options,
    received,
    events,
    reset: () => { received.length = 0 },
    close: async () => {
      // stop generation now rather than when each socket's close event comes round
      for (const exchange of open) exchange.cancel()
      const closed = new Promise<void>(resolve => { server.close(() => { resolve() }) })
      server.closeAllConnections()
      for (const socket of tunnels) socket.destroy()
      await closed
    }
  }
}
