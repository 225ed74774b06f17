/**
 * Request bodies, within the upstream's `limits.bodyBytes` (or, while the upstream is not chosen
 * yet, the largest of the route's). One with a Content-Length within the limit streams through
 * unread, unless the model must be read from it. Everything else (chunked uploads, JSON or a
 * multipart form naming the model) is read up to the limit first, so that an oversized body is refused before a byte is
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
import { modelInBody, type RouteRule } from '../profiles/types.js'
import { parseJsonObject } from '../lib/json-object.js'
import { readBytes } from '../lib/read-bytes.js'
import { FORM_MEDIA_TYPE, formDelimiter, readFormFields } from './multipart-form.js'
import { BodyInvalidError, BodyTooLargeError, FormInvalidError, MediaTypeUnsupportedError, ModelRequiredError, shown } from '../errors.js'
import { sendContinue } from '../policy/expect-continue.js'

type Done = (err: Error | null, body?: unknown) => void

const MAX_MODEL_NAME = 256
const JSON_TYPE = 'application/json'
const STREAM_FIELD = 'stream'
// vLLM reads form fields with pydantic: these are its spellings of a boolean; any other is refused, not guessed.
const FORM_BOOLEANS: ReadonlySet<string> = new Set(['0', 'off', 'f', 'false', 'n', 'no', '1', 'on', 't', 'true', 'y', 'yes'])
// The fields read from a form, per model field name (one list per profile rule, not per request).
const formFields = new Map<string, readonly string[]>()

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
function parseModelBody (body: Buffer, field: string, rule: RouteRule): { json: Record<string, unknown>, model: string } | Error {
  const json = parseJsonObject(body)
  if (json instanceof Error) return json
  // Any value the backend might coerce to true (pydantic reads "true" and 1 as true) is refused.
  const stream = json['stream']
  if (rule.streaming === 'refused' && stream !== undefined && stream !== null && stream !== false) {
    return new BodyInvalidError(`"stream" is not supported on ${rule.path}: its answers never stream`)
  }
  const model = json[field]
  if (typeof model !== 'string' || model.length === 0) return new ModelRequiredError()
  if (model.length > MAX_MODEL_NAME) return new BodyInvalidError(`"${field}" is longer than ${MAX_MODEL_NAME} characters`)
  return { json, model }
}

/** The model a multipart form names in `field`; an Error when the form is invalid or names none. */
function parseModelForm (body: Buffer, delimiter: Buffer, field: string): string | Error {
  let wanted = formFields.get(field)
  if (wanted === undefined) formFields.set(field, wanted = [field, STREAM_FIELD])
  const fields = readFormFields(body, delimiter, wanted, MAX_MODEL_NAME)
  if (fields instanceof Error) return fields
  // Streaming is seen in the response, as on every route; a `stream` vLLM might read otherwise (or refuse) is refused here.
  const stream = fields.get(STREAM_FIELD)
  if (stream !== undefined && !FORM_BOOLEANS.has(stream.toLowerCase())) return new FormInvalidError(`the field "stream" is "${shown(stream)}", not true or false`)
  const model = fields.get(field)
  return model === undefined || model.length === 0 ? new ModelRequiredError() : model
}

export function createBodyParser () {
  return function parseBody (request: FastifyRequest, payload: IncomingMessage, done: Done): void {
    const context = routed(request)
    const route = context.match.route
    const source = route.rule.model
    // JSON bodies are parsed: those naming the model, and those the rule checks (`jsonBody`).
    const jsonField = source.from === 'body' ? source.field : route.rule.jsonBody?.modelField
    // A model in the path chose the upstream already; one in the body is not read yet (the
    // upstream's own limit is checked once it is chosen, routing/hooks.ts).
    const limit = context.upstream?.bodyBytes ?? route.bodyBytes
    const declared = request.headers['content-length']
    if (declared !== undefined && Number(declared) > limit) {
      done(new BodyTooLargeError(limit))
      return
    }
    if (jsonField !== undefined && !isJsonMediaType(request.headers['content-type'])) {
      done(new MediaTypeUnsupportedError(JSON_TYPE, shown(request.headers['content-type'] ?? 'a body without Content-Type')))
      return
    }
    // A form's boundary is checked before a byte of it is read.
    const delimiter = source.from === 'form' ? formDelimiter(request.headers['content-type']) : undefined
    if (delimiter instanceof Error) {
      done(delimiter)
      return
    }
    const read = jsonField !== undefined || modelInBody(source)
    const coding = read ? bodyCoding(request.headers['content-encoding']) : undefined
    if (coding !== undefined) {
      done(new MediaTypeUnsupportedError(source.from === 'form' ? FORM_MEDIA_TYPE : JSON_TYPE, `a body with Content-Encoding ${coding}; send it uncompressed`))
      return
    }
    // The checks before the body passed (credential, route, model in the path, limits, declared length).
    sendContinue(request.raw, context.reply.raw)
    if (!read && declared !== undefined) {
      done(null, payload)
      return
    }
    readBytes(payload, limit, Infinity, (err, body) => {
      if (err !== null || body === undefined) {
        done(err)
        return
      }
      if (jsonField !== undefined) {
        const parsed = parseModelBody(body, jsonField, route.rule)
        if (parsed instanceof Error) {
          done(parsed)
          return
        }
        // A second name in the body (`jsonBody`) is the backend's to check: the path's model is scoped.
        if (source.from === 'body') context.model = parsed.model
        context.json = parsed.json
      } else if (delimiter !== undefined && source.from === 'form') {
        const model = parseModelForm(body, delimiter, source.field)
        if (model instanceof Error) {
          done(model)
          return
        }
        context.model = model
      }
      done(null, body)
    })
  }
}
