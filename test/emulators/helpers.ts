import { once } from 'node:events'
import type { TestContext } from 'node:test'
import { startEmulator, type Emulator, type EmulatorOptions, type Framework, type RecordedRequest } from '../../src/emulators/index.js'

export async function start (t: TestContext, framework: Framework, options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = await startEmulator(framework, options)
  t.after(() => emulator.close())
  return emulator
}

/** Resolves with the next request record whose outcome is settled. */
export async function nextSettled (emulator: Emulator): Promise<RecordedRequest> {
  const [record] = await once(emulator.events, 'settled') as [RecordedRequest]
  return record
}

/** Resolves once the emulator has read the next request's body. */
export async function nextRequest (emulator: Emulator): Promise<RecordedRequest> {
  const [record] = await once(emulator.events, 'request') as [RecordedRequest]
  return record
}

/** The payloads of the `data:` lines of an SSE body, in order. */
export function sseData (text: string): string[] {
  return text.split('\n\n').filter(frame => frame !== '').map(frame => {
    const line = frame.split('\n').find(l => l.startsWith('data: '))
    if (line === undefined) throw new Error(`frame without data: ${frame}`)
    return line.slice('data: '.length)
  })
}

/** Reads a body until it ends or fails, keeping what arrived before a failure. */
export async function readUntilError (body: AsyncIterable<Buffer>): Promise<{ text: string, error: unknown }> {
  let text = ''
  try {
    for await (const chunk of body) text += chunk.toString()
  } catch (error) {
    return { text, error }
  }
  return { text, error: undefined }
}
