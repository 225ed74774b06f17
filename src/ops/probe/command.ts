/**
 * `infergate probe URL [--key KEY] [--framework F] [--format text|json]` and `infergate probe --list`.
 * Exit codes: 0 nothing exposed, 1 something exposed, 2 bad input or a target that never answered.
 * @module
 */
import { checksFor, checksTable, FRAMEWORK_CHOICES, type FrameworkChoice } from './checks.js'
import { FORMATS, isExposed, RENDERERS, type Format } from './report.js'
import { runProbe } from './run.js'

export interface ProbeArgs {
  readonly key?: string | undefined
  readonly framework?: string | undefined
  readonly format?: string | undefined
  readonly list?: boolean | undefined
}

export interface Output {
  write (text: string): unknown
}

class ProbeUsageError extends Error {}

function oneOf<T extends string> (name: string, value: string | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback
  if ((choices as readonly string[]).includes(value)) return value as T
  throw new ProbeUsageError(`--${name} must be one of ${choices.join(', ')}, not "${value}"`)
}

function targetUrl (text: string | undefined): URL {
  if (text === undefined) throw new ProbeUsageError('probe needs the URL of a model server or gateway: infergate probe http://host:port')
  const url = URL.canParse(text) ? new URL(text) : undefined
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ProbeUsageError(`"${text}" is not an http:// or https:// URL`)
  }
  // The checks are absolute paths on the server's root; a base path would silently be ignored.
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ProbeUsageError(`give the server's origin only (http://host:port), not "${text}"`)
  }
  return url
}

async function probe (positionals: readonly string[], args: ProbeArgs, out: Output, err: Output): Promise<number> {
  const framework = oneOf<FrameworkChoice>('framework', args.framework, FRAMEWORK_CHOICES, 'all')
  if (args.list === true) {
    out.write(checksTable(checksFor(framework)))
    return 0
  }
  const format = oneOf<Format>('format', args.format, FORMATS, 'text')
  if (positionals.length > 1) throw new ProbeUsageError(`probe takes one URL, got ${positionals.length}`)
  const url = targetUrl(positionals[0])
  // The environment keeps the key out of the process list and shell history.
  const key = args.key ?? process.env['INFERGATE_PROBE_KEY']
  if (key === '') throw new ProbeUsageError('--key is empty')
  const report = await runProbe({ url, framework, ...(key === undefined ? {} : { key }) })
  if (!report.answered) {
    const reason = report.results[0]?.attempts[0]?.error ?? 'no answer'
    err.write(`infergate probe: ${url.origin} did not answer any of ${report.requests} requests (${reason})\n`)
    return 2
  }
  out.write(RENDERERS[format](report))
  return isExposed(report) ? 1 : 0
}

export async function probeCommand (positionals: readonly string[], args: ProbeArgs,
  out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  try {
    return await probe(positionals, args, out, err)
  } catch (error) {
    if (!(error instanceof ProbeUsageError)) throw error
    err.write(`infergate probe: ${error.message}\n`)
    return 2
  }
}
