/**
 * A body read into memory, bounded: the limit is checked as bytes arrive, so an oversized body is
 * refused without being held.
 * @module
 */
import type { Readable } from 'node:stream'
import { BodyTooLargeError } from '../errors.js'

/**
 * Reads `payload` to its end, or only until `until` bytes have arrived (then it is paused there and
 * the rest stays unread; `ended` tells which). More than `limit` bytes: BodyTooLargeError.
 */
export function readBytes (
  payload: Readable, limit: number, until: number, done: (err: Error | null, bytes?: Buffer, ended?: boolean) => void
): void {
  const chunks: Buffer[] = []
  let length = 0
  const bytes = () => chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks, length)
  function onData (chunk: Buffer): void {
    length += chunk.length
    if (length > limit) {
      cleanup()
      payload.pause()
      done(new BodyTooLargeError(limit))
      return
    }
    chunks.push(chunk)
    if (length >= until) {
      cleanup()
      payload.pause()
      done(null, bytes(), false)
    }
  }
  function onEnd (): void {
    cleanup()
    done(null, bytes(), true)
  }
  function onError (err: Error): void {
    cleanup()
    done(err)
  }
  function cleanup (): void {
    payload.off('data', onData).off('end', onEnd).off('error', onError)
  }
  payload.on('data', onData).on('end', onEnd).on('error', onError)
}
