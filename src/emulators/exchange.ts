import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { clearTimeout, setTimeout } from 'node:timers'
import type { EmulatorOptions, Failure, RecordedRequest } from './types.js'

export type Body = string | Buffer

export interface Reply {
  status: number
  headers: OutgoingHttpHeaders
  body: Body
}

export interface StreamSpec {
  headers: OutgoingHttpHeaders
  tokens: number
  chunk: (index: number) => Body
  /** Written with the status line, before the first token (vLLM's Responses API opens with an event). */
  start?: Body
  /** Written after the last token: finish chunk, usage, [DONE]. */
  end?: Body
  /** Starlette (vLLM) sends the status line before generating; Triton and TorchServe send it with the first chunk. */
  headersFirst: boolean
}

export interface Settings {
  ttftMs: number
  interTokenMs: number
  tokens: number
  failure: Failure
}

export const DEFAULT_SETTINGS: Settings = { ttftMs: 0, interTokenMs: 0, tokens: 8, failure: 'none' }

export const EMPTY_OK: Reply = { status: 200, headers: {}, body: '' }

const METRICS: Reply = {
  status: 200,
  headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
  body: '# HELP emulator_up Always 1.\n# TYPE emulator_up gauge\nemulator_up 1\n'
}

const FAILURES: ReadonlySet<string> = new Set<Failure>(['none', 'reset', 'hang', 'reset-mid-stream', 'status-500'])

export function json (status: number, value: unknown, headers: OutgoingHttpHeaders = {}): Reply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) }
}

function headerCount (value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined
  const count = Number(value)
  return Number.isInteger(count) && count >= 0 ? count : undefined
}

function isFailure (value: unknown): value is Failure {
  return typeof value === 'string' && FAILURES.has(value)
}

function resolveSettings (headers: IncomingHttpHeaders, options: EmulatorOptions): Settings {
  const failure = headers['x-emulate-failure']
  return {
    ttftMs: headerCount(headers['x-emulate-ttft-ms']) ?? options.ttftMs ?? DEFAULT_SETTINGS.ttftMs,
    interTokenMs: headerCount(headers['x-emulate-inter-token-ms']) ?? options.interTokenMs ?? DEFAULT_SETTINGS.interTokenMs,
    tokens: headerCount(headers['x-emulate-tokens']) ?? options.tokens ?? DEFAULT_SETTINGS.tokens,
    failure: isFailure(failure) ? failure : options.failure ?? DEFAULT_SETTINGS.failure
  }
}

/** One request and its response: settings for this request, its timers, and the ways to answer it. */
export class Exchange {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly record: RecordedRequest
  readonly options: EmulatorOptions
  readonly path: string
  readonly settings: Settings
  readonly #internalError: Reply
  readonly #timers = new Set<NodeJS.Timeout>()

  constructor (req: IncomingMessage, res: ServerResponse, record: RecordedRequest, options: EmulatorOptions, internalError: Reply, onSettled: () => void) {
    this.req = req
    this.res = res
    this.record = record
    this.options = options
    this.#internalError = internalError
    const query = record.url.indexOf('?')
    this.path = query === -1 ? record.url : record.url.slice(0, query)
    this.settings = resolveSettings(req.headers, options)
    const requestId = req.headers['x-request-id']
    if (requestId !== undefined) res.setHeader('x-request-id', requestId)
    res.once('close', () => {
      record.outcome = res.writableFinished ? 'completed' : 'aborted'
      this.cancel()
      onSettled()
    })
  }

  get body (): Buffer {
    return this.record.body
  }

  /** The body as a JSON object, or undefined when it is anything else. */
  jsonBody (): Record<string, unknown> | undefined {
    try {
      const value: unknown = JSON.parse(this.record.body.toString())
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined
    } catch {
      return undefined
    }
  }

  send (reply: Reply): void {
    this.res.setHeader('content-length', Buffer.byteLength(reply.body))
    this.res.writeHead(reply.status, reply.headers).end(reply.body)
  }

  /** Answers routes the emulator does not model, so tests can see what a gateway let through. */
  emulated (): void {
    this.send(this.path.startsWith('/metrics') ? METRICS : json(200, { emulated: this.path }))
  }

  /** A whole-body answer, sent once the tokens would have been generated. */
  generate (reply: Reply, tokens: number): void {
    if (this.#failedEarly()) return
    const { ttftMs, interTokenMs, failure } = this.settings
    this.#after(ttftMs + tokens * interTokenMs, () => {
      if (failure === 'reset-mid-stream') this.#sendHalf(reply)
      else this.send(reply)
    })
  }

  stream (spec: StreamSpec): void {
    if (this.#failedEarly()) return
    const { res } = this
    const { ttftMs, interTokenMs, failure } = this.settings
    const { tokens, chunk } = spec
    // a zero-token stream has nothing to cut, so it completes
    const cutAfter = failure === 'reset-mid-stream' ? Math.max(1, Math.floor(tokens / 2)) : -1
    res.writeHead(200, spec.headers)
    if (spec.start !== undefined) res.write(spec.start)
    else if (spec.headersFirst) res.flushHeaders()
    let index = 0
    const emit = (): void => {
      while (index < tokens) {
        const data = chunk(index++)
        if (index === cutAfter) {
          res.write(data, () => { this.#destroy() })
          return
        }
        res.write(data)
        if (interTokenMs > 0 && index < tokens) {
          this.#after(interTokenMs, emit)
          return
        }
      }
      res.end(spec.end)
    }
    this.#after(ttftMs, emit)
  }

  /** Stops generating; the response is left as it is. */
  cancel (): void {
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
  }

  /** Applies the failures that happen before any byte of the answer; true when one did. */
  #failedEarly (): boolean {
    switch (this.settings.failure) {
      case 'reset':
        this.#destroy()
        return true
      case 'hang':
        return true
      case 'status-500':
        this.send(this.#internalError)
        return true
      case 'none':
      case 'reset-mid-stream':
        return false
    }
  }

  #sendHalf (reply: Reply): void {
    const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body
    this.res.setHeader('content-length', body.length)
    this.res.writeHead(reply.status, reply.headers)
    this.res.write(body.subarray(0, Math.max(1, body.length >> 1)), () => { this.#destroy() })
  }

  // destroying from a write callback lets the bytes already written reach the client first
  #destroy (): void {
    this.req.socket.destroy()
  }

  #after (ms: number, fn: () => void): void {
    if (ms <= 0) {
      fn()
      return
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      fn()
    }, ms)
    this.#timers.add(timer)
  }
}
