/**
 * One upstream exchange, as an undici dispatch handler: the response goes to the client's socket
 * chunk by chunk as undici parses it, with no stream objects in between, and the upstream is paused
 * while the client's socket is full. A client that goes away aborts the exchange at once, whether it
 * is queued, waiting for headers or streaming, so the backend stops generating.
 * @module
 */
import { performance } from 'node:perf_hooks'
import type { Dispatcher } from 'undici'
import { UpstreamBadResponseError, UpstreamUpgradeError } from '../errors.js'
import type { ErrorScrubber, Guards } from '../guards/index.js'
import { streamReportsUsage } from '../limits/include-usage.js'
import { UsageChunkFilter } from '../limits/sse-usage-filter.js'
import type { RouteSeries } from '../observability/metrics.js'
import { usageDialectOf } from '../observability/usage-dialects.js'
import { keepTail, lastUsageObject, tokenUsage } from '../observability/usage.js'
import type { Exchange } from '../exchange/exchange.js'
import { clientResponseHeaders, withGatewayHeaders } from './response-headers.js'
import { upstreamError } from './upstream-errors.js'

type Controller = Dispatcher.DispatchController

// The abort reason undici is given; nobody is left to read it.
const CLIENT_GONE = new Error('the client closed the connection')
type Headers = Record<string, string | string[] | undefined>
// A stream's opening event (Anthropic's message_start) is far shorter: past this, it holds no usage.
const HEAD_BYTES = 4096

export class UpstreamRelay implements Dispatcher.DispatchHandler {
  readonly #context: Exchange
  readonly #series: RouteSeries
  readonly #guards: Guards
  /** Responses of routes reporting usage (`rule.usage`) end with it: the last bytes are kept to read it. */
  #keepUsage: boolean
  /** Whether a stream's tail is worth keeping, decided before the parsed body is let go. */
  readonly #streamKeepsUsage: boolean
  /** The route's streams open with part of their usage (Anthropic's message_start). */
  readonly #streamHeadUsage: boolean
  /** A stream's first bytes while its opening usage is read; `#readsHead` until it is. */
  #head: Buffer | undefined = undefined
  #readsHead = false
  #controller: Controller | undefined = undefined
  #clientGone = false
  /** Set once the response headers went to the client; from then on, failures cut the response. */
  #relaying = false
  #filter: UsageChunkFilter | undefined = undefined
  /** An error body being read whole, to be scrubbed before the client sees it. */
  #held: Buffer[] | undefined = undefined
  #scrub: ErrorScrubber | undefined = undefined
  #status = 0
  #headers: Headers | undefined = undefined
  #onDrain: (() => void) | undefined = undefined

  constructor (context: Exchange, series: RouteSeries, guards: Guards) {
    this.#context = context
    this.#series = series
    this.#guards = guards
    const dialect = usageDialectOf(context)
    this.#keepUsage = dialect !== undefined
    // The gateway asked for the usage the client did not: the client does not get it, the filter
    // that removes it reads it. Otherwise a tail is kept only if a usage chunk will come: thousands
    // of idle streams would each hold their last 2 KiB for nothing.
    this.#streamKeepsUsage = this.#keepUsage && !context.stripUsageChunk && streamReportsUsage(context)
    this.#streamHeadUsage = this.#streamKeepsUsage && dialect?.headUsage === true
  }

  /** The client's connection closed before its response was complete. */
  clientGone (): void {
    this.#clientGone = true
    this.#controller?.abort(CLIENT_GONE)
  }

