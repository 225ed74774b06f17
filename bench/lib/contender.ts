/**
 * What a contender is: a name, whether it enforces policy (the refusal scenario needs that), what it
 * needs to exist, and how to start it as its own process in front of the backends. `direct` has no
 * process: clients talk to the backends themselves.
 * @module
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { Backend, Backends } from './backends.js'

export type Launch =
  | { readonly kind: 'node', readonly module: string, readonly spec: unknown }
  | { readonly kind: 'native', readonly command: string, readonly args: readonly string[], readonly port: number }

export interface Contender {
  readonly name: string
  readonly description: string
  /** Refuses bad credentials and blocked routes itself. */
  readonly policy: boolean
  /**
   * Only these scenarios: where what sets it apart shows. Elsewhere it would forward exactly as
   * another contender does, and only lengthen the run.
   */
  readonly scenarios?: readonly string[]
  /** Why it cannot run on this checkout or machine; undefined when it can. */
  unavailable (): string | undefined
  /** Headers a client sends through it to reach `backend`. */
  clientHeaders (backend: Backend): Readonly<Record<string, string>>
  /** Absent for `direct`. `dir` is a private temp dir for config files. */
  launch?: (backends: Backends, dir: string) => Promise<Launch>
}

const ROOT = new URL('../../', import.meta.url)

/** The first of `paths` (relative to the repository root) that does not exist. */
export function firstMissing (paths: readonly string[]): string | undefined {
  return paths.find(path => !existsSync(new URL(path, ROOT)))
}

/** Absolute path of an executable on PATH, or undefined. */
export function which (binary: string): string | undefined {
  try {
    return execFileSync('which', [binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined
  } catch {
    return undefined
  }
}
