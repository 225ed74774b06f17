/**
 * Removes the usage chunk (the SSE frame whose `choices` is empty and that carries `usage`) from a
 * stream whose client did not ask for it; every other frame passes as soon as it is complete. Only
 * an incomplete frame is held, never the stream.
 * @module
 */
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

/** Fed the stream's chunks in order; returns what the client gets of each, if anything yet. */
export class UsageChunkFilter {
  #held: Buffer | undefined
  /** A stream has one usage chunk: once it is gone, the rest passes unexamined. */
  #removed = false

  push (chunk: Buffer): Buffer | undefined {
    if (this.#removed && this.#held === undefined) return chunk
    const data = this.#held === undefined ? chunk : Buffer.concat([this.#held, chunk])
    let start = 0
    let end: number
    // Kept bytes are runs of `data` between removed frames: sliced, not copied, unless split.
    let runStart = 0
    let runs: Buffer[] | undefined
    while ((end = frameEnd(data, start)) !== -1) {
      if (!this.#removed && isUsageFrame(data.subarray(start, end))) {
        this.#removed = true
        if (start > runStart) (runs ??= []).push(data.subarray(runStart, start))
        runStart = end
      }
      start = end
    }
    if (data.length - start > MAX_HELD_BYTES) start = data.length
    this.#held = start === data.length ? undefined : data.subarray(start)
    const lastRun = start === data.length && runStart === 0 ? data : start > runStart ? data.subarray(runStart, start) : undefined
    if (runs === undefined) return lastRun
    if (lastRun !== undefined) runs.push(lastRun)
    return runs.length === 1 ? runs[0] : Buffer.concat(runs)
  }

  /** The unterminated tail, at the end of the stream. */
  flush (): Buffer | undefined {
    const held = this.#held
    this.#held = undefined
    return held
  }
}
