/** Requests and assertions shared by the guard tests. */
import assert from 'node:assert/strict'
import { request } from 'undici'
import type { Emulator } from '../../src/emulators/index.js'
import { RULES_BY_ID } from '../../src/guards/rules/index.js'
import { auth, type Stack } from '../helpers/stack.js'
import { gatewayRefusal } from '../helpers/refusal.js'

export interface Answer {
  readonly status: number
  readonly body: string
}

export async function postJson (stack: Stack, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await request(`${stack.url}${path}`, {
    method: 'POST', headers: { ...auth(), 'content-type': 'application/json', ...headers }, body: JSON.stringify(body)
  })
  return { status: response.statusCode, body: await response.body.text() }
}

/** A 400 naming `rule`, and nothing reached `emulator`. */
export function assertRefused (answer: Answer, rule: string, emulator: Emulator, because?: RegExp): void {
  assert.equal(answer.status, 400, answer.body)
  const error = gatewayRefusal(answer.body)
  assert.equal(error.code, 'IG_ERR_GUARD_REFUSED')
  assert.match(error.message, new RegExp(`guard ${rule} `))
  if (because !== undefined) assert.match(error.message, because)
  assert.equal(emulator.received.length, 0, 'nothing refused reaches the upstream')
}

/** The JSON body the emulator received last. */
export function lastJson (emulator: Emulator): Record<string, unknown> {
  const last = emulator.received.at(-1)
  assert.ok(last !== undefined, 'the upstream received the request')
  return JSON.parse(last.body.toString()) as Record<string, unknown>
}

export async function metricsText (stack: Stack): Promise<string> {
  return stack.gateway.metrics.registry.metrics()
}

/**
 * A test name that carries the advisory ids of the guard rule it exercises, taken from the rule
 * itself (`vllm-n (CVE-2026-34756): "n" as a string`), so `--test-name-pattern CVE-…` finds it.
 */
export function advisoryName (rule: string, what: string): string {
  const advisory = RULES_BY_ID.get(rule)?.advisory
  assert.ok(advisory !== undefined, `no guard rule ${rule}`)
  const ids = [...new Set(advisory.match(/CVE-\d{4}-\d{4,}/g) ?? [])]
  return `${rule}${ids.length === 0 ? '' : ` (${ids.join(', ')})`}: ${what}`
}
