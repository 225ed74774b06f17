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

export interface RawConnection {
  /** Everything received so far (latin1). */
  readonly received: () => string
  write (data: string | Buffer): void
  /** Drops the connection from the client's side. */
  destroy (): void
  /** Resolves with everything received once it matches `pattern` (rejects if the connection closes first). */
  waitFor (pattern: RegExp): Promise<string>
  /** Resolves with everything received once the server closed the connection. */
  readonly closed: Promise<string>
}

/** A raw connection driven step by step: send, wait for what the server answers, send more. */
export function rawConnection (url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    let text = ''
    const waiters: Array<() => void> = []
    let ended = false
    const closed = new Promise<string>(resolve => socket.on('close', () => {
      ended = true
      for (const waiter of waiters.splice(0)) waiter()
      resolve(text)
    }))
    socket.on('data', chunk => {
      text += chunk.toString('latin1')
      for (const waiter of waiters.splice(0)) waiter()
    })
    // A reset after the server gave up on the connection is an outcome the tests look at, not a failure.
    socket.on('error', () => {})
    socket.once('connect', () => resolve({
      received: () => text,
      write: data => { socket.write(data) },
      destroy: () => { socket.destroy() },
      waitFor: pattern => new Promise((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(text)) resolve(text)
          else if (ended) reject(new Error(`connection closed before ${pattern}; received ${JSON.stringify(text.slice(0, 500))}`))
          else waiters.push(check)
        }
        check()
      }),
      closed
    }))
    socket.once('error', reject)
  })
}
export interface RawExchange {
  /** Every byte the server sent before it closed the connection (or before the timeout). */
  readonly bytes: Buffer
  /** The server neither closed nor reset the connection within the timeout. */
  readonly timedOut: boolean
}

/**
 * Sends `request` in one write and reads everything until the server closes the connection, so that
 * a second response (a desync) cannot go unseen. The timeout is a failure, not a way to stop reading.
 */
export function rawExchange (url: string, request: Buffer, timeoutMs: number): Promise<RawExchange> {
  const { hostname, port } = new URL(url)
  return new Promise(resolve => {
    const socket = connect(Number(port), hostname)
    const chunks: Buffer[] = []
    let timedOut = false
    socket.setTimeout(timeoutMs, () => {
      timedOut = true
      socket.destroy()
    })
    socket.on('data', chunk => chunks.push(chunk))
    // a reset after the answer (the server refused the rest of the bytes) ends the exchange like a close
    socket.on('error', () => {})
    socket.on('close', () => { resolve({ bytes: Buffer.concat(chunks), timedOut }) })
    socket.write(request)
  })
}

export interface ParsedResponse {
  readonly status: number
  readonly head: string
  readonly body: string
}

/** The HTTP/1.1 responses in `bytes`, in order, and whatever followed them that is not a response. */
export function splitResponses (bytes: Buffer): { responses: ParsedResponse[], rest: string } {
  let text = bytes.toString('latin1')
  const responses: ParsedResponse[] = []
  for (;;) {
    const status = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(text)
    const headEnd = text.indexOf('\r\n\r\n')
    if (status === null || headEnd === -1) break
    const head = text.slice(0, headEnd)
    let rest = text.slice(headEnd + 4)
    let body: string
    const length = /\r\ncontent-length: *(\d+)/i.exec(head)
    if (length !== null) {
      body = rest.slice(0, Number(length[1]))
      rest = rest.slice(body.length)
    } else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      body = ''
      for (;;) {
        const size = /^([0-9a-fA-F]+)[^\r\n]*\r\n/.exec(rest)
        if (size === null) break
        const n = parseInt(size[1] as string, 16)
        body += rest.slice(size[0].length, size[0].length + n)
        rest = rest.slice(size[0].length + n + 2)
        if (n === 0) break
      }
    } else {
      body = rest
      rest = ''
    }
    responses.push({ status: Number(status[1]), head, body })
    text = rest
  }
  return { responses, rest: text }
}
