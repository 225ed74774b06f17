/**
 * Option values shared by the `verify-models` and `audit` commands. A bad value is reported with
 * the code `node:util` parseArgs uses for one, so the CLI answers it as a usage error (exit 2).
 * @module
 */
import { availableParallelism } from 'node:os'

function invalidOptionValue (message: string): TypeError {
  return Object.assign(new TypeError(message), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' })
}

/** `--jobs N`: a whole number from 1 to 256; default, one per CPU. */
export function parseJobs (value: string | undefined): number {
  if (value === undefined) return availableParallelism()
  const jobs = Number(value)
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 256) throw invalidOptionValue(`--jobs must be a whole number from 1 to 256, not "${value}"`)
  return jobs
}

/** One of `allowed`, or a usage error naming them. */
export function parseChoice<T extends string> (option: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback
  if (!(allowed as readonly string[]).includes(value)) throw invalidOptionValue(`--${option} must be one of ${allowed.join(', ')}, not "${value}"`)
  return value as T
}
