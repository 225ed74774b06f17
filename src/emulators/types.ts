import type { IncomingHttpHeaders } from 'node:http'
import type { EventEmitter } from 'node:events'

export type Framework = 'vllm' | 'triton' | 'torchserve'

/**
 * Failures hit only the routes that run the model (generation, embeddings, infer, predictions);
 * health, metadata and management routes keep answering so a gateway's probes stay quiet.
 */
export type Failure = 'none' | 'reset' | 'hang' | 'reset-mid-stream' | 'status-500'

export interface EmulatorOptions {
  host?: string            // default 127.0.0.1
  port?: number            // default 0 (ephemeral)
  models?: string[]        // served model names; default ['demo-llm'] (vllm), ['demo-tensor'] (triton), ['demo-model'] (torchserve)
  ttftMs?: number          // delay before the first token / first chunk / (non-streaming) before the response; default 0
  interTokenMs?: number    // gap between tokens/chunks; default 0
  tokens?: number          // tokens (SSE events / chunks) per response; default 8
  failure?: Failure        // default 'none'
  requireToken?: string    // when set, inference/health routes need `Authorization: Bearer <it>` (vLLM: 401 on /v1/*; TorchServe: 400 InvalidKeyException, /ping included; Triton ignores it)
  stream?: boolean         // TorchServe only: answer predictions as a chunked stream; default false
}

export interface RecordedRequest {
  method: string
  url: string                    // raw request target exactly as received
  headers: IncomingHttpHeaders
  body: Buffer                   // the whole request body as received
  outcome: 'pending' | 'completed' | 'aborted'   // completed = response fully written; aborted = the connection closed before the response finished (the client went away, or a reset failure mode cut it)
}

export interface Emulator {
  framework: Framework
  url: string                    // http://127.0.0.1:PORT
  port: number
  options: EmulatorOptions       // mutable at runtime: tests change it between requests
  received: RecordedRequest[]    // every request, in arrival order (management routes too)
  events: EventEmitter           // 'request' (RecordedRequest) when the body has been read; 'settled' (RecordedRequest) when its outcome becomes completed or aborted
  reset (): void                 // clears received
  close (): Promise<void>        // closes the server and destroys all open sockets
}
