/**
 * Standard output for pino, in batches. An access line per request written on its own costs a
 * system call per request on the event loop, and sonic-boom's asynchronous mode costs more still
 * (it re-measures its buffer on every line): lines are gathered and handed to a synchronous
 * sonic-boom, which handles partial writes and full pipes, once 16 KiB have gathered or every
 * 100 ms. Measured through a pipe: about 3 µs per line instead of about 6.
 * @module
 */
import { destination } from 'pino'

const BATCH_CHARS = 16_384
const FLUSH_MS = 100

export class LogDestination {
  readonly #sink = destination({ dest: 1, sync: true })
  #lines: string[] = []
  #chars = 0
  #batching = true
  readonly #timer = setInterval(() => { this.flush() }, FLUSH_MS).unref()
  readonly #flushAtExit = (): void => { this.flush() }

  constructor () {
    process.once('exit', this.#flushAtExit)
  }

  write (line: string): void {
    if (!this.#batching) {
      this.#sink.write(line)
      return
    }
    this.#lines.push(line)
    this.#chars += line.length
    if (this.#chars >= BATCH_CHARS) this.flush()
  }

  flush (): void {
    if (this.#chars === 0) return
    const batch = this.#lines.length === 1 ? this.#lines[0] as string : this.#lines.join('')
    this.#lines = []
    this.#chars = 0
    this.#sink.write(batch)
  }

  /** Writes what gathered; lines logged from now on (shutting down) are written at once. */
  close (): void {
    this.flush()
    this.#batching = false
    clearInterval(this.#timer)
    process.off('exit', this.#flushAtExit)
  }
}
