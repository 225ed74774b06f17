import assert from 'node:assert/strict'
import { test } from 'node:test'
import { request } from 'undici'
import { auth, startStack } from '../helpers/stack.js'
import { advisoryName, assertRefused, lastJson, metricsText, postJson } from './helpers.js'

const chat = (extra: Record<string, unknown> = {}) => ({ model: 'demo-llm', messages: [{ role: 'user', content: 'hi' }], ...extra })
const completion = (extra: Record<string, unknown> = {}) => ({ model: 'demo-llm', prompt: 'hi', ...extra })

test('vLLM rules refuse by default, each row named with its advisory; nothing refused reaches vLLM, refusals are counted by rule', async (t) => {
  const stack = await startStack(t)
  const cases: Array<[string, string, unknown, string, RegExp]> = [
    ['prompt_embeds', '/v1/completions', completion({ prompt_embeds: 'AAAA' }), 'vllm-prompt-embeds', /prompt_embeds/],
    ['chat_template', '/v1/chat/completions', chat({ chat_template: '{{ x }}' }), 'vllm-chat-template', /chat_template/],
    ['chat_template_kwargs', '/v1/chat/completions', chat({ chat_template_kwargs: { tokenize: true } }), 'vllm-chat-template', /chat_template_kwargs/],
    ['"n" as a string', '/v1/completions', completion({ n: '100' }), 'vllm-n', /"n" must be a number/],
    ['65 prompts', '/v1/completions', completion({ prompt: Array.from({ length: 65 }, () => 'p') }), 'vllm-prompt-count', /65 prompts/],
    ['65 embedding inputs', '/v1/embeddings', { model: 'demo-llm', input: Array.from({ length: 65 }, () => [1, 2]) }, 'vllm-prompt-count', /"input"/],
    ['1025 messages', '/v1/chat/completions', { model: 'demo-llm', messages: Array.from({ length: 1025 }, () => ({ role: 'user', content: 'x' })) }, 'vllm-message-count', /1025 messages/],
    ['a tool pattern that is not a regular expression', '/v1/chat/completions', chat({ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'string', pattern: '([a-z' } } } } }] }), 'vllm-tools', /not a valid regular expression/],
    ['a tool schema type that does not exist', '/v1/chat/completions', chat({ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'strin' } } }] }), 'vllm-tools', /not a JSON Schema type/],
    ['an MCP tool with a server URL', '/v1/chat/completions', chat({ tools: [{ type: 'mcp', server_url: 'http://10.0.0.1' }] }), 'vllm-tools', /tools\[0\]/],
    ['129 tools', '/v1/chat/completions', chat({ tools: Array.from({ length: 129 }, () => ({ type: 'function', function: { name: 'f' } })) }), 'vllm-tools', /129 tools/],
    ['a response_format pattern over 1024 characters', '/v1/chat/completions', chat({ response_format: { type: 'json_schema', json_schema: { name: 's', schema: { type: 'object', properties: { a: { pattern: 'x'.repeat(1025) } } } } } }), 'vllm-tools', /response_format/],
    ['JSON 40 levels deep', '/v1/completions', completion({ extra: JSON.parse('['.repeat(40) + ']'.repeat(40)) as unknown }), 'vllm-json-limits', /deeper than 32/],
    ['a video as a data: URL', '/v1/chat/completions', chat({ messages: [{ role: 'user', content: [{ type: 'video_url', video_url: { url: 'data:video/jpeg;base64,AAAA' } }] }] }), 'vllm-video-data-url', /video/]
  ]
  for (const [name, path, body, rule, because] of cases) {
    await t.test(advisoryName(rule, name), async () => {
      assertRefused(await postJson(stack, path, body), rule, stack.vllm, because)
    })
  }
  const metrics = await metricsText(stack)
  assert.match(metrics, /infergate_guard_refusals_total\{rule="vllm-tools"\} 5/)
  assert.match(metrics, /infergate_refusals_total\{reason="IG_ERR_GUARD_REFUSED"\} 14/)

  // Tool schemas whose properties are *named* like keywords are fine, and so is a clean request.
  const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { pattern: { type: 'string', pattern: '^[a-z]+$' }, type: { type: ['string', 'null'] } } } } }]
  const fine = await postJson(stack, '/v1/chat/completions', chat({ tools, n: 2 }))
  assert.equal(fine.status, 200, fine.body)
  assert.deepEqual(lastJson(stack.vllm)['tools'], tools)
})

