/**
 * One raw HTTP/1.1 request over a socket: the target goes out byte for byte (HTTP clients such as
 * undici normalise some of the spellings the probe exists to test). Bounded: one deadline for the
 * whole exchange and at most `MAX_RESPONSE_BYTES` read.
 * @module
 */
import { connect as connectTcp, type Socket } from 'node:net'
import { connect as connectTls } from 'node:tls'

/** Enough for a status line, headers and the start of an error body. */
const MAX_RESPONSE_BYTES = 16_384

export interface RawRequest {
  readonly url: URL
  readonly method: string
  readonly target: string
  readonly headers: Readonly<Record<string, string>>
  readonly timeoutMs: number
}

/** `status` 0: no HTTP answer (`error` says why). `body` is what arrived of it, as latin1. */
export interface RawAnswer {
  readonly status: number
  readonly body: string
  readonly error?: string
}

function open (url: URL): Socket {
  const port = Number(url.port !== '' ? url.port : url.protocol === 'https:' ? 443 : 80)
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  return url.protocol === 'https:' ? connectTls({ host, port, servername: host }) : connectTcp({ host, port })
}

export function sendRaw (request: RawRequest): Promise<RawAnswer> {
  const head = [`${request.method} ${request.target} HTTP/1.1`, `Host: ${request.url.host}`,
    ...Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`), 'Connection: close', '', '']
  return new Promise(resolve => {
    const socket = open(request.url)
    const chunks: Buffer[] = []
    let received = 0
    const finish = (error?: string): void => {
      clearTimeout(deadline)
      socket.destroy()
      const text = Buffer.concat(chunks).toString('latin1')
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0)
      const bodyStart = text.indexOf('\r\n\r\n')
      const body = bodyStart === -1 ? '' : text.slice(bodyStart + 4)
      resolve(status === 0 ? { status, body, error: error ?? 'no HTTP response' } : { status, body })
    }
    const deadline = setTimeout(() => { finish(`no answer within ${request.timeoutMs} ms`) }, request.timeoutMs)
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      received += chunk.length
      if (received >= MAX_RESPONSE_BYTES) finish()
    })
    socket.on('end', () => { finish() })
    socket.on('close', () => { finish() })
    socket.on('error', (err: NodeJS.ErrnoException) => { finish(err.code ?? err.message) })
    socket.write(head.join('\r\n'), 'latin1')
  })
}