  onRequestStart (controller: Controller): void {
    // Queued in the pool while the client left: never sent.
    if (this.#clientGone) controller.abort(CLIENT_GONE)
    else this.#controller = controller
  }

  onResponseStart (controller: Controller, statusCode: number, upstreamHeaders: Headers): void {
    // A 101 (undici passes on one without Upgrade headers as interim) would make the connection a tunnel.
    if (statusCode === 101) {
      controller.abort(new UpstreamUpgradeError(this.#upstreamName()))
      return
    }
    // Other interim responses (102, 103) stay between the gateway and the backend; the final one follows.
    if (statusCode >= 100 && statusCode < 200) return
    // fastify answers 1xx-5xx only; anything else is not HTTP a client can rely on.
    if (statusCode < 100 || statusCode > 599) {
      controller.abort(new UpstreamBadResponseError(this.#upstreamName()))
      return
    }
    const context = this.#context
    context.upstreamHeadersAt = performance.now()
    // The controller lives as long as the stream, and so would its copy of the raw headers.
    controller.rawHeaders = null
    const headers = clientResponseHeaders(upstreamHeaders)
    if (headers['content-length'] === undefined) {
      context.streamed = true
      this.#series.inFlightStreams.inc()
      if (context.stripUsageChunk) this.#filter = new UsageChunkFilter()
      this.#keepUsage = this.#streamKeepsUsage
      this.#readsHead = this.#streamHeadUsage
    }
    const scrub = this.#guards.errorScrubber(this.#upstreamName(), statusCode, headers)
    if (scrub !== undefined) {
      this.#scrub = scrub
      this.#held = []
      this.#status = statusCode
      this.#headers = headers
      return
    }
    const response = context.reply.raw
    try {
      response.writeHead(statusCode, withGatewayHeaders(headers, context.reply.getHeaders()))
    } catch {
      // A header value node will not write (upstream bytes it parsed leniently).
      controller.abort(new UpstreamBadResponseError(this.#upstreamName()))
      return
    }
    context.reply.hijack()
    this.#relaying = true
    // A stream's headers go out now, as the backend sent them: SDKs wait for them before reading.
    if (context.streamed) response.flushHeaders()
  }

  onResponseData (controller: Controller, chunk: Buffer): void {
    const context = this.#context
    if (context.chunks++ === 0) context.firstChunkAt = performance.now()
    context.bytesOut += chunk.length
    if (this.#keepUsage) keepTail(context, chunk)
    if (this.#readsHead) this.#readHead(context, chunk)
    if (this.#held !== undefined) {
      this.#held.push(chunk)
      return
    }
    const data = this.#filter === undefined ? chunk : this.#filtered(chunk, this.#filter)
    if (data !== undefined && !context.reply.raw.write(data)) this.#pauseUntilDrained(controller)
  }

  onResponseEnd (): void {
    const context = this.#context
    if (this.#held !== undefined) {
      const body = (this.#scrub as ErrorScrubber)(this.#held.length === 1 ? this.#held[0] as Buffer : Buffer.concat(this.#held))
      context.reply.code(this.#status).headers(withGatewayHeaders(this.#headers as Headers, context.reply.getHeaders())).header('content-length', body.length).send(body)
      return
    }
    const rest = this.#filter?.flush()
    if (rest !== undefined) context.reply.raw.end(rest)
    else context.reply.raw.end()
  }

  onResponseError (_controller: Controller | undefined, err: Error): void {
    if (this.#clientGone) return
    const context = this.#context
    if (this.#relaying) {
      // Headers are out: the only honest signal left is a cut response.
      context.upstreamFailure = 'mid_stream'
      context.reply.raw.destroy()
      return
    }
    // The relay's own aborts carry the error the client gets.
    const own = err instanceof UpstreamBadResponseError || err instanceof UpstreamUpgradeError
    if (!own) {
      context.request.log.warn({ reqId: context.request.id, upstream: this.#upstreamName(), code: (err as { code?: string }).code }, 'upstream request failed')
    }
    context.reply.send(own ? err : upstreamError(err, this.#upstreamName()))
  }

  #filtered (chunk: Buffer, filter: UsageChunkFilter): Buffer | undefined {
    const data = filter.push(chunk)
    // The removed usage chunk is the stream's usage, settled even if the client leaves before [DONE].
    if (filter.usage !== undefined && this.#context.usage === undefined) this.#context.usage = tokenUsage(filter.usage)
    return data
  }

  #readHead (context: Exchange, chunk: Buffer): void {
    // The opening event is nearly always whole in the first chunk: no copy then.
    const head = this.#head === undefined ? chunk : Buffer.concat([this.#head, chunk])
    const usage = lastUsageObject(head)
    if (usage === undefined && head.length < HEAD_BYTES) {
      this.#head = head
      return
    }
    context.streamHeadUsage = usage
    this.#head = undefined
    this.#readsHead = false
  }

  #pauseUntilDrained (controller: Controller): void {
    controller.pause()
    this.#onDrain ??= () => { controller.resume() }
    this.#context.reply.raw.once('drain', this.#onDrain)
  }

  #upstreamName (): string {
    return this.#context.upstream?.name ?? 'none'
  }
}
