import assert from 'node:assert/strict'
import { test } from 'node:test'
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
