/**
 * Entry of every Node child process (contenders and the emulated backends): imports the module named
 * on the command line, calls its `serve(spec)` with the JSON spec from BENCH_SPEC, reports what it
 * serves over IPC and stops on the parent's 'stop' message. Exiting through process.exit lets
 * `--cpu-prof` write its profile. Started with `--expose-gc` (bench/stream-memory.ts), it also
 * answers `{ memory: SNAPSHOT_PATH | null }` with its memory after a full GC, and writes a heap
 * snapshot there when given a path.
 * @module
 */
import { pathToFileURL } from 'node:url'
import { writeHeapSnapshot } from 'node:v8'
import type { NodeService } from './processes.js'

const [modulePath] = process.argv.slice(2)
if (modulePath === undefined || process.send === undefined) throw new Error('usage: started by bench/run.ts with an IPC channel')
const { serve } = await import(pathToFileURL(modulePath).href) as { serve: (spec: unknown) => Promise<NodeService> }
const service = await serve(JSON.parse(process.env['BENCH_SPEC'] ?? 'null'))
process.send({ ready: service.info })
process.on('message', (message: unknown) => {
  if (message === 'stop') service.close().then(() => process.exit(0), () => process.exit(1))
  else if (typeof message === 'object' && message !== null && 'memory' in message) measureMemory(message.memory as string | null)
})

function measureMemory (snapshotPath: string | null): void {
  const gc = globalThis.gc as (() => void) | undefined
  if (gc === undefined) throw new Error('memory asked of a child started without --expose-gc')
  // twice: weak references and finalizers cleared by the first are collected by the second
  gc()
  gc()
  // measured before the snapshot, whose writing grows the process
  const memory = process.memoryUsage()
  if (snapshotPath !== null) writeHeapSnapshot(snapshotPath)
  ;(process.send as NonNullable<typeof process.send>)({ memory })
}
// the runner died or was interrupted: do not outlive it
process.on('disconnect', () => { process.exit(0) })
