import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RepeatLimiter } from '../../src/observability/repeat-limiter.js'

test('at most N lines a second per key; the next line written reports how many were left out', () => {
  let now = 10_000
  const limiter = new RepeatLimiter(2, () => now)
  assert.deepEqual([1, 2, 3, 4].map(() => limiter.admit('A')), [0, 0, undefined, undefined])
  assert.equal(limiter.admit('B'), 0, 'keys are limited apart')
  now += 999
  assert.equal(limiter.admit('A'), undefined, 'still the same second')
  now += 1
  assert.equal(limiter.admit('A'), 3, 'a new second: written, with the three left out')
  assert.equal(limiter.admit('A'), 0)
  assert.equal(limiter.admit('A'), undefined)
})