test('the body rules cover the opt-in pooling and embed-v2 routes', async (t) => {
  const stack = await startStack(t, { upstreams: { vllm: { routes: ['pooling', 'embed-v2'] } } })
  const deep = JSON.parse('['.repeat(40) + ']'.repeat(40)) as unknown
  const many = Array.from({ length: 65 }, () => 'p')
  const routes: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    ['/pooling', { input: 'a' }, { input: many }],
    ['/classify', { input: 'a' }, { input: many }],
    ['/score', { text_1: 'a', text_2: 'b' }, { text_1: 'a', text_2: many }],
    ['/rerank', { query: 'q', documents: ['a'] }, { query: 'q', documents: many }],
    ['/v2/embed', { texts: ['a'] }, {}]
  ]
  for (const [path, fields, tooMany] of routes) {
    await t.test(path, async (t) => {
      const cases: Array<[string, Record<string, unknown>, string]> = [
        ['prompt_embeds', { prompt_embeds: 'AAAA' }, 'vllm-prompt-embeds'],
        ['chat_template_kwargs', { chat_template_kwargs: { tokenize: true } }, 'vllm-chat-template'],
        ['JSON 40 levels deep', { extra: deep }, 'vllm-json-limits'],
        ['an image URL on the metadata address', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://169.254.169.254/x.png' } }] }] }, 'vllm-media']
      ]
      if (Object.keys(tooMany).length > 0) cases.push(['65 inputs', tooMany, 'vllm-prompt-count'])
      for (const [name, extra, rule] of cases) {
        await t.test(advisoryName(rule, name), async () => {
          stack.vllm.reset()
          assertRefused(await postJson(stack, path, { model: 'demo-llm', ...fields, ...extra }), rule, stack.vllm)
        })
      }
      const fine = await postJson(stack, path, { model: 'demo-llm', ...fields })
      assert.equal(fine.status, 200, fine.body)
    })
  }
})

test('vllm-n, vllm-max-tokens (CVE-2026-34756): caps rewrite the forwarded body once; untouched bodies are forwarded byte for byte', async (t) => {
  const stack = await startStack(t, { config: { rateLimit: { tokens: { max: 1_000_000 } } } })
  const answer = await postJson(stack, '/v1/completions', completion({ n: 20, best_of: 30, max_tokens: 100_000, stream: true }))
  assert.equal(answer.status, 200, answer.body)
  const sent = lastJson(stack.vllm)
  assert.equal(sent['n'], 8)
  assert.equal(sent['best_of'], 8)
  assert.equal(sent['max_tokens'], 32_768)
  // The token budget's own change (asking for usage) is in the same single re-serialisation.
  assert.deepEqual(sent['stream_options'], { include_usage: true })
  assert.match(await metricsText(stack), /infergate_guard_rewrites_total\{rule="vllm-n",action="cap"\} 1/)

  const exact = '{ "model": "demo-llm",  "prompt": "caf\\u00e9", "n": 8 }'
  const untouched = await request(`${stack.url}/v1/completions`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: exact })
  assert.equal(untouched.statusCode, 200)
  await untouched.body.dump()
  assert.equal(stack.vllm.received.at(-1)?.body.toString(), exact)
})

test('vllm-chat-template (CVE-2025-62426), vllm-n, vllm-max-tokens (CVE-2026-34756): configured actions and limits: strip instead of refuse, refuse instead of cap, tighter caps', async (t) => {
  const stack = await startStack(t, {
    upstreams: {
      vllm: {
        guards: {
          'vllm-chat-template': { action: 'strip' },
          'vllm-n': { action: 'refuse', max: 2 },
          'vllm-max-tokens': { max: 50 }
        }
      }
    }
  })
  const stripped = await postJson(stack, '/v1/chat/completions', chat({ chat_template: 'x', chat_template_kwargs: { a: 1 }, max_completion_tokens: 51 }))
  assert.equal(stripped.status, 200, stripped.body)
  const sent = lastJson(stack.vllm)
  assert.equal('chat_template' in sent, false)
  assert.equal('chat_template_kwargs' in sent, false)
  assert.equal(sent['max_completion_tokens'], 50)
  stack.vllm.reset()
  assertRefused(await postJson(stack, '/v1/chat/completions', chat({ n: 3 })), 'vllm-n', stack.vllm, /"n" is 3, more than 2/)
})

