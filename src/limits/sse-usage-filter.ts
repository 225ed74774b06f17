/**
 * Removes the usage chunk (the SSE frame whose `choices` is empty and that carries `usage`) from a
 * stream whose client did not ask for it; every other frame passes as soon as it is complete. Only
 * an incomplete frame is held, never the stream.
 * @module
 */
import { USAGE_KEY } from '../observability/usage.js'

const LF = 0x0a
const CR = 0x0d
const LF_LF = Buffer.from('\n\n')
const LF_CRLF = Buffer.from('\n\r\n')
// A longer unfinished "frame" is not SSE from vLLM: pass it on rather than hold it.
const MAX_HELD_BYTES = 65_536

// A frame ends with a blank line: a line feed followed by LF or CRLF (LF LF, CRLF CRLF).

/** The index just past the blank line that ends the frame starting at `from`, or -1. */
function frameEnd (data: Buffer, from: number): number {
  for (let lf = data.indexOf(LF, from); lf !== -1; lf = data.indexOf(LF, lf + 1)) {
    if (data[lf + 1] === LF) return lf + 2
    if (data[lf + 1] === CR && data[lf + 2] === LF) return lf + 3
  }
  return -1
}

/** The index just past the last complete frame in `data`, or 0. */
function lastFrameEnd (data: Buffer): number {
  const end = data.length
  // Nearly every chunk of a token stream is whole frames: no search then.
  if (data[end - 1] === LF && (data[end - 2] === LF || (data[end - 2] === CR && data[end - 3] === LF))) return end
  const lf = data.lastIndexOf(LF_LF)
  const crlf = data.lastIndexOf(LF_CRLF)
  return Math.max(lf === -1 ? 0 : lf + 2, crlf === -1 ? 0 : crlf + 3)
}

/** The `usage` object of a usage frame; undefined for any other frame. */
export function usageOfFrame (frame: Buffer): Record<string, unknown> | undefined {
  // Only frames with a "usage" key are parsed (token frames have none), and the parse decides:
  // JSON may put whitespace anywhere.
  if (!frame.includes(USAGE_KEY)) return undefined
  const text = frame.toString('utf8').trim()
  if (!text.startsWith('data:')) return undefined
  try {
    const value = JSON.parse(text.slice(5)) as { choices?: unknown, usage?: unknown }
    const isUsage = Array.isArray(value.choices) && value.choices.length === 0 && typeof value.usage === 'object' && value.usage !== null
    return isUsage ? value.usage as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

/** Fed the stream's chunks in order; returns what the client gets of each, if anything yet. */
export class UsageChunkFilter {
  #held: Buffer | undefined
  /** The removed chunk's usage. A stream has one usage chunk: once it is gone, the rest passes unexamined. */
  usage: Record<string, unknown> | undefined

  push (chunk: Buffer): Buffer | undefined {
    if (this.usage !== undefined && this.#held === undefined) return chunk
    const data = this.#held === undefined ? chunk : Buffer.concat([this.#held, chunk])
    // Token frames, nearly every chunk: no usage object anywhere, so pass every complete frame whole.
    if (!data.includes(USAGE_KEY)) return this.#passFramesOf(data, lastFrameEnd(data))
    let start = 0
    let end: number
    // Kept bytes are runs of `data` between removed frames: sliced, not copied, unless split.
    let runStart = 0
    let runs: Buffer[] | undefined
    while ((end = frameEnd(data, start)) !== -1) {
      if (this.usage === undefined && (this.usage = usageOfFrame(data.subarray(start, end))) !== undefined) {
        if (start > runStart) (runs ??= []).push(data.subarray(runStart, start))
        runStart = end
      }
      start = end
    }
    if (runs === undefined) return this.#passFramesOf(data, start, runStart)
    const lastRun = this.#passFramesOf(data, start, runStart)
    if (lastRun !== undefined) runs.push(lastRun)
    return runs.length === 1 ? runs[0] : Buffer.concat(runs)
  }

  /** Holds what follows `end` (the frame not yet complete) and returns `data` from `from` to there. */
  #passFramesOf (data: Buffer, end: number, from = 0): Buffer | undefined {
    if (data.length - end > MAX_HELD_BYTES) end = data.length
    this.#held = end === data.length ? undefined : data.subarray(end)
    if (end === data.length && from === 0) return data
    return end > from ? data.subarray(from, end) : undefined
  }

  /** The unterminated tail, at the end of the stream. */
  flush (): Buffer | undefined {
    const held = this.#held
    this.#held = undefined
    return held
  }
}
