import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { test } from 'node:test'
import { UsageChunkFilter } from '../../src/limits/sse-usage-filter.js'

const token = 'data: {"id":"c","choices":[{"index":0,"delta":{"content":" tok"}}]}\n\n'
const finish = 'data: {"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"length"}]}\n\n'
const usage = 'data: {"id":"c","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}\n\n'
const done = 'data: [DONE]\n\n'

async function filtered (chunks: string[]): Promise<string> {
  return await text(Readable.from(chunks.map(chunk => Buffer.from(chunk))).pipe(new UsageChunkFilter()))
}

test('the usage frame is removed, whatever the chunk boundaries; every other byte passes', async () => {
  const whole = token + token + finish + usage + done
  for (let size = 1; size <= whole.length; size += 7) {
    const chunks: string[] = []
    for (let i = 0; i < whole.length; i += size) chunks.push(whole.slice(i, i + size))
    assert.equal(await filtered(chunks), token + token + finish + done, `chunks of ${size}`)
  }
})

test('CRLF frames, frames that only mention usage, and an unterminated tail pass untouched', async () => {
  const crlf = usage.replace('\n\n', '\r\n\r\n')
  const mention = 'data: {"choices":[{"delta":{"content":"\\"usage\\":{ \\"choices\\":[]"}}]}\n\n'
  assert.equal(await filtered([token, crlf, mention, 'data: {"partial"']), token + mention + 'data: {"partial"')
})
