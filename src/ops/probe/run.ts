/**
 * Sends every check for the chosen framework, without a credential and (when one is given) with it,
 * at most `CONCURRENCY` at a time, then judges the answers.
 * @module
 */
import { checksFor, type FrameworkChoice, type ProbeCheck } from './checks.js'
import { isGatewayRefusal, verdictOf, type Verdict } from './classify.js'
import { sendRaw, type RawAnswer } from './send.js'

export const CONCURRENCY = 4
const DEFAULT_TIMEOUT_MS = 5000

export interface ProbeOptions {
  /** An origin: http(s)://host[:port]. */
  readonly url: URL
  readonly key?: string
  readonly framework: FrameworkChoice
  readonly timeoutMs?: number
}

export type Credential = 'none' | 'key'

export interface Attempt {
  readonly credential: Credential
  readonly status: number
  readonly verdict: Verdict
  readonly error?: string
}

export interface CheckResult {
  readonly check: ProbeCheck
  readonly attempts: readonly Attempt[]
  readonly exposed: boolean
}

export interface ProbeReport {
  readonly url: string
  /** The target refused in infergate's shape, so every other answer means "forwarded". */
  readonly gateway: boolean
  readonly requests: number
  /** At least one request got an HTTP answer. */
  readonly answered: boolean
  readonly results: readonly CheckResult[]
}

interface Planned {
  readonly check: ProbeCheck
  readonly credential: Credential
}

async function mapConcurrently<T, R> (items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i] as T)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

export async function runProbe (options: ProbeOptions): Promise<ProbeReport> {
  const credentials: Credential[] = options.key === undefined ? ['none'] : ['none', 'key']
  const planned: Planned[] = checksFor(options.framework).flatMap(check => credentials.map(credential => ({ check, credential })))
  const answers = await mapConcurrently(planned, CONCURRENCY, ({ check, credential }): Promise<RawAnswer> => sendRaw({
    url: options.url,
    method: check.method,
    target: check.target.replace('{authority}', options.url.host),
    headers: {
      'User-Agent': 'infergate-probe',
      ...(credential === 'key' ? { Authorization: `Bearer ${options.key ?? ''}` } : {})
    },
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  }))
  const gateway = answers.some(isGatewayRefusal)
  const byCheck = new Map<ProbeCheck, Attempt[]>()
  planned.forEach(({ check, credential }, i) => {
    const answer = answers[i] as RawAnswer
    const attempt: Attempt = {
      credential,
      status: answer.status,
      verdict: verdictOf(answer, gateway),
      ...(answer.error === undefined ? {} : { error: answer.error })
    }
    byCheck.set(check, [...(byCheck.get(check) ?? []), attempt])
  })
  return {
    url: options.url.origin,
    gateway,
    requests: planned.length,
    answered: answers.some(answer => answer.status !== 0),
    results: [...byCheck].map(([check, attempts]) => ({ check, attempts, exposed: attempts.some(a => a.verdict === 'exposed') }))
  }
}
