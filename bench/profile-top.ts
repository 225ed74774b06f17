/**
 * Summarises a V8 .cpuprofile (from `bench/run.ts --cpu-prof DIR`): top functions by self time and
 * self time per module group (infergate's src/, each package, Node internals, GC, idle).
 *
 *   node --import tsx bench/profile-top.ts DIR/infergate-apikey [count]
 *
 * Given a directory, it reads the largest profile there: the main thread's (the tsx loader thread
 * writes a small one of its own).
 * @module
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
  children?: number[]
}
interface Profile { nodes: ProfileNode[], samples: number[], timeDeltas: number[] }

const [given, countArg] = process.argv.slice(2)
if (given === undefined) throw new Error('usage: profile-top.ts FILE.cpuprofile|DIR [count]')
const file = statSync(given).isDirectory()
  ? readdirSync(given).filter(name => name.endsWith('.cpuprofile')).map(name => join(given, name))
    .sort((a, b) => statSync(b).size - statSync(a).size)[0] ?? given
  : given
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map(node => [node.id, node]))
const selfUs = new Map<number, number>()
profile.samples.forEach((id, i) => { selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)) })

function group (url: string, name: string): string {
  if (name === '(idle)' || name === '(garbage collector)' || name === '(program)') return name
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg !== null) return pkg[1] as string
  const own = /\/((?:src|dist)\/[^/]+)\//.exec(url)
  if (own !== null) return own[1] as string
  if (url.startsWith('node:') || url === '') return 'node internals'
  return url.replace(/^.*\/work\/[^/]+\//, '')
}

const functions = new Map<string, number>()
const groups = new Map<string, number>()
let total = 0
let idle = 0
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = (byId.get(id) as ProfileNode).callFrame
  const name = functionName === '' ? '(anonymous)' : functionName
  if (name === '(idle)') idle += us
  total += us
  const where = url === '' ? '' : ` ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/work\/[^/]+\//, '')}:${lineNumber + 1}`
  functions.set(name + where, (functions.get(name + where) ?? 0) + us)
  const g = group(url, name)
  groups.set(g, (groups.get(g) ?? 0) + us)
}
const busy = total - idle
const pct = (us: number): string => `${(100 * us / busy).toFixed(1).padStart(5)}%`
const top = (map: Map<string, number>, n: number): string[] =>
  [...map].filter(([key]) => key !== '(idle)' && !key.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, n).map(([key, us]) => `${pct(us)}  ${key}`)
console.log(`${file}: ${(busy / 1e6).toFixed(2)} s busy (${(idle / 1e6).toFixed(2)} s idle); % of busy self time`)
console.log('\nby module group:')
console.log(top(groups, 15).join('\n'))
console.log('\ntop functions:')
console.log(top(functions, Number(countArg ?? 25)).join('\n'))
