/**
 * Time to the first token of a stream whose backend answers after 50 ms: what the proxy adds to the
 * latency a user feels. The report gives each contender's difference to direct.
 * @module
 */
import { Pool } from 'undici'
import { percentile } from '../lib/stats.js'
import { CHAT_PATH, chatRequest } from '../lib/requests.js'
import type { Scenario } from '../lib/scenario.js'
import { boundedLoop, readStream } from '../lib/streams.js'

// Low enough that the 50 ms wait, not queueing, dominates; high enough for 200 requests in about half a second.
const CONCURRENCY = 20

export const scenario: Scenario = {
  name: 'ttfb',
  description: `time to first byte, first token after 50 ms, ${CONCURRENCY} concurrent`,
  needs: 'vllm',
  async run (context) {
    const total = context.warmup ? 20 : context.quick ? 200 : 1000
    const request = chatRequest(context.backend.model, { tokens: 4, stream: true, ttftMs: 50 }, context.headers)
    const pool = new Pool(context.url, { connections: CONCURRENCY })
    const started = performance.now()
    try {
      const results = await boundedLoop(total, CONCURRENCY, 30_000, () => readStream(pool, { path: CHAT_PATH, ...request }))
      const ok = results.filter(r => r.status === 200)
      const firstBytes = ok.map(r => r.firstByteMs)
      return {
        counts: { request: ok.length },
        seconds: (performance.now() - started) / 1000,
        errors: results.length - ok.length,
        figures: { 'TTFB p50 ms': percentile(firstBytes, 50), 'TTFB p99 ms': percentile(firstBytes, 99) }
      }
    } finally {
      await pool.close()
    }
  }
}
