/**
 * The README's table of vLLM routes that stay denied is `profiles.vllm.denied`, row for row and in
 * order (until it is generated from the data): each route, its WebSocket form and its reason.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { profiles } from '../../src/profiles/index.js'

const HEADER = '| vLLM route | why it is never forwarded |'

test('the README\'s denied-route table lists Profile.denied with its reasons', async () => {
  const readme = await readFile(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8')
  const start = readme.indexOf(HEADER)
  assert.ok(start !== -1, 'the README has the table')
  const lines = readme.slice(start).split('\n').slice(2)
  const rows = lines.slice(0, lines.findIndex(line => !line.startsWith('|')))
  const expected = profiles.vllm.denied.map(row =>
    `| \`${row.method} ${row.path}\`${row.upgrade === 'websocket' ? ' (WebSocket)' : ''} | ${row.reason} |`)
  assert.deepEqual(rows, expected)
})
