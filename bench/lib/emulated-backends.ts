/**
 * The emulated backends' child process (see backends.ts): vLLM and Triton emulators on ephemeral
 * ports. Scenarios set token counts and delays per request with `x-emulate-*` headers.
 * @module
 */
import { startEmulator } from '../../src/emulators/index.js'
import type { NodeService } from './processes.js'

// The emulators record every request for tests; a benchmark would keep gigabytes of bodies.
const FORGET_EVERY_MS = 200

export async function serve (): Promise<NodeService> {
  const [vllm, triton] = await Promise.all([startEmulator('vllm'), startEmulator('triton')])
  const forget = setInterval(() => { vllm.reset(); triton.reset() }, FORGET_EVERY_MS)
  return {
    info: { vllm: vllm.url, triton: triton.url },
    close: async () => {
      clearInterval(forget)
      await Promise.all([vllm.close(), triton.close()])
    }
  }
}
