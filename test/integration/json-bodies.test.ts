import assert from 'node:assert/strict'
import { test } from 'node:test'
import { request } from 'undici'
import { duplicateKey } from '../../src/lib/json-object.js'
import { auth, KEYS, startStack } from '../helpers/stack.js'
import { gatewayRefusal } from '../helpers/refusal.js'

test('keys given twice in one object are found, escaped spellings included; same names in other objects and string look-alikes are not', () => {
  assert.equal(duplicateKey('{"model":"a","model":"b"}'), 'model')
  assert.equal(duplicateKey('{"model":"a","mod\\u0065l":"b"}'), 'model')
  assert.equal(duplicateKey('{"a":"}\\"{","b":{"c":{"a":1}},"a":2}'), 'a')
  assert.equal(duplicateKey('{"model":"a","x":{"model":1},"y":["model","model"]}'), undefined)
  assert.equal(duplicateKey('{"s":"a,\\"b\\":1","b":2}'), undefined)
})

test('JSON bodies that could be read two ways are refused before forwarding; the checked bytes are the forwarded bytes', async (t) => {
  const stack = await startStack(t)
  const scoped = auth(KEYS.scoped)
  const refusals: Array<[string, Record<string, string>, string, number, string]> = [
    ['a duplicate key', { 'content-type': 'application/json' }, '{"model":"demo-llm","model":"secret-llm","prompt":"x"}', 400, 'IG_ERR_BODY_INVALID'],
    ['a duplicate key spelled with an escape', { 'content-type': 'application/json' }, '{"model":"demo-llm","mod\\u0065l":"secret-llm"}', 400, 'IG_ERR_BODY_INVALID'],
    ['charset=utf-16', { 'content-type': 'application/json; charset=utf-16' }, '{"model":"demo-llm"}', 415, 'IG_ERR_MEDIA_TYPE'],
    ['text/json', { 'content-type': 'text/json' }, '{"model":"demo-llm"}', 415, 'IG_ERR_MEDIA_TYPE'],
    ['a form body', { 'content-type': 'application/x-www-form-urlencoded' }, 'model=demo-llm', 415, 'IG_ERR_MEDIA_TYPE'],
    ['a byte order mark', { 'content-type': 'application/json' }, '\ufeff{"model":"demo-llm"}', 400, 'IG_ERR_BODY_INVALID']
  ]
  for (const [name, headers, body, status, code] of refusals) {
    await t.test(name, async () => {
      const response = await request(`${stack.url}/v1/completions`, { method: 'POST', headers: { ...scoped, ...headers }, body })
      assert.equal(response.statusCode, status, body)
      assert.equal(gatewayRefusal(await response.body.json()).code, code)
    })
  }
  assert.equal(stack.vllm.received.length, 0)

  const exact = '{ "model" : "demo-llm",\n  "prompt": "caf\\u00e9", "max_tokens": 2 }'
  const accepted = await request(`${stack.url}/v1/completions`, {
    method: 'POST', headers: { ...scoped, 'content-type': 'application/json; charset=UTF-8' }, body: exact
  })
  assert.equal(accepted.statusCode, 200)
  await accepted.body.dump()
  assert.equal(stack.vllm.received[0]?.body.toString(), exact)
})