test('every vLLM rule can be switched off per upstream', async (t) => {
  const off = { enabled: false }
  const stack = await startStack(t, {
    upstreams: {
      vllm: {
        guards: {
          'vllm-prompt-embeds': off,
          'vllm-chat-template': off,
          'vllm-n': off,
          'vllm-max-tokens': off,
          'vllm-prompt-count': off,
          'vllm-json-limits': off,
          'vllm-media': off,
          'vllm-video-data-url': off,
          'vllm-tools': off,
          'vllm-message-count': off
        }
      }
    }
  })
  const body = completion({
    prompt_embeds: 'AAAA',
    chat_template_kwargs: { tokenize: true },
    n: 50,
    max_tokens: 1_000_000,
    prompt: Array.from({ length: 100 }, () => 'p'),
    deep: JSON.parse('['.repeat(40) + ']'.repeat(40)) as unknown,
    image_url: 'http://169.254.169.254/latest/meta-data/'
  })
  const answer = await postJson(stack, '/v1/completions', body)
  assert.equal(answer.status, 200, answer.body)
  assert.deepEqual(lastJson(stack.vllm), body)
  const chatAnswer = await postJson(stack, '/v1/chat/completions', chat({ tools: [{ type: 'weird' }], messages: Array.from({ length: 2000 }, () => ({ role: 'user', content: [{ type: 'video_url', video_url: { url: 'data:video/mp4;base64,AA' } }] })) }))
  assert.equal(chatAnswer.status, 200, chatAnswer.body)
})

test('vllm-responses-store: previous_response_id and background are refused (vLLM\'s store has no owner check); with action strip they are removed', async (t) => {
  const stack = await startStack(t, { upstreams: { vllm: { routes: ['responses'] } } })
  const input = { model: 'demo-llm', input: 'hi' }
  await t.test('another identity\'s response continued by id', async () => {
    assertRefused(await postJson(stack, '/v1/responses', { ...input, previous_response_id: 'resp_of_someone_else' }), 'vllm-responses-store', stack.vllm, /previous_response_id/)
  })
  await t.test('a background response, stored for retrieval', async () => {
    assertRefused(await postJson(stack, '/v1/responses', { ...input, background: true }), 'vllm-responses-store', stack.vllm, /background/)
  })
  await t.test('a plain Responses request passes', async () => {
    assert.equal((await postJson(stack, '/v1/responses', input)).status, 200)
    assert.equal(stack.vllm.received.length, 1)
  })
})

test('vllm-responses-store with action strip: forwarded without the fields', async (t) => {
  const stack = await startStack(t, { upstreams: { vllm: { routes: ['responses'], guards: { 'vllm-responses-store': { action: 'strip' } } } } })
  const answer = await postJson(stack, '/v1/responses', { model: 'demo-llm', input: 'hi', previous_response_id: 'resp_x', background: true })
  assert.equal(answer.status, 200)
  const forwarded = lastJson(stack.vllm)
  assert.equal('previous_response_id' in forwarded, false)
  assert.equal('background' in forwarded, false)
})

