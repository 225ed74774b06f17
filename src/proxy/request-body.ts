/**
 * Request bodies, within the upstream's `limits.bodyBytes` (or, while the upstream is not chosen
 * yet, the largest of the route's). One with a Content-Length within the limit streams through
 * unread, unless the model must be read from it. Everything else (chunked uploads, JSON naming the
 * model) is read up to the limit first, so that an oversized body is refused before a byte is
 * forwarded and every backend gets a Content-Length (Triton's chunked-body parser had crash CVEs).
 * The bytes checked are the bytes sent, unless a hook changed the parsed JSON (guards, token
 * budgets): then it is re-serialised once.
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { Readable } from 'node:stream'
import type { FastifyRequest } from 'fastify'
import { routed, type Exchange } from '../exchange/exchange.js'
import { bodyCoding } from '../policy/framing.js'
import { parseJsonObject } from '../lib/json-object.js'
import { readBytes } from '../lib/read-bytes.js'
import { BodyInvalidError, BodyTooLargeError, MediaTypeUnsupportedError, ModelRequiredError, shown } from '../errors.js'
import { sendContinue } from '../policy/expect-continue.js'

type Done = (err: Error | null, body?: unknown) => void

const MAX_MODEL_NAME = 256

// application/json or application/*+json, with no charset or UTF-8: a backend decoding another
// charset would read other bytes than the gateway checked.
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;\s*charset="?utf-8"?\s*)?$/i

function isJsonMediaType (contentType: string | undefined): boolean {
  return contentType !== undefined && JSON_MEDIA_TYPE.test(contentType)
}

/** What to forward: the bytes received (or stream), or `context.json` re-serialised when a hook changed it. */
export function forwardedBody (request: FastifyRequest, context: Exchange): Buffer | Readable | undefined {
  if (context.jsonChanged) request.body = Buffer.from(JSON.stringify(context.json))
  return request.body as Buffer | Readable | undefined
}

/** The parsed body and the model it names; an Error when it is not a JSON object naming one. */
function parseModelBody (body: Buffer, field: string): { json: Record<string, unknown>, model: string } | Error {
  const json = parseJsonObject(body)
  if (json instanceof Error) return json
  const model = json[field]
  if (typeof model !== 'string' || model.length === 0) return new ModelRequiredError()
  if (model.length > MAX_MODEL_NAME) return new BodyInvalidError(`"${field}" is longer than ${MAX_MODEL_NAME} characters`)
  return { json, model }
}

export function createBodyParser () {
  return function parseBody (request: FastifyRequest, payload: IncomingMessage, done: Done): void {
    const context = routed(request)
    const route = context.match.route
    const source = route.rule.model
    // A model in the path chose the upstream already; one in the body is not read yet (the
    // upstream's own limit is checked once it is chosen, routing/hooks.ts).
    const limit = context.upstream?.bodyBytes ?? route.bodyBytes
    const declared = request.headers['content-length']
    if (declared !== undefined && Number(declared) > limit) {
      done(new BodyTooLargeError(limit))
      return
    }
    if (source.from === 'body' && !isJsonMediaType(request.headers['content-type'])) {
      done(new MediaTypeUnsupportedError(shown(request.headers['content-type'] ?? 'a body without Content-Type')))
      return
    }
    const coding = source.from === 'body' ? bodyCoding(request.headers['content-encoding']) : undefined
    if (coding !== undefined) {
      done(new MediaTypeUnsupportedError(`a body with Content-Encoding ${coding}; send it uncompressed`))
      return
    }
    // The checks before the body passed (credential, route, model in the path, limits, declared length).
    sendContinue(request.raw, context.reply.raw)
    if (source.from !== 'body' && declared !== undefined) {
      done(null, payload)
      return
    }
    readBytes(payload, limit, Infinity, (err, body) => {
      if (err !== null || body === undefined) {
        done(err)
        return
      }
      if (source.from === 'body') {
        const parsed = parseModelBody(body, source.field)
        if (parsed instanceof Error) {
          done(parsed)
          return
        }
        context.model = parsed.model
        context.json = parsed.json
      }
      done(null, body)
    })
  }
}
