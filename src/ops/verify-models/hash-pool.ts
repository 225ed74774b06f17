/**
 * SHA-256 of many files on all cores. `createHash` runs on the calling thread, so one thread hashes
 * one file at a time however many streams are open: a small pool of worker threads each streams
 * one file at a time (1 MiB chunks, never a whole file in memory).
 * @module
 */
import { Worker } from 'node:worker_threads'

/** A digest, or the error code (`ENOENT`, `EACCES`, `EISDIR` …) that stopped the read. */
export type HashResult = { readonly digest: string } | { readonly error: string }

// Plain JavaScript evaluated in the worker: a worker file would be TypeScript in a checkout (run
// through tsx, whose loader the worker does not inherit) and JavaScript in dist.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const { createReadStream } = require('node:fs')
parentPort.on('message', file => {
  const hash = createHash('sha256')
  createReadStream(file, { highWaterMark: 1 << 20 })
    .on('data', chunk => {
      hash.update(chunk)
      parentPort.postMessage({ bytes: chunk.length })
    })
    .on('error', err => parentPort.postMessage({ error: err.code ?? String(err) }))
    .on('end', () => parentPort.postMessage({ digest: hash.digest('hex') }))
})
`

type WorkerMessage = { bytes: number } | HashResult

/**
 * Hashes `files` (absolute paths) with up to `jobs` threads. `onBytes` is told of every chunk read,
 * `onFile` of every file done, for progress.
 */
export async function hashFiles (
  files: readonly string[],
  jobs: number,
  progress: { onBytes?: (bytes: number) => void, onFile?: () => void } = {}
): Promise<Map<string, HashResult>> {
  const results = new Map<string, HashResult>()
  let next = 0
  const runWorker = async (): Promise<void> => {
    const worker = new Worker(WORKER_SOURCE, { eval: true })
    try {
      while (next < files.length) {
        const file = files[next++] as string
        results.set(file, await hashOne(worker, file, progress.onBytes))
        progress.onFile?.()
      }
    } finally {
      await worker.terminate()
    }
  }
  const size = Math.max(1, Math.min(jobs, files.length))
  await Promise.all(Array.from({ length: size }, runWorker))
  return results
}

function hashOne (worker: Worker, file: string, onBytes: ((bytes: number) => void) | undefined): Promise<HashResult> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerMessage): void => {
      if ('bytes' in message) {
        onBytes?.(message.bytes)
        return
      }
      worker.off('message', onMessage).off('error', reject)
      resolve(message)
    }
    worker.on('message', onMessage).once('error', reject)
    worker.postMessage(file)
  })
}