test('Anthropic Messages and count_tokens: the JSON rules apply, in Anthropic\'s tool, schema and image shapes', async (t) => {
  const stack = await startStack(t, { upstreams: { vllm: { routes: ['messages'], guards: { 'vllm-media': { dataBytes: 64 } } } } })
  const message = (extra: Record<string, unknown> = {}) => ({ model: 'demo-llm', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }], ...extra })
  const image = (source: Record<string, unknown>) => ({ messages: [{ role: 'user', content: [{ type: 'image', source }, { type: 'text', text: 'what is it?' }] }] })
  const many = Array.from({ length: 1025 }, () => ({ role: 'user', content: 'x' }))
  const rows: Array<[string, string, Record<string, unknown>, string, RegExp]> = [
    ['chat_template_kwargs (vLLM passes it to the template)', '/v1/messages', message({ chat_template_kwargs: { tokenize: true } }), 'vllm-chat-template', /chat_template_kwargs/],
    ['count_tokens: chat_template_kwargs', '/v1/messages/count_tokens', message({ chat_template_kwargs: { x: 1 } }), 'vllm-chat-template', /chat_template_kwargs/],
    ['prompt_embeds', '/v1/messages', message({ prompt_embeds: 'AAAA' }), 'vllm-prompt-embeds', /prompt_embeds/],
    ['too many messages', '/v1/messages', message({ messages: many }), 'vllm-message-count', /1025 messages/],
    ['count_tokens: too many messages', '/v1/messages/count_tokens', message({ messages: many }), 'vllm-message-count', /1025 messages/],
    ['a tool input_schema of no JSON Schema type', '/v1/messages', message({ tools: [{ name: 'f', input_schema: { type: 'strin' } }] }), 'vllm-tools', /tools\[0\] parameters: .*not a JSON Schema type/],
    ['count_tokens: a tool without a name', '/v1/messages/count_tokens', message({ tools: [{ input_schema: { type: 'object' } }] }), 'vllm-tools', /tools\[0\] has no function name/],
    ['output_config.format.schema with a pattern that does not compile', '/v1/messages', message({ output_config: { format: { type: 'json_schema', schema: { type: 'object', properties: { a: { type: 'string', pattern: '([a-z' } } } } } }), 'vllm-tools', /output_config: .*regular expression/],
    ['an image source URL to the metadata service', '/v1/messages', message(image({ type: 'url', url: 'http://169.254.169.254/latest/meta-data/' })), 'vllm-media', /169\.254\.169\.254 is not allowlisted/],
    ['an image inside a tool_result', '/v1/messages', message({ messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'image', source: { type: 'url', url: 'http://127.0.0.1/x.png' } }] }] }] }), 'vllm-media', /127\.0\.0\.1 is not allowlisted/],
    ['base64 image data over dataBytes', '/v1/messages', message(image({ type: 'base64', media_type: 'image/png', data: 'A'.repeat(65) })), 'vllm-media', /"source" data is longer than 64 bytes/],
    ['a body nested too deep', '/v1/messages', message({ metadata: { deep: JSON.parse('['.repeat(40) + ']'.repeat(40)) as unknown } }), 'vllm-json-limits', /deeper than 32/]
  ]
  for (const [name, path, body, rule, because] of rows) {
    await t.test(name, async () => {
      stack.vllm.reset()
      const answer = await postJson(stack, path, body)
      assertRefused(answer, rule, stack.vllm, because)
      assert.match(answer.body, /^\{"type":"error","error":\{"type":"invalid_request_error"/, 'in Anthropic\'s error shape')
    })
  }

  await t.test('max_tokens is capped as chat\'s is', async () => {
    stack.vllm.reset()
    assert.equal((await postJson(stack, '/v1/messages', message({ max_tokens: 100_000 }))).status, 200)
    assert.equal(lastJson(stack.vllm)['max_tokens'], 32_768)
  })
  await t.test('clean requests pass: valid tools, a small inline image, "source" as a plain word', async () => {
    stack.vllm.reset()
    const tools = [{ name: 'lookup', description: 'd', input_schema: { type: 'object', properties: { source: { type: 'string', pattern: '^[a-z]+$' } } } }]
    const clean = message({ tools, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }, { type: 'text', text: 'hi', source: 'http://10.0.0.1/' }] }] })
    assert.equal((await postJson(stack, '/v1/messages', clean)).status, 200)
    assert.deepEqual(lastJson(stack.vllm), clean)
    const chatSource = chat({ metadata: { source: 'http://10.0.0.1/' } })
    assert.equal((await postJson(stack, '/v1/chat/completions', chatSource)).status, 200, 'a "source" key is media only in an image block')
  })
})
