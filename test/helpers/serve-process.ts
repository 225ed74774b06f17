/**
 * `infergate serve` as a real child process, its JSON log lines captured, for what only a process
 * shows: signals, exit codes, what reaches stdout.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { TestContext } from 'node:test'
import { stringify } from 'yaml'

const BIN = new URL('../../bin/infergate.js', import.meta.url).pathname

export interface ServeProcess {
  readonly child: ChildProcess
  readonly url: string
  readonly metricsUrl: string
  /** Every stdout line so far (JSON log lines). */
  readonly lines: string[]
  /** Everything the process wrote to stderr so far. */
  readonly stderr: () => string
  /** Resolves once `count` lines so far satisfy `predicate` (log lines arrive through a pipe). */
  linesMatching (predicate: (line: string) => boolean, count?: number): Promise<string[]>
}

export async function startServeProcess (t: TestContext, config: unknown): Promise<ServeProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'infergate-'))
  const file = join(dir, 'config.yaml')
  await writeFile(file, stringify(config))
  const child = spawn(process.execPath, [BIN, 'serve', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const lines: string[] = []
  const reader = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  reader.on('line', line => lines.push(line))

  function linesMatching (predicate: (line: string) => boolean, count = 1): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = lines.filter(predicate)
        if (found.length < count) return
        reader.off('line', check)
        child.off('exit', onExit)
        resolve(found)
      }
      const onExit = (code: number | null): void => reject(new Error(`infergate exited with ${code}: ${stderr}`))
      reader.on('line', check)
      child.once('exit', onExit)
      check()
    })
  }

  const [listening] = await linesMatching(line => line.includes('"msg":"Server listening at'))
  const [metrics] = await linesMatching(line => line.includes('"msg":"metrics listening"'))
  const url = (/Server listening at (http:\/\/[^"]+)/.exec(listening as string) as RegExpExecArray)[1] as string
  const metricsUrl = (/"url":"(http:\/\/[^"]+)\/metrics"/.exec(metrics as string) as RegExpExecArray)[1] as string
  return { child, url, metricsUrl, lines, stderr: () => stderr, linesMatching }
}
