/** 64-token SSE streams with no delay between tokens: the cost of relaying events as fast as they come. */
import { Pool } from 'undici'
import { percentile } from '../lib/stats.js'
import { CHAT_PATH, chatRequest } from '../lib/requests.js'
import { runSeconds, type Scenario } from '../lib/scenario.js'
import { boundedLoop, readStream } from '../lib/streams.js'

const CONCURRENCY = 16

export const scenario: Scenario = {
  name: 'sse',
  description: `SSE streams of 64 tokens, no delay, ${CONCURRENCY} concurrent`,
  needs: 'vllm',
  async run (context) {
    const total = context.quick ? 2000 : 20_000
    const request = chatRequest(context.backend.model, { tokens: 64, stream: true }, context.headers)
    const pool = new Pool(context.url, { connections: CONCURRENCY })
    const started = performance.now()
    try {
      const results = await boundedLoop(total, CONCURRENCY, runSeconds(context) * 1000,
        () => readStream(pool, { path: CHAT_PATH, ...request }))
      const seconds = (performance.now() - started) / 1000
      const ok = results.filter(r => r.status === 200)
      const times = ok.map(r => r.totalMs)
      return {
        counts: { stream: ok.length, event: ok.reduce((sum, r) => sum + r.events, 0) },
        seconds,
        errors: results.length - ok.length,
        figures: { 'stream p50 ms': percentile(times, 50), 'stream p99 ms': percentile(times, 99) }
      }
    } finally {
      await pool.close()
    }
  }
}
