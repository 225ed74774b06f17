/**
 * What one idle open stream holds in a contender's memory, and which objects hold it: the contender
 * (a Node one: infergate-*, fastify-http-proxy) is started with `--expose-gc`, N SSE streams are
 * opened through it (one token received, the next minutes away), and its heap and off-heap memory
 * after a full GC are compared with those before. (Not RSS: what a GC gives back to the system
 * varies; the slow-streams scenario measures RSS under load.) `--snapshot DIR` also writes both heap snapshots and prints
 * what grew, by constructor, per stream.
 *
 *   node --import tsx bench/stream-memory.ts [--contender infergate-apikey] [--streams 2000] [--snapshot DIR]
 *
 * A diagnostic, not part of `npm run bench` (whose slow-streams scenario measures RSS under load).
 * @module
 */
import { once, setMaxListeners } from 'node:events'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Pool, type Dispatcher } from 'undici'
import { CONTENDERS } from './contenders/index.js'
import { setUpBackends } from './lib/backends.js'
import { buildDist } from './lib/build.js'
import { setUpPinning } from './lib/pinning.js'
import { startNode } from './lib/processes.js'
import { CHAT_PATH, chatRequest } from './lib/requests.js'

const { values: options } = parseArgs({
  options: {
    contender: { type: 'string', default: 'infergate-apikey' },
    streams: { type: 'string', default: '2000' },
    snapshot: { type: 'string' }
  }
})
const streams = Number(options.streams)
const contender = CONTENDERS.find(c => c.name === options.contender)
if (contender?.launch === undefined || !Number.isSafeInteger(streams) || streams < 1) {
  throw new Error('usage: stream-memory.ts [--contender NAME (a Node contender)] [--streams N] [--snapshot DIR]')
}

type Memory = NodeJS.MemoryUsage

buildDist()
const pinning = setUpPinning()
const backends = await setUpBackends(pinning)
const launch = await contender.launch(backends.backends, '')
if (launch.kind !== 'node') throw new Error(`${contender.name} is not a Node contender`)
const gateway = await startNode<string>(pinning, 'proxy', launch.module, launch.spec, ['--expose-gc'])
const measure = async (name: string): Promise<Memory> =>
  ((await gateway.ask?.({ memory: options.snapshot === undefined ? null : join(options.snapshot, `${name}.heapsnapshot`) })) as { memory: Memory }).memory

const pool = new Pool(gateway.info, { connections: streams })
const abort = new AbortController()
// one signal for every stream: one listener each is expected, not a leak
setMaxListeners(streams + 100, abort.signal)
try {
  const backend = backends.backends.vllm
  if (backend === undefined) throw new Error('needs a vLLM backend')
  const request = chatRequest(backend.model, { tokens: 2, stream: true, interTokenMs: 600_000 }, contender.clientHeaders(backend))
  // a stream past its first token; its body then stays open, unread, until destroyed or aborted
  const openStream = async (through: Pool): Promise<Dispatcher.ResponseData['body']> => {
    const response = await through.request({ method: 'POST', path: CHAT_PATH, ...request, signal: abort.signal })
    if (response.statusCode !== 200) throw new Error(`a stream got ${response.statusCode}`)
    await once(response.body, 'data')
    response.body.on('error', () => {})
    return response.body
  }
  // warm up what every stream shares (JIT, pools, metric series), then measure from there
  for (const body of await Promise.all(Array.from({ length: 20 }, () => openStream(pool)))) body.destroy()
  await pool.close()
  const before = await measure('before')
  const streamPool = new Pool(gateway.info, { connections: streams })
  const opening: Promise<unknown>[] = []
  for (let i = 0; i < streams; i++) {
    opening.push(openStream(streamPool))
    // at most 256 opening at once: a larger burst overflows the listen backlog
    if (opening.length % 256 === 0) await Promise.all(opening.slice(-256))
  }
  await Promise.all(opening)
  const after = await measure('after')
  const perStream = (key: keyof Memory) => ((after[key] - before[key]) / streams / 1024).toFixed(2)
  console.log(`${contender.name}, ${streams} idle streams, per stream after a full GC (KiB):`)
  console.log(`  heapUsed ${perStream('heapUsed')}  external ${perStream('external')}  arrayBuffers ${perStream('arrayBuffers')}`)
  if (options.snapshot !== undefined) printGrowth(options.snapshot, streams)
  abort.abort()
  await streamPool.destroy()
} finally {
  await gateway.stop()
  await backends.stop()
}

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[], node_types: [string[]] } }
  nodes: number[]
  strings: string[]
}

/** Count and self size by type and constructor name. */
function tally (file: string): Map<string, { count: number, bytes: number }> {
  const heap = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot
  const fields = heap.snapshot.meta.node_fields
  const types = heap.snapshot.meta.node_types[0]
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map(field => fields.indexOf(field)) as [number, number, number]
  const byName = new Map<string, { count: number, bytes: number }>()
  for (let i = 0; i < heap.nodes.length; i += fields.length) {
    const type = types[heap.nodes[i + typeAt] as number] as string
    const name = type === 'object' || type === 'closure' || type === 'native' ? `${type} ${heap.strings[heap.nodes[i + nameAt] as number] as string}` : `(${type})`
    const entry = byName.get(name) ?? { count: 0, bytes: 0 }
    entry.count++
    entry.bytes += heap.nodes[i + sizeAt] as number
    byName.set(name, entry)
  }
  return byName
}

function printGrowth (dir: string, streams: number): void {
  const before = tally(join(dir, 'before.heapsnapshot'))
  const after = tally(join(dir, 'after.heapsnapshot'))
  const rows = [...after].map(([name, grown]) => {
    const was = before.get(name) ?? { count: 0, bytes: 0 }
    return { name, count: (grown.count - was.count) / streams, bytes: (grown.bytes - was.bytes) / streams }
  }).filter(row => row.bytes > 8).sort((a, b) => b.bytes - a.bytes)
  const total = rows.reduce((sum, row) => sum + row.bytes, 0)
  console.log(`heap growth per stream by constructor (${Math.round(total)} B in all):`)
  for (const row of rows.slice(0, 40)) console.log(`  ${Math.round(row.bytes).toString().padStart(6)} B  ${row.count.toFixed(1).padStart(5)}×  ${row.name}`)
}
