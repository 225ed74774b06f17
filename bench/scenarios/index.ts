/** Every scenario, in run and report order. */
import type { Scenario } from '../lib/scenario.js'
import { scenario as chat } from './chat.js'
import { scenario as refusals } from './refusals.js'
import { scenario as slowStreams } from './slow-streams.js'
import { scenario as sse } from './sse.js'
import { scenario as triton16 } from './triton-16mib.js'
import { scenario as triton1 } from './triton-1mib.js'
import { scenario as ttfb } from './ttfb.js'
import { scenario as ttfbBurst } from './ttfb-burst.js'

export const SCENARIOS: readonly Scenario[] = [chat, sse, ttfb, ttfbBurst, triton1, triton16, slowStreams, refusals]
