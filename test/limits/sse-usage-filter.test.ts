import assert from 'node:assert/strict'
import { test } from 'node:test'
import { UsageChunkFilter } from '../../src/limits/sse-usage-filter.js'

const token = 'data: {"id":"c","choices":[{"index":0,"delta":{"content":" tok"}}]}\n\n'
const finish = 'data: {"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"length"}]}\n\n'
const usage = 'data: {"id":"c","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}\n\n'
const done = 'data: [DONE]\n\n'

function filtered (chunks: string[]): string {
  const filter = new UsageChunkFilter()
  const out = chunks.map(chunk => filter.push(Buffer.from(chunk))?.toString() ?? '')
  return out.join('') + (filter.flush()?.toString() ?? '')
}

test('the usage frame is removed, whatever the chunk boundaries; every other byte passes', () => {
  const whole = token + token + finish + usage + done
  for (let size = 1; size <= whole.length; size += 7) {
    const chunks: string[] = []
    for (let i = 0; i < whole.length; i += size) chunks.push(whole.slice(i, i + size))
    assert.equal(filtered(chunks), token + token + finish + done, `chunks of ${size}`)
  }
})

test('CRLF frames, frames that only mention usage, and an unterminated tail pass untouched', () => {
  const crlf = usage.replace('\n\n', '\r\n\r\n')
  const mention = 'data: {"choices":[{"delta":{"content":"\\"usage\\":{ \\"choices\\":[]"}}]}\n\n'
  assert.equal(filtered([token, crlf, mention, 'data: {"partial"']), token + mention + 'data: {"partial"')
})

test('a usage frame written with whitespace is removed too', () => {
  const spaced = 'data: { "id": "c", "choices": [ ], "usage": { "prompt_tokens": 1, "completion_tokens": 2 } }\n\n'
  const filter = new UsageChunkFilter()
  assert.equal(filter.push(Buffer.from(token + spaced + done))?.toString(), token + done)
  assert.deepEqual(filter.usage, { prompt_tokens: 1, completion_tokens: 2 })
})

test('an unfinished "frame" longer than 64 KiB is passed on, not held', () => {
  const filter = new UsageChunkFilter()
  const big = 'x'.repeat(70_000)
  assert.equal(filter.push(Buffer.from(token + big))?.toString(), token + big)
  assert.equal(filter.push(Buffer.from(usage + done))?.toString(), done)
  assert.equal(filter.flush(), undefined)
})
