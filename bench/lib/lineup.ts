/**
 * Starts every selected contender that can run, each in its own (pinned) process in front of the same
 * backends, and says why the others were skipped.
 * @module
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { BackendName, Backends } from './backends.js'
import type { Contender } from './contender.js'
import type { Target } from './measure.js'
import type { Pinning } from './pinning.js'
import { startNative, startNode, type Running } from './processes.js'

export interface Started extends Target {
  readonly contender: Contender
  stop (): Promise<void>
  /** Stops the contender's process and starts a new one (the same for `direct`, which has none). */
  restart (): Promise<void>
}

export interface Lineup {
  readonly started: Started[]
  readonly skipped: Array<{ contender: string, reason: string }>
}

export interface LineupOptions {
  readonly pinning: Pinning
  readonly backends: Backends
  readonly dir: string
  /** Extra node flags for Node contenders (--cpu-prof …), given the contender's name. */
  readonly nodeFlags: (name: string) => string[]
}

async function launch (contender: Contender, options: LineupOptions): Promise<Running<string> | undefined> {
  if (contender.launch === undefined) return undefined
  const plan = await contender.launch(options.backends, options.dir)
  return plan.kind === 'node'
    ? await startNode<string>(options.pinning, 'proxy', plan.module, plan.spec, options.nodeFlags(contender.name))
    : await startNative(options.pinning, plan.command, plan.args, plan.port)
}

export async function startLineup (contenders: readonly Contender[], options: LineupOptions): Promise<Lineup> {
  const lineup: Lineup = { started: [], skipped: [] }
  for (const contender of contenders) {
    const reason = contender.unavailable()
    if (reason !== undefined) {
      lineup.skipped.push({ contender: contender.name, reason })
      continue
    }
    const dir = join(options.dir, contender.name)
    await mkdir(dir, { recursive: true })
    let running = await launch(contender, { ...options, dir })
    const backendUrl = (name: BackendName): string => options.backends[name]?.url ?? ''
    lineup.started.push({
      contender,
      name: contender.name,
      get pid () { return running?.pid },
      url: name => running === undefined ? backendUrl(name) : running.info,
      headers: backend => contender.clientHeaders(backend),
      stop: async () => { await running?.stop() },
      restart: async () => {
        if (running === undefined) return
        await running.stop()
        running = await launch(contender, { ...options, dir })
      }
    })
  }
  return lineup
}
