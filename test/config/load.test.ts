import assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { test } from 'node:test'
import { durationMs } from '../../src/lib/duration.js'
import { loadConfigFile, parseConfig } from '../../src/config-load/load.js'

const upstream = '{ name: llm, framework: vllm, url: "http://127.0.0.1:8000" }'

function problems (text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(text, 'test.yaml', env)
  } catch (err) {
    const error = err as Error & { code: string }
    assert.equal(error.code, 'IG_ERR_CONFIG_INVALID')
    return error.message.split('\n').slice(1)
  }
  assert.fail('the config was accepted')
}

test('every example config in config/ loads', async () => {
  const dir = new URL('../../config/', import.meta.url)
  const files = (await readdir(dir)).filter(f => /\.(ya?ml|json)$/.test(f))
  assert.ok(files.length >= 2)
  const env = {
    INFERGATE_DEMO_PORT: '0',
    INFERGATE_DEMO_METRICS_PORT: '0',
    INFERGATE_DEMO_VLLM_URL: 'http://127.0.0.1:1',
    INFERGATE_DEMO_TRITON_URL: 'http://127.0.0.1:2',
    INFERGATE_DEMO_TORCHSERVE_URL: 'http://127.0.0.1:3',
    INFERGATE_DEMO_KEY_SHA256: 'a'.repeat(64),
    VLLM_API_KEY: 'x',
    TORCHSERVE_INFERENCE_KEY: 'y',
    REDIS_PASSWORD: 'z'
  }
  for (const file of files) {
    const config = await loadConfigFile(new URL(file, dir).pathname, env)
    assert.ok(config.upstreams.length > 0, file)
  }
  // The full example shows every kind of key a user may set.
  const example = await loadConfigFile(new URL('example.yaml', dir).pathname, env)
  assert.equal(example.auth.jwt[0]?.issuer, 'https://login.example.com')
  assert.equal(typeof example.auth.apiKeysFile, 'string')
  assert.equal(example.rateLimit?.redis?.onError, 'closed')
  assert.ok(Object.keys(example.upstreams[0]?.guards ?? {}).length > 0)
  assert.equal(example.metrics.identityLabel.enabled, false)
  assert.equal(example.server.headersTimeout, '10s')
  assert.equal(example.server.maxConnectionsPerClient, 1024)
  assert.deepEqual(example.cors?.origins, ['https://chat.example.com'])
  assert.equal(example.upstreams[1]?.limits.bodyBytes, 16_777_216)
})

test('defaults fill every key left out, and the result is frozen', () => {
  const config = parseConfig(`upstreams: [${upstream}]`, 'test.yaml')
  assert.deepEqual(config.listen, { host: '127.0.0.1', port: 8080 })
  assert.deepEqual(config.metrics, { host: '127.0.0.1', port: 9464, identityLabel: { enabled: false, max: 100 } })
  assert.equal(config.limits.bodyBytes, 1_048_576)
  assert.deepEqual(config.upstreams[0]?.models, ['*'])
  assert.equal(config.upstreams[0]?.pool.connections, 8192)
  assert.deepEqual(config.auth.apiKeys, [])
  assert.ok(Object.isFrozen(config.upstreams[0]?.timeouts))
})

test('JSON is accepted as it is', () => {
  const config = parseConfig(JSON.stringify({ listen: { port: 9000 }, upstreams: [{ name: 'a', framework: 'triton', url: 'https://t:8000' }] }), 'c.json')
  assert.equal(config.listen.port, 9000)
})

