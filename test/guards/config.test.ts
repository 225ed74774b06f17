import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseConfig } from '../../src/config-load/load.js'
import { RULES } from '../../src/guards/rules/index.js'
import { profiles } from '../../src/profiles/index.js'

const withGuards = (framework: string, guards: unknown) => JSON.stringify({
  upstreams: [{ name: 'up', framework, url: 'http://127.0.0.1:8000', guards }]
})

function problems (framework: string, guards: unknown): string {
  try {
    parseConfig(withGuards(framework, guards), 'c.yaml')
  } catch (err) {
    return (err as Error).message
  }
  return ''
}

test('guard settings: unknown rules, rules of another framework, unknown options and bad values are errors naming them', () => {
  assert.match(problems('vllm', { 'vllm-nope': {} }), /upstreams\[0\]\.guards\.vllm-nope: unknown guard rule "vllm-nope" \(vllm has vllm-prompt-embeds, /)
  assert.match(problems('vllm', { 'triton-shared-memory': { enabled: false } }), /guards\.triton-shared-memory: guard rule "triton-shared-memory" is for triton, not vllm/)
  assert.match(problems('vllm', { 'vllm-n': { maximum: 3 } }), /guards\.vllm-n\.maximum: is not an option of vllm-n \(enabled, action, max\)/)
  assert.match(problems('vllm', { 'vllm-n': { max: 0 } }), /guards\.vllm-n\.max: must be an integer from 1 to 1024/)
  assert.match(problems('vllm', { 'vllm-chat-template': { action: 'cap' } }), /guards\.vllm-chat-template\.action: must be refuse or strip/)
  assert.match(problems('vllm', { 'vllm-media': { allowedHosts: 'x' } }), /allowedHosts: must be a list of non-empty strings/)
  assert.match(problems('triton', { 'error-scrub': { enabled: 'no' } }), /guards\.error-scrub\.enabled: must be true or false/)
  assert.equal(problems('torchserve', { 'error-scrub': { enabled: false }, 'torchserve-handler-headers': { names: ['url_path', 'x-model-dir'] } }), '')
})

test('every rule names an advisory and routes its frameworks have', async (t) => {
  const ids = new Set<string>()
  for (const rule of RULES) {
    await t.test(rule.id, () => {
      assert.equal(ids.has(rule.id), false, 'the id is unique')
      ids.add(rule.id)
      assert.ok(rule.advisory.length > 0)
      if (rule.routes === 'all') return
      for (const route of rule.routes) {
        assert.ok(rule.frameworks.some(framework => profiles[framework].rules.some(r => r.id === route)), route)
      }
    })
  }
})
