/**
 * Message framing node's parser accepts leniently. A request line claiming HTTP/2.0 or HTTP/0.9 on
 * the HTTP/1 listener, Transfer-Encoding on HTTP/1.0 (which has none: RFC 9112 6.1 says such a
 * message is faulty) and any transfer coding but a lone `chunked` (node decodes the chunks and
 * silently drops the rest: `gzip, chunked` would reach the backend as plain bytes) are read one way
 * here and possibly another by whatever sits behind or in front: refused, the connection closed.
 * @module
 */
import { shown } from '../errors.js'

const CHUNKED = /^\s*chunked\s*$/i

/** Why the request's version or Transfer-Encoding is refused, or `undefined` when they are sound. */
export function framingProblem (httpVersion: string, transferEncoding: string | undefined): string | undefined {
  if (httpVersion !== '1.1' && httpVersion !== '1.0') return `HTTP/${shown(httpVersion.slice(0, 8))} is not served on this listener (HTTP/1.0 or HTTP/1.1 only)`
  if (transferEncoding === undefined) return undefined
  if (httpVersion === '1.0') return 'Transfer-Encoding on an HTTP/1.0 request'
  if (!CHUNKED.test(transferEncoding)) return `Transfer-Encoding "${shown(transferEncoding)}" (only a lone "chunked" is accepted)`
  return undefined
}

/**
 * The content coding of a request body that is not `identity` (`undefined` for none): a body the
 * gateway reads (JSON naming the model, the Triton JSON the guards check) must be the body the
 * backend decodes, so a coded one is refused there; elsewhere it passes through untouched.
 */
export function bodyCoding (contentEncoding: string | undefined): string | undefined {
  if (contentEncoding === undefined) return undefined
  const coding = contentEncoding.trim()
  return coding === '' || coding.toLowerCase() === 'identity' ? undefined : shown(coding)
}
