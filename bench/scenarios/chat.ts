/** Non-streaming chat completions (~400 B answers) from 50 keep-alive connections: per-request overhead. */
import { cannon } from '../lib/cannon.js'
import { CHAT_PATH, chatRequest } from '../lib/requests.js'
import { runSeconds, type Scenario } from '../lib/scenario.js'

export const scenario: Scenario = {
  name: 'chat',
  description: 'non-streaming chat completion, ~400 B response, 50 connections',
  needs: 'vllm',
  async run (context) {
    const request = chatRequest(context.backend.model, { tokens: 16, stream: false }, context.headers)
    const result = await cannon({
      url: context.url + CHAT_PATH,
      method: 'POST',
      connections: 50,
      duration: runSeconds(context),
      ...request
    })
    return {
      counts: { request: result.ok },
      seconds: result.seconds,
      errors: result.errors + result.non2xx,
      figures: { 'p50 ms': result.p50Ms, 'p99 ms': result.p99Ms }
    }
  }
}
