import assert from 'node:assert/strict'
import { test } from 'node:test'
import { request } from 'undici'
import { startGateway } from '../../src/serve.js'
import { auth, KEYS, startEmulators, startStack, stackConfig } from '../helpers/stack.js'

/** `name{labels} value` lines of a scrape, as a map from series to value. */
async function scrape (url: string, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const response = await request(`${url}/metrics`, { headers })
  assert.equal(response.statusCode, 200)
  assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/)
  const series = new Map<string, number>()
  for (const line of (await response.body.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    series.set(line.slice(0, at), Number(line.slice(at + 1)))
  }
  return series
}

const chat = (stream: boolean, key: string = KEYS.alice) => ({
  method: 'POST' as const,
  headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'demo-llm', stream, stream_options: stream ? { include_usage: true } : undefined, messages: [{ role: 'user', content: 'one two three' }] })
})

test('metrics are served on their own listener, never on the gateway port', async (t) => {
  const stack = await startStack(t)
  assert.notEqual(stack.gateway.metricsUrl, stack.url)
  const onMain = await request(`${stack.url}/metrics`, { headers: auth() })
  assert.equal(onMain.statusCode, 404)
  await onMain.body.dump()
  const series = await scrape(stack.gateway.metricsUrl)
  assert.ok([...series.keys()].some(k => k.startsWith('infergate_build_info{')))
  assert.ok(series.has('infergate_process_cpu_user_seconds_total'))
  assert.deepEqual(stack.vllm.received, [], 'and /metrics is never forwarded')
})

test('known traffic shows up: requests, tokens, streams, refusals, auth failures, in-flight back to zero', async (t) => {
  const stack = await startStack(t, { emulators: { vllm: { tokens: 7 } } })
  const streamed = await request(`${stack.url}/v1/chat/completions`, chat(true))
  await streamed.body.text()
  const plain = await request(`${stack.url}/v1/chat/completions`, chat(false))
  await plain.body.text()
  for (const headers of [{}, { authorization: 'Bearer wrong' }]) {
    const refused = await request(`${stack.url}/v1/models`, { headers })
    await refused.body.dump()
  }
  const blocked = await request(`${stack.url}/v2/repository/index`, { method: 'POST', headers: auth() })
  await blocked.body.dump()
  const scoped = await request(`${stack.url}/v1/chat/completions`, { ...chat(false, KEYS.scoped), body: JSON.stringify({ model: 'other', messages: [] }) })
  await scoped.body.dump()

  const series = await scrape(stack.gateway.metricsUrl)
  assert.equal(series.get('infergate_requests_total{upstream="vllm",route="chat-completions",status_class="2xx"}'), 2)
  assert.equal(series.get('infergate_requests_total{upstream="none",route="none",status_class="4xx"}'), 3)
  // A stream of 7 tokens is 7 completion tokens; two requests of 7 each. The model is configured
  // for the scoped key, so it has its own label.
  assert.equal(series.get('infergate_tokens_total{model="demo-llm",kind="completion"}'), 14)
  assert.ok((series.get('infergate_tokens_total{model="demo-llm",kind="prompt"}') ?? 0) > 0)
  assert.equal(series.get('infergate_stream_duration_seconds_count{upstream="vllm",route="chat-completions"}'), 1)
  assert.equal(series.get('infergate_time_to_first_token_seconds_count{upstream="vllm",route="chat-completions"}'), 1)
  assert.equal(series.get('infergate_upstream_first_byte_seconds_count{upstream="vllm",route="chat-completions"}'), 2)
  assert.equal(series.get('infergate_gateway_overhead_seconds_count'), 2)
  assert.equal(series.get('infergate_refusals_total{reason="IG_ERR_UNAUTHENTICATED"}'), 2)
  assert.equal(series.get('infergate_refusals_total{reason="IG_ERR_ROUTE_NOT_ALLOWED"}'), 1)
  assert.equal(series.get('infergate_refusals_total{reason="IG_ERR_MODEL_NOT_ALLOWED"}'), 1)
  assert.equal(series.get('infergate_auth_failures_total{method="none",reason="missing"}'), 1)
  assert.equal(series.get('infergate_auth_failures_total{method="api-key",reason="unknown"}'), 1)
  assert.equal(series.get('infergate_in_flight_requests{upstream="vllm"}'), 0)
  assert.equal(series.get('infergate_in_flight_streams{upstream="vllm"}'), 0)
  assert.ok(![...series.keys()].some(k => k.includes('identity')), 'no identity label unless an operator opts in')
})

test('an open stream is in flight; a client that leaves is counted as 499 and the gauges return to zero', async (t) => {
  const stack = await startStack(t)
  const response = await request(`${stack.url}/v1/chat/completions`, {
    ...chat(true), headers: { ...chat(true).headers, 'x-emulate-inter-token-ms': '60000' }
  })
  await response.body[Symbol.asyncIterator]().next()
  const during = await scrape(stack.gateway.metricsUrl)
  assert.equal(during.get('infergate_in_flight_streams{upstream="vllm"}'), 1)
  assert.equal(during.get('infergate_in_flight_requests{upstream="vllm"}'), 1)
  const settled = new Promise(resolve => stack.vllm.events.once('settled', resolve))
  response.body.destroy()
  await settled
  const after = await scrape(stack.gateway.metricsUrl)
  assert.equal(after.get('infergate_in_flight_streams{upstream="vllm"}'), 0)
  assert.equal(after.get('infergate_requests_total{upstream="vllm",route="chat-completions",status_class="2xx"}'), 1)
})

test('upstream failures are counted by kind', async (t) => {
  const stack = await startStack(t, { emulators: { vllm: { failure: 'reset' } } })
  const response = await request(`${stack.url}/v1/chat/completions`, chat(false))
  await response.body.dump()
  const series = await scrape(stack.gateway.metricsUrl)
  assert.equal(series.get('infergate_upstream_errors_total{upstream="vllm",kind="unreachable"}'), 1)
  assert.equal(series.get('infergate_requests_total{upstream="vllm",route="chat-completions",status_class="5xx"}'), 1)
})

test('a metrics bearer token is required when configured; identity labels are opt-in and capped', async (t) => {
  const emulators = await startEmulators(t)
  const config = stackConfig(emulators, {
    config: { metrics: { host: '127.0.0.1', port: 0, bearerToken: 'scrape-token-0123456789', identityLabel: { enabled: true, max: 1 } } }
  })
  const gateway = await startGateway(config)
  t.after(() => gateway.app.close())
  for (const key of [KEYS.alice, KEYS.scoped]) {
    const response = await request(`${gateway.url}/v1/models`, { headers: auth(key) })
    await response.body.dump()
  }
  const anonymous = await request(`${gateway.metricsUrl}/metrics`)
  assert.equal(anonymous.statusCode, 401)
  await anonymous.body.dump()
  const series = await scrape(gateway.metricsUrl, { authorization: 'Bearer scrape-token-0123456789' })
  assert.equal(series.get('infergate_identity_requests_total{identity="alice"}'), 1)
  assert.equal(series.get('infergate_identity_requests_total{identity="other"}'), 1)
})
