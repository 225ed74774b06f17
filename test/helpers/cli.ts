/** The `infergate` command as users run it (`node bin/infergate.js …`), for tests of its output and exit codes. */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const BIN = new URL('../../bin/infergate.js', import.meta.url).pathname
const execFileAsync = promisify(execFile)

// A bound: a command that should exit but hangs is killed, and its code is then not 0, 1 or 2.
const TIMEOUT_MS = 60_000
// Reports (SARIF, probe JSON) are larger than execFile's 1 MiB default.
const MAX_BUFFER = 16 * 1024 * 1024

export interface CliOptions {
  /** Added to this process's environment. */
  readonly env?: NodeJS.ProcessEnv
  /** Written to standard input, which is then closed. */
  readonly input?: string
  readonly cwd?: string
  /** Run as this user (and the group of the same id); root only. */
  readonly uid?: number | undefined
}

export interface CliResult {
  /** The exit code; `null` when a signal (the timeout) ended it. */
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export async function cli (args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const child = execFileAsync(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...options.env },
    timeout: TIMEOUT_MS,
    maxBuffer: MAX_BUFFER,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid })
  })
  if (options.input !== undefined) child.child.stdin?.end(options.input)
  try {
    const { stdout, stderr } = await child
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number | null, stdout: string, stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}