test('all problems at once, one line each, named by key path', () => {
  assert.deepEqual(problems(`
listen: { port: -1, hots: x }
limits: { bodyBytes: lots }
upstreams:
  - { name: LLM, framework: vlm, url: "http://x:1", timeouts: { idle: 5 parsecs }, limits: { bodyBytes: -1 } }
auth:
  apiKeys:
    - { id: a, sha256: ABC }
    - { sha256: "${'a'.repeat(64)}" }
extra: true
`), [
    'extra: unknown key',
    'listen.hots: unknown key',
    'listen.port: must be >= 0',
    'limits.bodyBytes: must be integer',
    'upstreams[0].name: must be lower-case letters, digits, "_" or "-" (at most 63)',
    'upstreams[0].framework: must be one of vllm, triton, torchserve',
    'upstreams[0].timeouts.idle: must be a duration: milliseconds, or a number with a unit (ms, s, m, h)',
    'upstreams[0].limits.bodyBytes: must be >= 0',
    'auth.apiKeys[0].sha256: must be 64 lower-case hex digits (infergate hash-key KEY)',
    'auth.apiKeys[1].id: is required'
  ])
})

test('checks beyond the schema: URLs, duplicate names and keys, route groups, listener clash', () => {
  const key = 'b'.repeat(64)
  assert.deepEqual(problems(`
metrics: { port: 8080 }
upstreams:
  - { name: a, framework: vllm, url: "ftp://x", routes: [responses, metrics] }
  - { name: a, framework: triton, url: "http://u:p@x:1" }
  - { name: b, framework: torchserve, url: "http://x:1/prefix" }
  - { name: c, framework: vllm, url: "not a url" }
auth:
  apiKeys: [{ id: one, sha256: "${key}" }, { id: two, sha256: "${key}" }]
`), [
    'upstreams[0].url: must use http:// or https://',
    'upstreams[0].routes[1]: "metrics" is not an optional route group of vllm (one of messages, batch, responses, rerank, score, embed-v2, pooling, audio)',
    'upstreams[1].name: "a" is used by another upstream',
    'upstreams[1].url: must not hold credentials (use headers)',
    'upstreams[2].url: must be an origin only (scheme, host, port), without a path',
    'upstreams[3].url: must be an absolute http:// or https:// URL',
    'auth.apiKeys[1].sha256: the same key is already given to "one"',
    'metrics.port: must differ from listen.port (metrics never share the main listener)'
  ])
})

test('ENV substitution: in any string, after parsing; a missing variable is named; $${ escapes', () => {
  const config = parseConfig(`
listen: { port: "\${PORT}" }
upstreams:
  - { name: llm, framework: vllm, url: "\${URL}", headers: { authorization: "Bearer \${TOKEN}", x-literal: "$\${NOT_ENV}" } }
`, 'test.yaml', { PORT: '9100', URL: 'http://10.0.0.1:8000', TOKEN: 'a: b\nc' })
  assert.equal(config.listen.port, 9100)
  assert.equal(config.upstreams[0]?.url, 'http://10.0.0.1:8000')
  assert.equal(config.upstreams[0]?.headers['authorization'], 'Bearer a: b\nc')
  assert.equal(config.upstreams[0]?.headers['x-literal'], '$' + '{NOT_ENV}')
  assert.deepEqual(problems('upstreams: [{ name: llm, framework: vllm, url: "$' + '{MISSING}" }]'), [
    'upstreams[0].url: environment variable MISSING is not set'
  ])
})

test('YAML errors name the line; a document that is not a mapping is refused', () => {
  assert.match(problems('upstreams: [\n')[0] as string, /^test\.yaml:\d+:\d+: /)
  assert.match(problems('a: 1\na: 2\n')[0] as string, /^test\.yaml:2:1: Map keys must be unique/)
  assert.match(problems('- just\n- a list\n')[0] as string, /must be a mapping/)
  assert.deepEqual(problems('upstreams: []'), ['upstreams: must list at least one upstream'])
})

test('durations: milliseconds or a number with a unit', () => {
  assert.equal(durationMs(250), 250)
  assert.equal(durationMs('250ms'), 250)
  assert.equal(durationMs('30s'), 30_000)
  assert.equal(durationMs('1.5 minutes'), 90_000)
  assert.equal(durationMs('2h'), 7_200_000)
})

