/** Raw HTTP/1.1 over `net`, for requests no well-behaved client would send. */
import { connect } from 'node:net'

export interface RawResponse {
  readonly status: number
  readonly head: string
  readonly body: string
}

/** Sends `request` as is and reads until the server closes or `Connection: close` is honoured. */
export function rawRequest (url: string, request: string | Buffer): Promise<RawResponse> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    const chunks: Buffer[] = []
    socket.on('data', chunk => {
      chunks.push(chunk)
      const text = Buffer.concat(chunks).toString('latin1')
      const headEnd = text.indexOf('\r\n\r\n')
      if (headEnd === -1) return
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, headEnd))
      if (length !== null && text.length >= headEnd + 4 + Number(length[1])) socket.end()
    })
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const headEnd = text.indexOf('\r\n\r\n')
      const head = headEnd === -1 ? text : text.slice(0, headEnd)
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0), head, body: headEnd === -1 ? '' : text.slice(headEnd + 4) })
    })
    socket.write(request)
  })
}
