import type { Socket } from 'node:net'
import type { Exchange } from '../exchange/exchange.js'

interface Open {
  count: number
  latest: Exchange | undefined
  /** The parser refused what came next: no further request on it, closed once these responses end. */
  closing: boolean
}

// How long a closed connection may take to flush its last response before it is destroyed regardless.
const LINGER_MS = 1000

/**
 * Requests received on each connection whose response has not ended. While there is one, a response
 * is in flight (or queued behind a pipelined one) and nothing else may be written on the connection.
 * Node's own `socket._httpMessage` says as much, but is not a public API.
 */
export class OpenRequests {
  // One record per connection, reused by its keep-alive requests.
  readonly #bySocket = new WeakMap<Socket, Open>()

  /** `socket`: the request's, taken when it opens (node may detach it by the time the response ends). */
  add (context: Exchange, socket: Socket): void {
    let open = this.#bySocket.get(socket)
    if (open === undefined) this.#bySocket.set(socket, open = { count: 0, latest: undefined, closing: false })
    open.count++
    open.latest = context
  }

  remove (socket: Socket): void {
    const open = this.#bySocket.get(socket)
    if (open === undefined) return
    open.count--
    if (open.count !== 0) return
    open.latest = undefined
    if (open.closing) endConnection(socket)
  }

  /**
   * The connection carries no request after those in flight, which finish untouched (a stream is
   * never cut for bytes a client sent after it); then it is closed.
   */
  closeWhenDone (socket: Socket): void {
    const open = this.#bySocket.get(socket)
    if (open !== undefined) open.closing = true
    if (open === undefined || open.count === 0) endConnection(socket)
  }

  /** `closeWhenDone` was called: whatever else arrives on it is never served. */
  isClosing (socket: Socket): boolean {
    return this.#bySocket.get(socket)?.closing === true
  }

  count (socket: Socket): number {
    return this.#bySocket.get(socket)?.count ?? 0
  }

  /** The request received last on the connection, while its response has not ended. */
  latest (socket: Socket): Exchange | undefined {
    return this.#bySocket.get(socket)?.latest
  }
}

/** Ends the connection after `data` (a last answer), destroying it if the client does not close its side. */
export function endConnection (socket: Socket, data?: string): void {
  socket.setTimeout(LINGER_MS, () => { socket.destroy() })
  if (data === undefined) socket.end()
  else socket.end(data)
}
