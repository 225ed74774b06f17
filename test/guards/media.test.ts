import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isBlockedAddress } from '../../src/guards/address-policy.js'
import { mediaUrlProblem, type MediaPolicy } from '../../src/guards/media-url.js'
import { startStack } from '../helpers/stack.js'
import { advisoryName, assertRefused, lastJson, postJson } from './helpers.js'

const policy = (allowedHosts: string[] = []): MediaPolicy => ({ allowedHosts: new Set(allowedHosts), dataBytes: 64, lookupTimeoutMs: 2000 })

test('vllm-media (CVE-2026-24779, CVE-2026-22778): media URLs: data: within the cap, allowlisted public hosts only; parser tricks and private addresses refused', async (t) => {
  const open = policy(['localhost', '127.0.0.1', '169.254.169.254', 'evil', 'good.example', '93.184.216.34', '[::ffff:7f00:1]', '[fd00:ec2::254]'])
  const refused: Array<[string, RegExp]> = [
    ['http://2130706433/', /private or reserved/],
    ['http://0x7f.1/', /private or reserved/],
    ['http://017700000001/', /private or reserved/],
    ['http://127.1/', /private or reserved/],
    ['http://[::ffff:127.0.0.1]/', /private or reserved/],
    ['http://[fd00:ec2::254]/', /private or reserved/],
    ['http://169.254.169.254/latest/meta-data/', /private or reserved/],
    ['http://a@evil/', /userinfo/],
    ['http://good.example:80@evil/', /userinfo/],
    ['http://good.example\\@evil/', /backslash/],
    ['http://evil\\.good.example/', /backslash/],
    ['http://good%2eexample/', /percent-encoded/],
    ['http://good.example/a b', /whitespace/],
    ['file:///etc/passwd', /neither data: nor http/],
    ['http://other.example/cat.png', /not allowlisted/],
    [`data:image/png;base64,${'A'.repeat(64)}`, /longer than 64 bytes/],
    ['http://localhost:8000/x.png', /resolves to (127\.0\.0\.1|::1)/]
  ]
  for (const [url, because] of refused) {
    await t.test(`${url.length > 80 ? `${url.slice(0, 40)}…` : url} is refused`, async () => {
      assert.match(await mediaUrlProblem(url, open) ?? 'accepted', because)
    })
  }
  assert.equal(await mediaUrlProblem('data:image/png;base64,AAAA', policy()), undefined)
  assert.equal(await mediaUrlProblem('https://93.184.216.34/cat.png', open), undefined)
  assert.match(await mediaUrlProblem('https://93.184.216.34/cat.png', policy()) ?? '', /not allowlisted/)
})

test('vllm-media (CVE-2026-24779): blocked address ranges, in both families', async (t) => {
  for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.100.100.200', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00:ec2::254', '::ffff:10.0.0.1', '64:ff9b::7f00:1', 'not-an-ip']) {
    await t.test(`${address} is blocked`, () => { assert.equal(isBlockedAddress(address), true) })
  }
  for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) {
    await t.test(`${address} is not blocked`, () => { assert.equal(isBlockedAddress(address), false) })
  }
})

test('vllm-media: multimodal parts through the gateway, each row named with its advisory: refused unless data: or allowlisted; the allowlist is per upstream', async (t) => {
  const stack = await startStack(t, { upstreams: { vllm: { guards: { 'vllm-media': { allowedHosts: ['93.184.216.34', 'localhost'], maxParts: 3, dataBytes: 1000 } } } } })
  const part = (type: string, value: unknown) => ({ model: 'demo-llm', messages: [{ role: 'user', content: [{ type: 'text', text: 'what is it?' }, { type, [type]: value }] }] })
  const cases: Array<[string, unknown, RegExp]> = [
    ['an allowlisted name that resolves to loopback', part('image_url', { url: 'http://localhost/cat.png' }), /resolves to/],
    ['127.0.0.1 as one decimal number', part('image_url', { url: 'http://2130706433/' }), /not allowlisted/],
    ['a video URL on 127.0.0.1 in hex shorthand', part('video_url', { url: 'http://0x7f.1/' }), /not allowlisted/],
    ['an audio URL on IPv4-mapped loopback', part('audio_url', { url: 'http://[::ffff:127.0.0.1]/' }), /not allowlisted/],
    ['the cloud metadata address', part('image_url', { url: 'http://169.254.169.254/' }), /not allowlisted/],
    ['userinfo before an allowlisted host', part('image_url', { url: 'http://a@93.184.216.34/' }), /userinfo/],
    ['a backslash before @localhost', part('image_url', { url: 'http://93.184.216.34\\@localhost/' }), /backslash/],
    ['input_audio over dataBytes', part('input_audio', { data: 'A'.repeat(1001), format: 'wav' }), /longer than 1000/],
    ['a data: image over dataBytes', part('image_url', { url: `data:image/png;base64,${'A'.repeat(1000)}` }), /longer than 1000/],
    ['4 media parts, more than maxParts', { model: 'demo-llm', messages: [{ role: 'user', content: Array.from({ length: 4 }, () => ({ type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } })) }] }, /4 media parts, more than 3/]
  ]
  for (const [name, body, because] of cases) {
    await t.test(advisoryName('vllm-media', name), async () => {
      assertRefused(await postJson(stack, '/v1/chat/completions', body), 'vllm-media', stack.vllm, because)
    })
  }

  const allowed = part('image_url', { url: 'https://93.184.216.34/cat.png' })
  const answer = await postJson(stack, '/v1/chat/completions', allowed)
  assert.equal(answer.status, 200, answer.body)
  assert.deepEqual(lastJson(stack.vllm), allowed)
  const inline = part('image_url', { url: 'data:image/png;base64,iVBORw0KGgo=' })
  assert.equal((await postJson(stack, '/v1/chat/completions', inline)).status, 200)
})
