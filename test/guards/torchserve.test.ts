import assert from 'node:assert/strict'
import { test } from 'node:test'
import { request } from 'undici'
import { auth, startStack, type Stack } from '../helpers/stack.js'
import { advisoryName, assertRefused } from './helpers.js'

async function predict (stack: Stack, query: string, headers: Record<string, string> = {}) {
  const response = await request(`${stack.url}/predictions/demo-model${query}`, {
    method: 'POST', headers: { ...auth(), 'content-type': 'text/plain', ...headers }, body: 'a review'
  })
  return { status: response.statusCode, body: await response.body.text() }
}

test('torchserve-url-param (CVE-2023-43654): a url query parameter is refused in any case and encoding; other parameters pass', async (t) => {
  const stack = await startStack(t)
  for (const query of ['?url=http://evil/', '?URL=x', '?a=1&Url=x', '?u%72l=x', '?%55%52%4C=x', '?u%2572l=x', '?a=1;url=x', '?%20url=x']) {
    await t.test(advisoryName('torchserve-url-param', query), async () => {
      assertRefused(await predict(stack, query), 'torchserve-url-param', stack.torchserve, /"url" query parameter/)
    })
  }
  await t.test(advisoryName('torchserve-url-param', '?%C3=1 (not UTF-8)'), async () => {
    assertRefused(await predict(stack, '?%C3=1'), 'torchserve-url-param', stack.torchserve, /cannot be decoded/)
  })
  const fine = await predict(stack, '?urls=1&curl=2&x=url')
  assert.equal(fine.status, 200, fine.body)
  assert.equal(stack.torchserve.received[0]?.url, '/predictions/demo-model?urls=1&curl=2&x=url')
})

test('torchserve-handler-headers: headers a handler could trust are stripped, look-alikes included; both rules can be switched off', async (t) => {
  const stack = await startStack(t)
  const headers = { url_path: '/admin', 'url-path': '/a', 'x-url-path': '/b', 'X-URL.Path': '/c', 'x-note': 'kept' }
  // undici refuses "_" in header names only for HTTP/2; HTTP/1.1 sends it as is.
  assert.equal((await predict(stack, '', headers)).status, 200)
  const received = stack.torchserve.received[0]?.headers ?? {}
  for (const name of ['url_path', 'url-path', 'x-url-path', 'x-url.path']) {
    await t.test(`${name} is stripped`, () => { assert.equal(received[name], undefined) })
  }
  assert.equal(received['x-note'], 'kept')

  const open = await startStack(t, { upstreams: { torchserve: { guards: { 'torchserve-url-param': { enabled: false }, 'torchserve-handler-headers': { enabled: false } } } } })
  assert.equal((await predict(open, '?url=x', { 'x-url-path': '/b' })).status, 200)
  assert.equal(open.torchserve.received[0]?.url, '/predictions/demo-model?url=x')
  assert.equal(open.torchserve.received[0]?.headers['x-url-path'], '/b')
})