test('cors: off when absent; the defaults when on', () => {
  assert.equal(parseConfig(`upstreams: [${upstream}]`, 'test.yaml').cors, undefined)
  const config = parseConfig(`upstreams: [${upstream}]\ncors: { origins: ["https://app.example.com"] }`, 'test.yaml')
  assert.deepEqual(config.cors, { origins: ['https://app.example.com'], maxAge: '10m', allowHeaders: [], exposeHeaders: [], credentials: false })
  const wildcard = parseConfig(`upstreams: [${upstream}]\ncors: { origins: ["*"], allowHeaders: ["*"], maxAge: 2h }`, 'test.yaml')
  assert.deepEqual(wildcard.cors?.origins, ['*'])
})

// Each row one config error, named by its key path; a browser would never match a malformed origin.
const CORS_PROBLEMS: ReadonlyArray<readonly [name: string, cors: string, problem: string]> = [
  ['"*" with credentials', '{ origins: ["*"], credentials: true }',
    'cors.origins: "*" cannot be used with cors.credentials: true (browsers refuse a wildcard on credentialed requests); list the origins'],
  ['"*" allowHeaders with credentials', '{ origins: ["https://a.example"], allowHeaders: ["*"], credentials: true }',
    'cors.allowHeaders: "*" cannot be used with cors.credentials: true (browsers read it as a header named "*"); list the headers'],
  ['"*" exposeHeaders with credentials', '{ origins: ["https://a.example"], exposeHeaders: ["*"], credentials: true }',
    'cors.exposeHeaders: "*" cannot be used with cors.credentials: true (browsers read it as a header named "*"); list the headers'],
  ['"*" among other origins', '{ origins: ["https://a.example", "*"] }',
    'cors.origins[1]: "*" must be the only entry'],
  ['an origin with a path', '{ origins: ["https://a.example/app"] }',
    'cors.origins[0]: must be an origin as browsers send it, scheme://host[:port] without a path or trailing slash (https://a.example)'],
  ['a trailing slash', '{ origins: ["https://a.example/"] }',
    'cors.origins[0]: must be an origin as browsers send it, scheme://host[:port] without a path or trailing slash (https://a.example)'],
  ['upper case', '{ origins: ["https://App.Example"] }',
    'cors.origins[0]: must be an origin as browsers send it, scheme://host[:port] without a path or trailing slash (https://app.example)'],
  ['the default port', '{ origins: ["https://a.example:443"] }',
    'cors.origins[0]: must be an origin as browsers send it, scheme://host[:port] without a path or trailing slash (https://a.example)'],
  ['not a URL', '{ origins: ["app.example.com"] }',
    'cors.origins[0]: must be an http:// or https:// origin, e.g. https://app.example.com'],
  ['another scheme', '{ origins: ["ftp://a.example"] }',
    'cors.origins[0]: must be an http:// or https:// origin, e.g. https://app.example.com'],
  ['"null"', '{ origins: ["null"] }',
    'cors.origins[0]: "null" is the origin of every sandboxed frame and file: page; it cannot be allowed'],
  ['no origins', '{ origins: [] }', 'cors.origins: must list at least one origin (or "*")'],
  ['a bad maxAge', '{ origins: ["https://a.example"], maxAge: soon }',
    'cors.maxAge: must be a duration: milliseconds, or a number with a unit (ms, s, m, h)'],
  ['an upper-case header name', '{ origins: ["https://a.example"], allowHeaders: ["X-Custom"] }',
    'cors.allowHeaders[0]: must be a lower-case header name'],
  ['an unknown key', '{ origins: ["https://a.example"], methods: [GET] }', 'cors.methods: unknown key']
]

test('cors: config errors', async (t) => {
  for (const [name, cors, problem] of CORS_PROBLEMS) {
    await t.test(name, () => {
      assert.deepEqual(problems(`upstreams: [${upstream}]\ncors: ${cors}`), [problem])
    })
  }
})
