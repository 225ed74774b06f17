/**
 * The JSON of a Triton infer request, read as little as possible. A binary request
 * (`Inference-Header-Content-Length: N`) has its JSON header in the first N bytes: only those are
 * read, and the body forwarded is a stream that replays them followed by the rest of the client's
 * stream, unread and unbuffered (Content-Length unchanged). A JSON request is read whole, within
 * the upstream's `limits.bodyBytes`. Compressed bodies cannot be checked and are refused.
 * @module
 */
import { Readable } from 'node:stream'
import type { FastifyRequest } from 'fastify'
import { BodyInvalidError, GuardUncheckableError } from '../errors.js'
import { bodyCoding } from '../policy/framing.js'
import { readBytes } from '../lib/read-bytes.js'
import { parseJsonObject } from '../lib/json-object.js'

const HEADER_LENGTH = 'inference-header-content-length'

function readPrefix (stream: Readable, length: number): Promise<{ prefix: Buffer, body: Readable }> {
  return new Promise((resolve, reject) => {
    readBytes(stream, Infinity, length, (err, head, ended) => {
      if (err !== null || head === undefined) reject(err)
      else if (ended === true) reject(new BodyInvalidError(`${HEADER_LENGTH} is larger than the body`))
      else resolve({ prefix: head.subarray(0, length), body: replay(head, stream) })
    })
  })
}

/** The bytes already read, then the rest of `rest` as it arrives. */
function replay (head: Buffer, rest: Readable): Readable {
  return Readable.from((async function * () {
    yield head
    yield * rest
  })(), { objectMode: false })
}

function readWholeBody (stream: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    readBytes(stream, limit, Infinity, (err, body) => { err === null ? resolve(body as Buffer) : reject(err) })
  })
}

function parseHeader (bytes: Buffer): Record<string, unknown> {
  const json = parseJsonObject(bytes)
  if (json instanceof Error) throw json
  return json
}

/**
 * The request's inference JSON and its size; `request.body` becomes what is to be forwarded (the
 * bytes read, or the replaying stream).
 */
export async function readInferJson (request: FastifyRequest, bodyLimit: number): Promise<{ json: Record<string, unknown>, bytes: number }> {
  const coding = bodyCoding(request.headers['content-encoding'])
  if (coding !== undefined) throw new GuardUncheckableError(`Content-Encoding ${coding}`)
  const body = request.body as Buffer | Readable | undefined
  const declared = request.headers[HEADER_LENGTH]
  if (Array.isArray(declared)) throw new BodyInvalidError(`${HEADER_LENGTH} is given twice`)
  let header: Buffer
  if (declared === undefined) {
    header = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : await readWholeBody(body, bodyLimit)
    request.body = header
  } else {
    const length = /^\d{1,15}$/.test(declared) ? Number(declared) : NaN
    const total = Buffer.isBuffer(body) ? body.length : Number(request.headers['content-length'] ?? 0)
    if (!(length > 0 && length <= total) || body === undefined) throw new BodyInvalidError(`${HEADER_LENGTH} must be a byte count within the body`)
    if (Buffer.isBuffer(body)) {
      header = body.subarray(0, length)
    } else {
      const read = await readPrefix(body, length)
      header = read.prefix
      request.body = read.body
    }
  }
  return { json: parseHeader(header), bytes: header.length }
}
