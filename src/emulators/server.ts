import { EventEmitter, once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
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
}

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
      await closed
    }
  }
}
