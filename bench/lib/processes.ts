/**
 * Starting and stopping the child processes: Node services through bench/lib/child.ts (ready and
 * stop over IPC), native proxies (HAProxy, nginx) as plain executables, ready once their port accepts.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import type { Pinning, Role } from './pinning.js'

/** What a Node service module's `serve(spec)` returns. */
export interface NodeService {
  readonly info: unknown
  close (): Promise<void>
}

export interface Running<T> {
  readonly pid: number
  readonly info: T
  stop (): Promise<void>
  /** Node services: sends `message` over IPC and resolves with the child's next message. */
  ask?: (message: unknown) => Promise<unknown>
}

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url))
const READY_TIMEOUT_MS = 20_000

async function exited (child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await once(child, 'exit')
  clearTimeout(timer)
}

export async function startNode<T> (
  pinning: Pinning, role: Role, modulePath: string, spec: unknown, nodeFlags: readonly string[] = []
): Promise<Running<T>> {
  const [command, args] = pinning.wrap(role, process.execPath, [...nodeFlags, '--import', 'tsx', CHILD, modulePath])
  const child = spawn(command, args, {
    // stdout carries only logs (the everything-on contender's access lines): discarded like a log
    // shipper would take them, not rendered on the terminal, which would measure the terminal.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_SPEC: JSON.stringify(spec) }
  })
  const ready = new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`${modulePath}: not ready after ${READY_TIMEOUT_MS} ms`)) }, READY_TIMEOUT_MS)
    child.once('exit', code => { reject(new Error(`${modulePath}: exited with ${String(code)} before it was ready`)) })
    child.on('message', message => {
      clearTimeout(timer)
      resolve((message as { ready: T }).ready)
    })
  })
  const info = await ready
  return {
    pid: child.pid as number,
    info,
    stop: async () => {
      if (child.connected) child.send('stop')
      // profiles of a busy process take a moment to write
      await exited(child, 15_000)
    },
    ask: async message => {
      const done = new AbortController()
      const answer = once(child, 'message', { signal: done.signal })
      // a child that dies instead of answering (a throw in its handler) must not leave the caller waiting
      const died = once(child, 'exit', { signal: done.signal }).then(([code]) => { throw new Error(`${modulePath}: exited with ${String(code)} instead of answering`) })
      child.send(message as Parameters<ChildProcess['send']>[0])
      try {
        return ((await Promise.race([answer, died])) as unknown[])[0]
      } finally {
        done.abort()
        died.catch(() => {})
        answer.catch(() => {})
      }
    }
  }
}

export async function startNative (pinning: Pinning, command: string, args: readonly string[], port: number): Promise<Running<string>> {
  const [wrapped, wrappedArgs] = pinning.wrap('proxy', command, args)
  const child = spawn(wrapped, wrappedArgs, { stdio: ['ignore', 'inherit', 'inherit'] })
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (!await accepts(port)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${command}: not listening on ${port}`)
    await sleep(100)
  }
  return {
    pid: child.pid as number,
    info: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM')
      await exited(child, 5_000)
    }
  }
}

async function accepts (port: number): Promise<boolean> {
  return await new Promise(resolve => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => { resolve(false) })
  })
}
