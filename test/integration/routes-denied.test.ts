/**
 * Every management, debug, metrics and unguarded route of the three backends' HTTP servers (vLLM's
 * api_router.py files, Triton's src/http_server.cc and metrics listener, TorchServe's inference,
 * management and metrics handler chains in ServerInitializer.java, all sent to the gateway's one
 * port), every opt-in route whose group is off (the default config enables none), and wrong methods
 * on allowed paths: all refused with a valid key, none forwarded. Sent with undici, as a real client would.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Client } from 'undici'
import { auth, startStack } from '../helpers/stack.js'
import { gatewayRefusal } from '../helpers/refusal.js'

type Row = readonly [method: string, target: string]

const NOT_ALLOWED = { status: 404, code: 'IG_ERR_ROUTE_NOT_ALLOWED' }
const NONCANONICAL = { status: 400, code: 'IG_ERR_PATH_NONCANONICAL' }

// vLLM (vllm/entrypoints/**/api_router.py). GET /ping is not here: it is TorchServe's health route, allowed and
// sent to TorchServe only (never to vLLM).
const VLLM: readonly Row[] = [
  ['GET', '/health'],
  ['GET', '/load'],
  ['GET', '/version'],
  ['GET', '/metrics'],
  ['GET', '/metrics/any/sub/path'],
  ['GET', '/metricsfoo'],
  ['GET', '/docs'],
  ['GET', '/docs/oauth2-redirect'],
  ['GET', '/redoc'],
  ['GET', '/openapi.json'],
  ['GET', '/static/swagger-ui.css'],
  ['GET', '/static/docs'],
  ['POST', '/tokenize'],
  ['POST', '/detokenize'],
  ['GET', '/tokenizer_info'],
  ['POST', '/ping'],
  ['POST', '/invocations'],
  ['POST', '/generative_scoring'],
  ['POST', '/inference/v1/generate'],
  ['POST', '/abort_requests'],
  ['POST', '/v1/chat/completions/render'],
  ['POST', '/v1/completions/render'],
  ['POST', '/v1/chat/completions/derender'],
  ['POST', '/v1/completions/derender'],
  ['POST', '/scale_elastic_ep'],
  ['POST', '/is_scaling_elastic_ep'],
  ['POST', '/v1/load_lora_adapter'],
  ['POST', '/v1/unload_lora_adapter'],
  ['POST', '/adapters'],
  ['POST', '/adapters/my-adapter'],
  ['DELETE', '/adapters/my-adapter'],
  ['POST', '/start_profile'],
  ['POST', '/stop_profile'],
  ['GET', '/server_info'],
  ['GET', '/server_info?config_format=json'],
  ['POST', '/reset_prefix_cache?reset_running_requests=true&reset_external=true'],
  ['POST', '/reset_mm_cache'],
  ['POST', '/reset_encoder_cache'],
  ['POST', '/sleep?level=2&mode=abort'],
  ['POST', '/wake_up?tags=weights'],
  ['GET', '/is_sleeping'],
  ['POST', '/collective_rpc'],
  ['POST', '/pause?mode=abort'],
  ['POST', '/resume'],
  ['GET', '/is_paused'],
  ['POST', '/init_weight_transfer_engine'],
  ['POST', '/start_weight_update'],
  ['POST', '/start_draft_weight_update'],
  ['POST', '/update_weights'],
  ['POST', '/finish_weight_update'],
  ['GET', '/get_world_size?include_dp=true'],
  ['POST', '/v1foo'],
  // other listeners and entrypoints (DP supervisor, legacy demo, cancel router seen in the index)
  ['GET', '/ready'],
  ['POST', '/generate'],
  ['POST', '/v1/requests/req-1/cancel'],
  ['DELETE', '/v1/requests/req-1'],
  ['POST', '/v1/requests/cancel'],
  // opt routes the vLLM profile does not offer at all
  ['GET', '/v1/responses/resp_123'],
  ['GET', '/v1/responses/resp_123?stream=true&starting_after=2'],
  ['POST', '/v1/responses/resp_123/cancel'],
  // Anthropic routes vLLM does not serve (its Messages and count_tokens are allowed)
  ['POST', '/v1/messages/batches'],
  ['GET', '/v1/messages/batches/msgbatch_1'],
  ['POST', '/v1/messages/count_tokens/x'],
  ['GET', '/v1/realtime'],
  ['POST', '/cohere/v2/chat'],
  ['POST', '/cohere/v2/chat/render'],
  // opt groups of the profile, off by default
  ['POST', '/v1/responses'],
  ['POST', '/v1/rerank'],
  ['POST', '/v2/rerank'],
  ['POST', '/v1/score'],
  ['POST', '/v2/embed'],
  ['POST', '/v1/chat/completions/batch'],
  // the pooling group: unprefixed, so vLLM's own key check skips them
  ['POST', '/pooling'],
  ['POST', '/classify'],
  ['POST', '/score'],
  ['POST', '/rerank']
]

