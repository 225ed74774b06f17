/**
 * Thousands of concurrent streams with tokens spaced like a GPU server's (one event per 200 ms per
 * stream): what holding many idle-ish streams costs. CPU per event and RSS per stream are taken in a
 * steady window after every stream has opened, so connection set-up and tear-down are left out.
 * BENCH_SLOW_STREAMS overrides the count (500 quick, 5,000 full).
 * @module
 */
import { setMaxListeners } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'
import { CHAT_PATH, chatRequest } from '../lib/requests.js'
import type { Scenario, Snapshot } from '../lib/scenario.js'
import { percentile } from '../lib/stats.js'
import { readStream } from '../lib/streams.js'

const INTERVAL_MS = 200
// At most this many streams opening at once: a burst beyond the listen backlog (511 in Node) gets
// its SYNs dropped and retried a second later, which measures the backlog, not the proxy.
const OPENING = 256

export const scenario: Scenario = {
  name: 'slow-streams',
  description: `many concurrent streams, one event per ${INTERVAL_MS} ms each`,
  needs: 'vllm',
  freshProcess: true,
  async run (context) {
    const configured = Number(process.env['BENCH_SLOW_STREAMS'])
    const streams = context.warmup ? 200 : configured > 0 ? configured : context.quick ? 500 : 5000
    // waits for every stream to open, up to this long: streams still opening would bill their set-up to
    // the window. At most OPENING wait for a first event (INTERVAL_MS) at once: 500 need ≥ 0.4 s.
    const rampMs = context.quick ? 1500 : 8000
    const windowMs = context.warmup || context.quick ? 400 : 1500
    // long enough to outlast ramp and window; every stream is aborted once the window closes
    const tokens = Math.ceil((rampMs + windowMs + 2000) / INTERVAL_MS)
    const request = chatRequest(context.backend.model, { tokens, stream: true, interTokenMs: INTERVAL_MS }, context.headers)
    const pool = new Pool(context.url, { connections: streams })
    const abort = new AbortController()
    // one signal for every stream: one listener each is expected, not a leak
    setMaxListeners(streams + 10, abort.signal)
    const started = performance.now()
    const firstEventMs: number[] = []
    let events = 0
    let failed = 0
    let markOpen: () => void = () => {}
    const allOpen = new Promise<void>(resolve => { markOpen = resolve })

    const baseline = context.snapshot()
    const running: Promise<unknown>[] = []
    let opening = 0
    let slotFree: () => void = () => {}
    const rampEnds = performance.now() + rampMs
    for (let i = 0; i < streams && performance.now() < rampEnds; i++) {
      if (opening >= OPENING) await new Promise<void>(resolve => { slotFree = resolve })
      opening++
      const sent = performance.now()
      let opened = false
      const settleOpening = (): void => {
        if (opened) return
        opened = true
        opening--
        slotFree()
      }
      running.push(readStream(pool, {
        path: CHAT_PATH,
        ...request,
        signal: abort.signal,
        onEvents: count => {
          events += count
          if (opened || count === 0) return
          settleOpening()
          firstEventMs.push(performance.now() - sent)
          if (firstEventMs.length === streams) markOpen()
        }
      }).catch(() => {
        settleOpening()
        if (!abort.signal.aborted) failed++
      }))
    }
    await Promise.race([allOpen, sleep(Math.max(0, rampEnds - performance.now()))])
    const from: Snapshot = context.snapshot()
    const openSeconds = (from.at - started) / 1000
    const openAtWindow = firstEventMs.length
    const eventsBefore = events
    await sleep(windowMs)
    const to: Snapshot = context.snapshot()
    const windowEvents = events - eventsBefore
    abort.abort()
    await Promise.all(running)
    await pool.destroy()
    const closeSeconds = (performance.now() - to.at) / 1000
    // only a fresh process (full runs) starts from an RSS that no earlier run grew
    const rss = !context.quick && to.proxyRssKb !== undefined && baseline.proxyRssKb !== undefined && openAtWindow > 0
      ? { 'RSS KB/stream': (to.proxyRssKb - baseline.proxyRssKb) / openAtWindow }
      : {}
    return {
      counts: { event: events, stream: firstEventMs.length },
      seconds: (performance.now() - started) / 1000,
      errors: failed,
      // streams still opening when the window starts are not errors, but they make the window lighter
      figures: { 'streams open': openAtWindow, 'open s': openSeconds, 'close s': closeSeconds, 'first event p99 ms': percentile(firstEventMs, 99), ...rss },
      window: { from, to, counts: { event: windowEvents } }
    }
  }
}
