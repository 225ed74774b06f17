/**
 * The JSON of a Triton infer request, read as little as possible. A binary request
 * (`Inference-Header-Content-Length: N`) has its JSON header in the first N bytes: only those are
 * read, and the body forwarded is a stream that replays them followed by the rest of the client's
 * stream, unread and unbuffered (Content-Length unchanged). A JSON request is read whole, within
 * `limits.bodyBytes`. Compressed bodies cannot be checked and are refused.
 * @module
 */
import { Readable } from 'node:stream'
import type { FastifyRequest } from 'fastify'
import { BodyInvalidError, GuardUncheckableError } from '../errors.js'
import { readWhole } from '../proxy/request-body.js'
import { duplicateKey } from './json-duplicates.js'
import { isObject } from './json-body.js'

const HEADER_LENGTH = 'inference-header-content-length'

function readPrefix (stream: Readable, length: number): Promise<{ prefix: Buffer, body: Readable }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let total = 0
    function onData (chunk: Buffer): void {
      chunks.push(chunk)
      total += chunk.length
      if (total < length) return
      cleanup()
      stream.pause()
      const head = chunks.length === 1 ? chunk : Buffer.concat(chunks, total)
      resolve({ prefix: head.subarray(0, length), body: replay(head, stream) })
    }
    function onEnd (): void {
      cleanup()
      reject(new BodyInvalidError(`${HEADER_LENGTH} is larger than the body`))
    }
    function onError (err: Error): void {
      cleanup()
      reject(err)
    }
    function cleanup (): void {
      stream.off('data', onData).off('end', onEnd).off('error', onError)
    }
    stream.on('data', onData).on('end', onEnd).on('error', onError)
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
    readWhole(stream, limit, (err, body) => { err === null ? resolve(body as Buffer) : reject(err) })
  })
}

function parseHeader (bytes: Buffer): Record<string, unknown> {
  const text = bytes.toString('utf8')
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new BodyInvalidError('the inference request is not valid JSON')
  }
  if (!isObject(parsed)) throw new BodyInvalidError('the inference request is not a JSON object')
  const duplicate = duplicateKey(text)
  if (duplicate !== undefined) throw new BodyInvalidError(`key "${duplicate.slice(0, 64)}" appears twice in one object`)
  return parsed
}

/**
 * The request's inference JSON and its size; `request.body` becomes what is to be forwarded (the
 * bytes read, or the replaying stream).
 */
export async function readInferJson (request: FastifyRequest, bodyLimit: number): Promise<{ json: Record<string, unknown>, bytes: number }> {
  const encoding = request.headers['content-encoding']
  if (encoding !== undefined && encoding !== 'identity') throw new GuardUncheckableError(`Content-Encoding ${encoding.slice(0, 32)}`)
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