// Triton (src/http_server.cc): its HTTP port, then its metrics listener (8002), then the optional
// SageMaker and OpenAI-frontend listeners (2.3)
const TRITON: readonly Row[] = [
  ['GET', '/v2'],
  ['POST', '/v2'],
  // the model-config group, off by default
  ['GET', '/v2/models/demo-tensor/config'],
  ['GET', '/v2/models/demo-tensor/versions/1/config'],
  ['GET', '/v2/models/stats'],
  ['GET', '/v2/models/demo-tensor/stats'],
  ['GET', '/v2/models/demo-tensor/versions/1/stats'],
  ['GET', '/v2/trace/setting'],
  ['POST', '/v2/trace/setting'],
  ['GET', '/v2/models/demo-tensor/trace/setting'],
  ['POST', '/v2/models/demo-tensor/trace/setting'],
  ['POST', '/v2/models/demo-tensor/versions/1/trace/setting'],
  ['GET', '/v2/logging'],
  ['POST', '/v2/logging'],
  ['POST', '/v2/repository/index'],
  ['POST', '/v2/repository/models/demo-tensor/load'],
  ['POST', '/v2/repository/models/demo-tensor/unload'],
  ['POST', '/v2/repository/myrepo/index'],
  ['POST', '/v2/repository/myrepo/models/demo-tensor/load'],
  ['POST', '/v2/repository/myrepo/models/demo-tensor/unload'],
  ['GET', '/v2/systemsharedmemory/status'],
  ['GET', '/v2/systemsharedmemory/region/triton_python_backend_shm_region_1/status'],
  ['POST', '/v2/systemsharedmemory/region/triton_python_backend_shm_region_1/register'],
  ['POST', '/v2/systemsharedmemory/unregister'],
  ['POST', '/v2/systemsharedmemory/region/r0/unregister'],
  ['GET', '/v2/cudasharedmemory/status'],
  ['GET', '/v2/cudasharedmemory/region/r0/status'],
  ['POST', '/v2/cudasharedmemory/region/r0/register'],
  ['POST', '/v2/cudasharedmemory/unregister'],
  ['POST', '/v2/cudasharedmemory/region/r0/unregister'],
  // metrics listener
  ['GET', '/metrics'],
  ['POST', '/metrics'],
  ['GET', '/anything-else'],
  // SageMaker and OpenAI-compatible frontends
  ['POST', '/invocations'],
  ['GET', '/models'],
  ['GET', '/models/demo-tensor'],
  ['POST', '/models'],
  ['DELETE', '/models/demo-tensor'],
  ['POST', '/models/demo-tensor/invoke'],
  ['GET', '/v1/models/demo-tensor'],
  ['POST', '/v1/models/demo-tensor/load'],
  ['POST', '/v1/models/demo-tensor/unload'],
  ['GET', '/health/ready']
]

// TorchServe (ServerInitializer.java): inference port, management (8081) and metrics (8082), all sent to the
// gateway's port
const TORCHSERVE: readonly Row[] = [
  ['OPTIONS', '/'],
  ['GET', '/api-description'],
  ['POST', '/api-description'],
  ['OPTIONS', '/predictions/demo-model'],
  ['OPTIONS', '/predictions/demo-model/1.0'],
  ['POST', '/invocations?model_name=demo-model'],
  ['POST', '/models/demo-model/invoke'],
  ['POST', '/demo-model/predict'],
  ['POST', '/demo-model/1.0/predict'],
  ['POST', '/wfpredict/my-workflow'],
  ['GET', '/v2'],
  ['POST', '/v2/models/demo-model/versions/1/explain'],
  ['GET', '/execution-parameters'],
  ['POST', '/predictions/demo-model/1.0/extra'],
  // management
  ['GET', '/models'],
  ['GET', '/models?limit=10&next_page_token=2'],
  ['POST', '/models?url=https://evil.example/x.mar&initial_workers=1&synchronous=true'],
  ['POST', '/models?url=file:///tmp/../etc/x.mar'],
  ['GET', '/models/demo-model'],
  ['GET', '/models/demo-model/1.0'],
  ['GET', '/models/demo-model/all'],
  ['GET', '/models/demo-model?customized=true'],
  ['PUT', '/models/demo-model?min_worker=3&max_worker=6'],
  ['PUT', '/models/demo-model/1.0?min_worker=3'],
  ['PUT', '/models/demo-model/1.0/set-default'],
  ['DELETE', '/models/demo-model'],
  ['DELETE', '/models/demo-model/1.0'],
  ['OPTIONS', '/models/demo-model'],
  ['GET', '/v1/models/demo-model'],
  ['GET', '/workflows'],
  ['GET', '/workflows/my-workflow'],
  ['DELETE', '/workflows/my-workflow'],
  ['POST', '/workflows?url=https://evil.example/x.war'],
  ['GET', '/token?type=management'],
  ['GET', '/token?type=inference'],
  // metrics
  ['GET', '/metrics'],
  ['GET', '/metrics?name[]=ts_inference_latency_microseconds'],
  ['POST', '/metrics'],
  // opt groups of the profile, off by default (the KServe v2 infer and health routes are Triton's,
  // always on, so they are not refused here)
  ['POST', '/explanations/demo-model'],
  ['POST', '/explanations/demo-model/1.0'],
  ['PUT', '/explanations/demo-model'],
  ['PUT', '/explanations/demo-model/1.0'],
  ['POST', '/v1/models/demo-model:predict'],
  ['POST', '/v1/models/demo-model:explain'],
  ['POST', '/v2/models/demo-model/explain']
]

