import type { FastifyServerOptions } from 'fastify'
import type { LogDestination } from './log-destination.js'

/**
 * pino options. Requests are never dumped into logs; these redactions are the second line of defence
 * should an error object carry request headers.
 */
export function loggerOptions (level: string, stream: LogDestination): NonNullable<FastifyServerOptions['logger']> {
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
