import assert from 'node:assert/strict'
import { test } from 'node:test'
import { USAGE_DIALECTS } from '../../src/observability/usage-dialects.js'
import { usageFromTail } from '../../src/observability/usage.js'

const tail = (...parts: string[]) => parts.map(p => Buffer.from(p))

test('usage is read from the last usage object, split across chunks, in either naming', () => {
  assert.deepEqual(usageFromTail(tail('data: {"choices":[],"usage":{"prompt_tokens":3,"comp', 'letion_tokens":7,"total_tokens":10,"prompt_tokens_details":{"cached_tokens":0}}}\n\ndata: [DONE]\n\n')),
    { promptTokens: 3, completionTokens: 7 })
  assert.deepEqual(usageFromTail(tail('{"id":"x","usage":{"prompt_tokens":1,"completion_tokens":1}}', 'data: {"usage":{"prompt_tokens":2,"completion_tokens":9}}')),
    { promptTokens: 2, completionTokens: 9 }, 'continuous usage: the last one wins')
  assert.deepEqual(usageFromTail(tail('event: response.completed\ndata: {"response":{"usage":{"input_tokens":4,"output_tokens":5,"total_tokens":9}}}\n\n')),
    { promptTokens: 4, completionTokens: 5 }, 'the Responses API')
  assert.equal(usageFromTail(tail('data: {"choices":[{"delta":{}}],"usage":null}\n\n')), undefined)
  assert.equal(usageFromTail(tail('data: {"usage":{"prompt_tokens":"many"}}')), undefined)
  assert.equal(usageFromTail(tail('{"usage":{"prompt_tokens":1,')), undefined, 'cut off')
})

test('Anthropic usage: the message\'s usage, a stream\'s last message_delta, input tokens from message_start when it lacks them', async (t) => {
  const { read } = USAGE_DIALECTS.anthropic
  const start = { input_tokens: 12, output_tokens: 1, cache_creation_input_tokens: 3, cache_read_input_tokens: 5 }
  const event = (type: string, value: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...value })}\n\n`
  const rows: Array<[string, string[], boolean, Record<string, unknown> | undefined, unknown]> = [
    ['a message: input and cache tokens are the prompt', ['{"id":"msg_1","type":"message","content":[{"type":"tool_use","input":{"usage":{"input_tokens":99,"output_tokens":99}}}],', '"usage":{"input_tokens":4,"output_tokens":6,"cache_read_input_tokens":2}}'], false, undefined, { promptTokens: 6, completionTokens: 6 }],
    ['a stream: message_delta\'s cumulative output, message_start\'s input', [event('content_block_stop', { index: 0 }), event('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 15 } }), event('message_stop', {})], true, start, { promptTokens: 20, completionTokens: 15 }],
    ['a stream from vLLM: message_delta has the input tokens too', [event('message_delta', { delta: {}, usage: { input_tokens: 7, output_tokens: 9 } }) + event('message_stop', {})], true, undefined, { promptTokens: 7, completionTokens: 9 }],
    ['CRLF frames, split across chunks', ['event: message_delta\r\ndata: {"type":"message_delta","usage":{"out', 'put_tokens":4}}\r\n\r\nevent: message_stop\r\ndata: {"type":"message_stop"}\r\n\r\n'], true, start, { promptTokens: 20, completionTokens: 4 }],
    ['a stream cut before message_delta: message_start\'s usage is not the stream\'s', [event('message_start', { message: { usage: start } }), event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'hi' } })], true, start, undefined],
    ['message_delta naming "message_delta" in its text only', [event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: '"message_delta" "usage":{"output_tokens":1}' } })], true, start, undefined],
    ['message_delta without input tokens and no message_start read', [event('message_delta', { usage: { output_tokens: 3 } })], true, undefined, undefined],
    ['output_tokens not a number', [event('message_delta', { usage: { input_tokens: 1, output_tokens: '3' } })], true, undefined, undefined]
  ]
  for (const [name, parts, streamed, head, expected] of rows) {
    await t.test(name, () => {
      assert.deepEqual(read(tail(...parts), streamed, head), expected)
    })
  }
})
