import type { FastifyServerOptions } from 'fastify'
import { destination } from 'pino'

// Log lines are written in batches of this size, or after this long at the latest: a line per
// request written synchronously to stdout costs a system call per request on the event loop.
const BATCH_BYTES = 4096
const FLUSH_MS = 100

export interface LogDestination {
  readonly stream: ReturnType<typeof destination>
  /** Writes what is batched, now; the stream stays usable (lines logged later go out at exit). */
  close (): void
}

/** Standard output, batched; pino flushes what is left when the process exits. */
export function createLogDestination (): LogDestination {
  const stream = destination({ dest: 1, sync: false, minLength: BATCH_BYTES })
  // A destroyed stream (stdout gone) throws on flush.
  let open = true
  stream.once('close', () => { open = false })
  const timer = setInterval(() => { if (open) stream.flush() }, FLUSH_MS).unref()
  return {
    stream,
    close: () => {
      clearInterval(timer)
      if (open) stream.flushSync()
    }
  }
}

/**
 * pino options. Requests are never dumped into logs; these redactions are the second line of defence
 * should an error object carry request headers.
 */
export function loggerOptions (level: string, stream: LogDestination['stream']): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    stream,
    redact: {
      paths: [
        'req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers["proxy-authorization"]', 'req.headers.cookie',
        'headers.authorization', 'headers["x-api-key"]', 'headers["proxy-authorization"]', 'headers.cookie'
      ],
      censor: '[redacted]'
    },
    serializers: {
      // The query string can carry anything a client puts there: log the path only.
      req: (req: { method: string, url: string, id: string }) =>
        ({ method: req.method, url: req.url.split('?')[0] as string, id: req.id })
    }
  }
}
