/**
 * Limits tests: chat requests, a redis-server of their own on a free loopback port, and waiting for
 * what the gateway does after a response (releasing, settling) without sleeping blindly.
 * @module
 */
import { spawn } from 'node:child_process'
import type { TestContext } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { request } from 'undici'
import { freePort } from '../../src/emulators/free-port.js'
import { auth, KEYS } from '../helpers/stack.js'
import { gatewayRefusal } from '../helpers/refusal.js'

export interface Refusal {
  readonly status: number
  readonly code: string | undefined
  readonly retryAfter: string | undefined
  readonly headers: Record<string, unknown>
}

export function chatBody (fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ model: 'demo-llm', messages: [], ...fields })
}

/** A whole chat completion through the gateway: status, error code and headers. */
export async function chat (url: string, fields: Record<string, unknown> = {}, headers: Record<string, string> = {}, key: string = KEYS.alice): Promise<Refusal & { text: string }> {
  const response = await request(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { ...auth(key), 'content-type': 'application/json', ...headers },
    body: chatBody(fields)
  })
  const text = await response.body.text()
  const code = response.statusCode >= 400 ? gatewayRefusal(text).code : undefined
  const retryAfter = response.headers['retry-after']
  return { status: response.statusCode, code, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined, headers: response.headers, text }
}

/** Retries `check` until it stops throwing: for effects that follow a response's end. Bounded. */
export async function eventually<T> (check: () => Promise<T>, attempts = 200): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await check()
    } catch (err) {
      if (i >= attempts) throw err
      await delay(10)
    }
  }
}

/** A throwaway redis-server (no persistence), stopped with the test. */
export async function startRedis (t: TestContext, port?: number): Promise<string> {
  port ??= await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.after(() => { child.kill('SIGKILL') })
  await new Promise<void>((resolve, reject) => {
    let out = ''
    child.once('exit', code => reject(new Error(`redis-server exited with ${code}: ${out}`)))
    // Absent, it is a failure naming what makes sure of it, not a crash of the whole file.
    child.once('error', err => reject(new Error(`redis-server could not start (${(err as NodeJS.ErrnoException).code}): npm test installs it, see test/setup/services.ts`)))
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('Ready to accept connections')) resolve()
    })
  })
  return `redis://127.0.0.1:${port}`
}
