/**
 * Triton binary-tensor infer (KServe v2 binary extension): one FP32 tensor in, the same size back as
 * binary output. Measures bulk throughput through the proxy; the emulator echoes the input. For a real
 * Triton, BENCH_TRITON_INPUT / BENCH_TRITON_OUTPUT name the model's tensors (default INPUT0 / OUTPUT0).
 * @module
 */
import { cannon } from '../lib/cannon.js'
import { runSeconds, type Scenario } from '../lib/scenario.js'

function inferBody (bytes: number): { body: Buffer, headerLength: number } {
  const header = Buffer.from(JSON.stringify({
    inputs: [{ name: process.env['BENCH_TRITON_INPUT'] ?? 'INPUT0', datatype: 'FP32', shape: [1, bytes / 4], parameters: { binary_data_size: bytes } }],
    outputs: [{ name: process.env['BENCH_TRITON_OUTPUT'] ?? 'OUTPUT0', parameters: { binary_data: true } }]
  }))
  return { body: Buffer.concat([header, Buffer.alloc(bytes, 0x3f)]), headerLength: header.length }
}

export function tritonBinary (mebibytes: number, connections: number): Scenario {
  const bytes = mebibytes * 2 ** 20
  let built: ReturnType<typeof inferBody> | undefined
  return {
    name: `triton-${mebibytes}mib`,
    description: `Triton binary infer, ${mebibytes} MiB tensor each way, ${connections} connections`,
    needs: 'triton',
    async run (context) {
      built ??= inferBody(bytes)
      const result = await cannon({
        url: `${context.url}/v2/models/${encodeURIComponent(context.backend.model)}/infer`,
        method: 'POST',
        connections,
        // a 16 MiB exchange takes a few hundred ms here: quick runs get long enough for several
        duration: context.quick && !context.warmup ? Math.max(0.3, mebibytes / 32) : runSeconds(context),
        headers: {
          'content-type': 'application/octet-stream',
          'inference-header-content-length': String(built.headerLength),
          ...context.headers
        },
        body: built.body
      })
      return {
        counts: { request: result.ok, MB: result.ok * bytes / 1e6 },
        seconds: result.seconds,
        errors: result.errors + result.non2xx,
        figures: { 'p50 ms': result.p50Ms, 'p99 ms': result.p99Ms }
      }
    }
  }
}
