/**
 * A flood the gateway must refuse without touching a backend: an invalid API key on an allowed route,
 * alternating with a valid key on a blocked (admin) route. Only for contenders that enforce policy.
 * @module
 */
import { cannon } from '../lib/cannon.js'
import { CHAT_PATH, chatBody } from '../lib/requests.js'
import { runSeconds, type Scenario } from '../lib/scenario.js'

const INVALID_KEY = 'ig_bench-not-a-key-0123456789abcdefghijklmnopq'

export const scenario: Scenario = {
  name: 'refusals',
  description: 'invalid API keys and blocked routes, 50 connections',
  needs: 'vllm',
  policyOnly: true,
  async run (context) {
    const body = chatBody(context.backend.model, { tokens: 16, stream: false })
    const result = await cannon({
      url: context.url,
      connections: 50,
      duration: runSeconds(context),
      requests: [
        { method: 'POST', path: CHAT_PATH, headers: { 'content-type': 'application/json', authorization: `Bearer ${INVALID_KEY}` }, body },
        { method: 'POST', path: '/v1/load_lora_adapter', headers: { 'content-type': 'application/json', ...context.headers }, body: '{}' }
      ]
    })
    return {
      counts: { refusal: result.status4xx },
      seconds: result.seconds,
      // a 2xx here is a request that got through; a 5xx is a failure, not a refusal
      errors: result.errors + result.ok + result.non2xx - result.status4xx,
      figures: { 'p50 ms': result.p50Ms, 'p99 ms': result.p99Ms }
    }
  }
}