// allowed paths, wrong method
const WRONG_METHOD: readonly Row[] = [
  ['GET', '/v1/chat/completions'],
  ['PUT', '/v1/chat/completions'],
  ['DELETE', '/v1/completions'],
  ['GET', '/v1/embeddings'],
  ['POST', '/v1/models'],
  ['DELETE', '/v1/models'],
  ['OPTIONS', '/v1/models'],
  ['GET', '/v2/models/demo-tensor/infer'],
  ['PUT', '/v2/models/demo-tensor/infer'],
  ['GET', '/v2/models/demo-tensor/generate_stream'],
  ['POST', '/v2/models/demo-tensor'],
  ['DELETE', '/v2/models/demo-tensor'],
  ['POST', '/v2/models/demo-tensor/ready'],
  ['POST', '/v2/health/ready'],
  ['GET', '/predictions/demo-model'],
  ['DELETE', '/predictions/demo-model'],
  ['PATCH', '/predictions/demo-model'],
  ['DELETE', '/predictions/demo-model/1.0'],
  ['POST', '/ping']
]

// non-canonical spellings of denied routes
const NON_CANONICAL: readonly Row[] = [
  ['GET', '/metrics/'],
  ['GET', '/v1/../metrics'],
  ['POST', '/v2/repository//index'],
  ['GET', '/v2/models/%2E%2E/config']
]

const JSON_BODY = JSON.stringify({ model: 'demo-llm', messages: [{ role: 'user', content: 'hi' }], inputs: [] })

test('denied routes are refused and never forwarded', async t => {
  const stack = await startStack(t)
  const client = new Client(stack.url)
  t.after(() => client.close())
  const emulators = [stack.vllm, stack.triton, stack.torchserve]

  async function refused (method: string, path: string, expected: { status: number, code: string }): Promise<void> {
    const withBody = method === 'POST' || method === 'PUT' || method === 'PATCH'
    const response = await client.request({
      method,
      path,
      headers: { ...auth(), ...(withBody ? { 'content-type': 'application/json' } : {}) },
      body: withBody ? JSON_BODY : null
    })
    const body = await response.body.text()
    assert.equal(response.statusCode, expected.status, `${method} ${path}: ${response.statusCode} ${body.slice(0, 200)}`)
    assert.equal(gatewayRefusal(body).code, expected.code)
    for (const emulator of emulators) {
      assert.deepEqual(emulator.received.map(r => `${r.method} ${r.url}`), [], `${emulator.framework} received ${method} ${path}`)
    }
  }

  const groups: ReadonlyArray<readonly [string, readonly Row[], { status: number, code: string }]> = [
    ['vLLM', VLLM, NOT_ALLOWED],
    ['Triton', TRITON, NOT_ALLOWED],
    ['TorchServe', TORCHSERVE, NOT_ALLOWED],
    ['wrong method on an allowed path', WRONG_METHOD, NOT_ALLOWED],
    ['non-canonical spelling', NON_CANONICAL, NONCANONICAL]
  ]
  for (const [name, rows, expected] of groups) {
    await t.test(name, async t => {
      for (const [method, path] of rows) {
        await t.test(`${method} ${path}`, () => refused(method, path, expected))
      }
    })
  }

  await t.test('no emulator received anything', () => {
    for (const emulator of emulators) assert.deepEqual(emulator.received.map(r => `${r.method} ${r.url}`), [])
  })
})
