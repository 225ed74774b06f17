import { startTorchServeEmulator } from './torchserve.js'
import { startTritonEmulator } from './triton.js'
import type { Emulator, EmulatorOptions, Framework } from './types.js'
import { startVllmEmulator } from './vllm.js'

export type { Emulator, EmulatorOptions, Failure, Framework, RecordedRequest } from './types.js'

const STARTERS: Record<Framework, (options: EmulatorOptions) => Promise<Emulator>> = {
  vllm: startVllmEmulator,
  triton: startTritonEmulator,
  torchserve: startTorchServeEmulator
}

export async function startEmulator (framework: Framework, options: EmulatorOptions = {}): Promise<Emulator> {
  return await STARTERS[framework](options)
}
