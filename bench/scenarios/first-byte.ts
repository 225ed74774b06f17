/**
 * Time to the first token of a stream whose backend answers after 50 ms: what the proxy adds to the
 * latency a user feels. The report gives each contender's difference to direct. Two shapes of
 * arrival, 20 requests in flight either way:
 * - spread: the 20 clients start 2.5 ms apart, so requests arrive one at a time, as independent
 *   users' do, and the difference is the proxy's own latency;
 * - burst: the 20 start at once and stay in lockstep, so every 50 ms the proxy takes 20 requests
 *   together, and the last waits behind the 19 before it: the difference is mostly queueing, about
 *   the position in the burst times the proxy's CPU per request.
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'
import { percentile } from '../lib/stats.js'
import { CHAT_PATH, chatRequest } from '../lib/requests.js'
import type { Scenario } from '../lib/scenario.js'
import { boundedLoop, readStream } from '../lib/streams.js'

// Low enough that the 50 ms wait, not queueing, dominates; high enough for 200 requests in about half a second.
const CONCURRENCY = 20
const TTFT_MS = 50

export function firstByte (arrivals: 'spread' | 'burst'): Scenario {
  const spacingMs = arrivals === 'spread' ? TTFT_MS / CONCURRENCY : 0
  return {
    name: arrivals === 'spread' ? 'ttfb' : 'ttfb-burst',
    fullOnly: arrivals === 'burst',
    description: `time to first byte, first token after ${TTFT_MS} ms, ${CONCURRENCY} concurrent, ` +
      (arrivals === 'spread' ? `arriving ${spacingMs} ms apart` : 'arriving together'),
    needs: 'vllm',
    async run (context) {
      const total = context.warmup ? 20 : context.quick ? 200 : 600
      const request = chatRequest(context.backend.model, { tokens: 4, stream: true, ttftMs: TTFT_MS }, context.headers)
      const pool = new Pool(context.url, { connections: CONCURRENCY })
      const started = performance.now()
      try {
        const results = await boundedLoop(total, CONCURRENCY, 30_000, async i => {
          // each client's first request sets its phase; the 50 ms wait keeps it
          if (i < CONCURRENCY && spacingMs > 0) await sleep(i * spacingMs)
          return await readStream(pool, { path: CHAT_PATH, ...request })
        })
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
}
