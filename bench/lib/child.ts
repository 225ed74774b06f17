/**
 * Entry of every Node child process (contenders and the emulated backends): imports the module named
 * on the command line, calls its `serve(spec)` with the JSON spec from BENCH_SPEC, reports what it
 * serves over IPC and stops on the parent's 'stop' message. Exiting through process.exit lets
 * `--cpu-prof` write its profile.
 * @module
 */
import { pathToFileURL } from 'node:url'
import type { NodeService } from './processes.js'

const [modulePath] = process.argv.slice(2)
if (modulePath === undefined || process.send === undefined) throw new Error('usage: started by bench/run.ts with an IPC channel')
const { serve } = await import(pathToFileURL(modulePath).href) as { serve: (spec: unknown) => Promise<NodeService> }
const service = await serve(JSON.parse(process.env['BENCH_SPEC'] ?? 'null'))
process.send({ ready: service.info })
process.on('message', message => {
  if (message !== 'stop') return
  service.close().then(() => process.exit(0), () => process.exit(1))
})
// the runner died or was interrupted: do not outlive it
process.on('disconnect', () => { process.exit(0) })
