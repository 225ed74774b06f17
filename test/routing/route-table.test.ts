import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseConfig } from '../../src/config-load/load.js'
import { createUpstream } from '../../src/proxy/upstreams.js'
import { RouteTable, upstreamFor } from '../../src/routing/route-table.js'

function table (t: import('node:test').TestContext) {
  const config = parseConfig(JSON.stringify({
    upstreams: [
      { name: 'tensors', framework: 'triton', url: 'http://127.0.0.1:1', models: ['resnet', 'yolo-*'] },
      { name: 'torch', framework: 'torchserve', url: 'http://127.0.0.1:2', routes: ['kserve-v1', 'kserve-v2'] },
      { name: 'llm', framework: 'vllm', url: 'http://127.0.0.1:3' }
    ]
  }), 'test')
  const upstreams = config.upstreams.map(upstream => createUpstream(upstream, config.limits))
  t.after(() => Promise.all(upstreams.map(u => u.pool.close())))
  return new RouteTable(upstreams)
}

test('path parameters stay inside their segment and out of the query', (t) => {
  const routes = table(t)
  assert.equal(routes.match('POST', '/predictions/m?next=/x')?.pathModel, 'm')
  assert.equal(routes.match('POST', '/predictions/m/2')?.route.rule.id, 'predictions-version')
  assert.equal(routes.match('POST', '/predictions/m/2/extra'), undefined)
  assert.equal(routes.match('POST', '/predictions/a?b/c')?.route.rule.id, 'predictions')
})

test('"{model}:predict" never matches a model name holding the separator', (t) => {
  const routes = table(t)
  assert.equal(routes.match('POST', '/v1/models/sentiment:predict')?.pathModel, 'sentiment')
  assert.equal(routes.match('POST', '/v1/models/a:explain:predict'), undefined)
  assert.equal(routes.match('POST', '/v1/models/a:predict:explain'), undefined)
})

test('matching is case-sensitive, per method, and skips reserved model names', (t) => {
  const routes = table(t)
  assert.equal(routes.match('GET', '/V1/models'), undefined)
  assert.equal(routes.match('POST', '/v1/models'), undefined)
  assert.equal(routes.match('GET', '/v2/models/stats'), undefined)
  assert.equal(routes.match('GET', '/v2/models/resnet')?.route.rule.id, 'model-metadata')
})

test('percent-encoded model names are decoded; invalid UTF-8 matches nothing', (t) => {
  const routes = table(t)
  assert.equal(routes.match('POST', '/v2/models/my%20model/infer')?.pathModel, 'my model')
  assert.equal(routes.match('POST', '/v2/models/%C3%28/infer'), undefined)
})

test('a route shared by two frameworks goes to the first upstream serving the model', (t) => {
  const routes = table(t)
  const match = routes.match('POST', '/v2/models/yolo-v8/infer')
  assert.ok(match !== undefined)
  assert.deepEqual(match.route.candidates.map(u => u.name), ['tensors', 'torch'])
  assert.equal(upstreamFor(match.candidates, 'yolo-v8')?.name, 'tensors')
  assert.equal(upstreamFor(match.candidates, 'bert')?.name, 'torch')
})

// TorchServe cuts KServe model names at ":" (InferenceRequestHandler.handleKFV2Predictions); Triton
// never decodes the path (HTTPAPIServer::Handle in src/http_server.cc)
const CANDIDATES: ReadonlyArray<readonly [method: string, target: string, candidates: string[] | undefined]> = [
  ['POST', '/v2/models/yolo-v8/infer', ['tensors', 'torch']],
  // TorchServe cuts a KServe model at ":", after decoding; Triton reads ":" as it is
  ['POST', '/v2/models/a:b/infer', ['tensors']],
  ['POST', '/v2/models/a:b/explain', undefined],
  ['POST', '/v1/models/a%3Ab:predict', undefined],
  // Triton never decodes: no escape reaches it; TorchServe decodes as the gateway does
  ['POST', '/v2/models/my%20model/infer', ['torch']],
  ['POST', '/v2/models/a%3Ab/infer', undefined],
  ['POST', '/v2/models/a%3ab/infer', undefined],
  ['GET', '/v2/models/my%20model', undefined],
  ['POST', '/v2/models/resnet/versions/1%20/infer', undefined]
]

test('a candidate whose backend reads a path parameter differently is left out', async (t) => {
  const routes = table(t)
  for (const [method, target, candidates] of CANDIDATES) {
    await t.test(`${method} ${target}`, () => {
      assert.deepEqual(routes.match(method, target)?.candidates.map(u => u.name), candidates)
    })
  }
})
