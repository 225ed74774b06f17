/**
 * Reading SSE responses with undici (autocannon does not read streams), and a loop that runs a
 * bounded number of them with bounded concurrency and a deadline.
 * @module
 */
import type { Dispatcher, Pool } from 'undici'

export interface StreamResult {
  readonly status: number
  readonly events: number
  /** ms from sending the request to the first body byte (the first token). */
  readonly firstByteMs: number
  readonly totalMs: number
}

export interface StreamRequest {
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly signal?: AbortSignal
  /** Called with the events of each chunk as it arrives (slow streams count events inside a window). */
  readonly onEvents?: (count: number) => void
}

/** POSTs and reads the whole response, counting SSE events by their blank-line terminators. */
export async function readStream (pool: Pool | Dispatcher, request: StreamRequest): Promise<StreamResult> {
  const started = performance.now()
  const response = await pool.request({
    method: 'POST',
    path: request.path,
    headers: { 'content-type': 'application/json', ...request.headers },
    body: request.body,
    signal: request.signal ?? null
  })
  let events = 0
  let firstByteMs = Number.NaN
  let last = 0
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    if (Number.isNaN(firstByteMs)) firstByteMs = performance.now() - started
    // an event may end across two chunks: "\n" at the end of one and at the start of the next
    let found = last === 0x0a && chunk[0] === 0x0a ? 1 : 0
    for (let i = chunk.indexOf('\n\n'); i !== -1; i = chunk.indexOf('\n\n', i + 2)) found++
    events += found
    request.onEvents?.(found)
    last = chunk[chunk.length - 1] ?? 0
  }
  return { status: response.statusCode, events, firstByteMs, totalMs: performance.now() - started }
}

/** Runs `task(i)` for i < total, at most `concurrency` at once, starting none after `deadlineMs`. */
export async function boundedLoop<T> (total: number, concurrency: number, deadlineMs: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = []
  const stopAt = performance.now() + deadlineMs
  let next = 0
  async function worker (): Promise<void> {
    while (next < total && performance.now() < stopAt) results.push(await task(next++))
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker))
  return results
}
