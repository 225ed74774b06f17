// playwright-core's types name DOM types (and the page functions run in a browser); tsconfig.build.json
// (src only) stays without them.
/// <reference lib="dom" />
/**
 * CORS in a real browser (Debian's chromium, driven by playwright-core): a page from an allowed
 * loopback origin streams a chat completion through the gateway with fetch and reads the exposed
 * x-request-id; a page from another origin is blocked by the browser itself. The upstream receives
 * exactly the allowed POST: preflights never reach it. Chromium missing is a failure, not a skip.
 */
import assert from 'node:assert/strict'
import { access, constants } from 'node:fs/promises'
import { createServer } from 'node:http'
import { test, type TestContext } from 'node:test'
import { chromium, type Browser, type Page } from 'playwright-core'
import { listen } from '../helpers/listen.js'
import { KEYS, startStack } from '../helpers/stack.js'

const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** A page's origin: a tiny server that serves an empty document. */
async function startPageOrigin (t: TestContext): Promise<string> {
  const server = createServer((req, res) => {
    if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>app</title>')
    else res.writeHead(404).end()
  })
  return await listen(t, server)
}

async function launch (t: TestContext): Promise<Browser> {
  await access(CHROMIUM, constants.X_OK).catch(() => {
    assert.fail(`${CHROMIUM} is missing: the CORS browser test needs Debian's chromium package (apt-get install chromium)`)
  })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  t.after(() => browser.close())
  return browser
}

interface Outcome {
  readonly status?: number
  readonly requestId?: string | null
  readonly text?: string
  readonly chunks?: number
  readonly error?: string
}

/** Runs in the page: a streamed chat completion read chunk by chunk, as a browser chat UI does. */
function streamChat (page: Page, gateway: string): Promise<Outcome> {
  return page.evaluate(async ({ gateway, key }) => {
    try {
      const response = await fetch(`${gateway}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'demo-llm', stream: true, messages: [{ role: 'user', content: 'hi' }] })
      })
      const reader = (response.body as ReadableStream<Uint8Array>).getReader()
      const decoder = new TextDecoder()
      let text = ''
      let chunks = 0
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        chunks++
        text += decoder.decode(value, { stream: true })
      }
      return { status: response.status, requestId: response.headers.get('x-request-id'), text, chunks }
    } catch (err) {
      return { error: String(err) }
    }
  }, { gateway, key: KEYS.alice })
}

function fetchHealth (page: Page, gateway: string): Promise<Outcome> {
  return page.evaluate(async (gateway) => {
    try {
      const response = await fetch(`${gateway}/healthz`)
      return { status: response.status, text: await response.text() }
    } catch (err) {
      return { error: String(err) }
    }
  }, gateway)
}

test('a page from an allowed origin streams a chat completion through the gateway; another origin is blocked by the browser', async (t) => {
  const browser = await launch(t)
  const [allowed, other] = await Promise.all([startPageOrigin(t), startPageOrigin(t)]) as [string, string]
  const stack = await startStack(t, { emulators: { vllm: { tokens: 4 } }, config: { cors: { origins: [allowed], maxAge: '10m' } } })

  await t.test('the allowed origin reads the stream, chunk by chunk, and the exposed x-request-id', async () => {
    const page = await browser.newPage()
    await page.goto(`${allowed}/`)
    const outcome = await streamChat(page, stack.url)
    assert.equal(outcome.error, undefined)
    assert.equal(outcome.status, 200)
    assert.match(outcome.requestId ?? '', /^[A-Za-z0-9._:-]{1,128}$/)
    assert.match(outcome.text ?? '', /"chat\.completion\.chunk"/)
    assert.ok(outcome.text?.endsWith('data: [DONE]\n\n'), outcome.text)
    assert.deepEqual(await fetchHealth(page, stack.url), { status: 200, text: '{"status":"ok"}' })
    await page.close()
  })

  await t.test('another origin gets a TypeError and the browser reports the CORS block', async () => {
    const page = await browser.newPage()
    await page.goto(`${other}/`)
    const blocked = page.waitForEvent('console', message => message.type() === 'error' && message.text().includes('blocked by CORS policy'))
    const outcome = await streamChat(page, stack.url)
    assert.match(outcome.error ?? '', /^TypeError: Failed to fetch/)
    assert.equal(outcome.status, undefined)
    await blocked
    assert.match((await fetchHealth(page, stack.url)).error ?? '', /^TypeError/)
    await page.close()
  })

  // The preflights were the gateway's; the one POST is the allowed page's.
  assert.deepEqual(stack.vllm.received.map(r => [r.method, r.url, r.headers.origin]), [['POST', '/v1/chat/completions', allowed]])
  assert.deepEqual([...stack.triton.received, ...stack.torchserve.received], [])
})
