import { test } from 'node:test'
import assert from 'node:assert/strict'
import { pathLength, requestTargetProblem } from '../../src/policy/request-target.js'

const MAX = 2048

const ACCEPTED: readonly string[] = [
  '/',
  '/v1/chat/completions',
  '/v1/models',
  '/v2/models/my%20model/infer',
  '/v2/models/demo-tensor/versions/1/generate_stream',
  '/predictions/m?x=1&y=%2f',
  '/predictions/m?x=1&y=%2F',
  '/predictions/caf%C3%A9',
  '/v1/models/m:predict',
  '/v1/models?',
  '/v1/models?a=%2e%2e&b=/../&c=;&d=\\',
  '/?x=1',
  "/a/b-c_d.e~f!$&'()*+,=:@",
  '/.well-known/x',
  '/a..b/...',
  '/v2/models/a%3Fb/infer',
  '/' + 'a'.repeat(MAX - 1)
]

const REFUSED: ReadonlyArray<readonly [string, string]> = [
  ['', 'not an origin-form path'],
  ['*', 'not an origin-form path'],
  ['http://127.0.0.1/v1/models', 'not an origin-form path'],
  ['127.0.0.1:80', 'not an origin-form path'],
  ['v1/models', 'not an origin-form path'],
  ['?x=1', 'not an origin-form path'],
  ['//v1/models', 'empty path segment'],
  ['/v1//chat/completions', 'empty path segment'],
  ['/v1/models/', 'empty path segment'],
  ['/v1/models/?x=1', 'empty path segment'],
  ['/v1/./chat/completions', 'dot segment'],
  ['/v1/../metrics', 'dot segment'],
  ['/..', 'dot segment'],
  ['/.', 'dot segment'],
  ['/v1/models/..?x=1', 'dot segment'],
  ['/v1/chat%2Fcompletions', 'encoded "/"'],
  ['/v1/chat%2fcompletions', 'malformed or lower-case percent escape'],
  ['/v1%5Cchat/completions', 'encoded "\\"'],
  ['/v1%5cchat/completions', 'malformed or lower-case percent escape'],
  ['/v1/%2E%2E/metrics', 'percent-encoded unreserved character'],
  ['/v1/%2e%2e/metrics', 'malformed or lower-case percent escape'],
  ['/v1/%2E/models', 'percent-encoded unreserved character'],
  ['/v1/chat%252Fcompletions', 'encoded "%" (double encoding)'],
  ['/v1/%63hat/completions', 'percent-encoded unreserved character'],
  ['/v1/model%73', 'percent-encoded unreserved character'],
  ['/v1/models%7E', 'percent-encoded unreserved character'],
  ['/v1/models%2D', 'percent-encoded unreserved character'],
  ['/v1/models%00', 'encoded control character'],
  ['/v1/models%0D%0AX:%201', 'encoded control character'],
  ['/v1/models%7F', 'encoded control character'],
  ['/predictions/caf%c3%a9', 'malformed or lower-case percent escape'],
  ['/v1/mod%zzels', 'malformed or lower-case percent escape'],
  ['/v1/models%2', 'malformed or lower-case percent escape'],
  ['/v1/models%', 'malformed or lower-case percent escape'],
  ['/v1/chat\\completions', 'backslash'],
  ['/v1/chat/completions;x=1', '";" parameter'],
  ['/v1/models#frag', 'fragment'],
  ['/v1/mo\x00dels', 'NUL'],
  ['/v1/mo\x01dels', 'control character'],
  ['/v1/mo\tdels', 'control character'],
  ['/v1/mo\x7fdels', 'control character'],
  ['/v1/mo dels', 'space'],
  ['/v1/mod\u00e8ls', 'non-ASCII character'],
  ['/v1/"models"', 'character """'],
  ['/v1/<models>', 'character "<"'],
  ['/v1/{models}', 'character "{"'],
  ['/v1/a|b', 'character "|"'],
  ['/v1/models?x=%zz', 'malformed percent escape in the query'],
  ['/v1/models?x=%2', 'malformed percent escape in the query'],
  ['/v1/models?x=a b', 'space in the query'],
  ['/v1/models?x=1#frag', 'fragment in the query'],
  ['/v1/models?x=\x00', 'NUL in the query'],
  ['/v1/models?x=\t', 'control character in the query'],
  ['/v1/models?x=\u00e9', 'non-ASCII character in the query'],
  ['/' + 'a'.repeat(MAX), `longer than ${MAX} bytes`]
]

test('canonical targets are accepted', async t => {
  for (const target of ACCEPTED) {
    await t.test(JSON.stringify(target.length > 60 ? `${target.slice(0, 20)}… (${target.length})` : target), () => {
      assert.equal(requestTargetProblem(target, MAX), undefined)
    })
  }
})

test('non-canonical targets are refused with the reason', async t => {
  for (const [target, reason] of REFUSED) {
    await t.test(`${JSON.stringify(target.length > 60 ? `${target.slice(0, 20)}… (${target.length})` : target)} → ${reason}`, () => {
      const problem = requestTargetProblem(target, MAX)
      assert.ok(problem !== undefined, `${JSON.stringify(target)} was accepted`)
      assert.ok(problem.includes(reason), `${JSON.stringify(target)}: "${problem}" does not mention "${reason}"`)
    })
  }
})

test('the length limit is the whole target, query included', () => {
  assert.equal(requestTargetProblem('/v1/models?x=1', 14), undefined)
  assert.match(requestTargetProblem('/v1/models?x=12', 14) ?? '', /longer than 14 bytes/)
})

test('pathLength is the index of the query or the length', () => {
  assert.equal(pathLength('/v1/models'), 10)
  assert.equal(pathLength('/v1/models?x=1'), 10)
  assert.equal(pathLength('/?'), 1)
})
