/**
 * Removes the usage chunk (the SSE frame whose `choices` is empty and that carries `usage`) from a
 * stream whose client did not ask for it; every other frame passes as soon as it is complete. Only
 * an incomplete frame is held, never the stream.
 * @module
 */
import { Transform, type TransformCallback } from 'node:stream'

const LF_LF = Buffer.from('\n\n')
const CRLF_CRLF = Buffer.from('\r\n\r\n')
const EMPTY_CHOICES = Buffer.from('"choices":[]')
const USAGE = Buffer.from('"usage":{')
// A longer unfinished "frame" is not SSE from vLLM: pass it on rather than hold it.
const MAX_HELD_BYTES = 65_536

/** The index just past the blank line that ends the frame starting at `from`, or -1. */
function frameEnd (data: Buffer, from: number): number {
  const lf = data.indexOf(LF_LF, from)
  const crlf = data.indexOf(CRLF_CRLF, from)
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return crlf + CRLF_CRLF.length
  return lf === -1 ? -1 : lf + LF_LF.length
}

export function isUsageFrame (frame: Buffer): boolean {
  // Cheap checks first: at most one frame per stream gets parsed.
  if (!frame.includes(EMPTY_CHOICES) || !frame.includes(USAGE)) return false
  const text = frame.toString('utf8').trim()
  if (!text.startsWith('data:')) return false
  try {
    const value = JSON.parse(text.slice(5)) as { choices?: unknown, usage?: unknown }
    return Array.isArray(value.choices) && value.choices.length === 0 && typeof value.usage === 'object' && value.usage !== null
  } catch {
    return false
  }
}

export class UsageChunkFilter extends Transform {
  #held: Buffer | undefined

  override _transform (chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const data = this.#held === undefined ? chunk : Buffer.concat([this.#held, chunk])
    let start = 0
    let end: number
    const frames: Buffer[] = []
    while ((end = frameEnd(data, start)) !== -1) {
      const frame = data.subarray(start, end)
      if (!isUsageFrame(frame)) frames.push(frame)
      start = end
    }
    this.#held = start === data.length ? undefined : data.subarray(start)
    if (this.#held !== undefined && this.#held.length > MAX_HELD_BYTES) {
      frames.push(this.#held)
      this.#held = undefined
    }
    if (frames.length > 0) this.push(frames.length === 1 ? frames[0] : Buffer.concat(frames))
    done()
  }

  override _flush (done: TransformCallback): void {
    if (this.#held !== undefined) this.push(this.#held)
    done()
  }
}
