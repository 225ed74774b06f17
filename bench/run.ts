/**
 * The benchmark runner: `npm run bench` (about 10 minutes with HAProxy and nginx) or `npm run bench:quick`
 * (under a minute: shorter runs, five contenders).
 * Starts the backends and every contender as pinned child processes, runs each scenario round-robin
 * over the contenders for every repetition (so drifting machine load hits all of them alike), and
 * writes bench/results/<date>-<host>-<quick|full>.{json,md}.
 *
 *   --quick                  short runs; without --contenders, QUICK_LINEUP (contenders/index.ts)
 *   --scenarios a,b          a subset (see scenarios/index.ts)
 *   --contenders x,y         a subset (see contenders/index.ts)
 *   --reps N                 repetitions (default 3)
 *   --cpu-prof DIR           run Node contenders under --cpu-prof, profiles in DIR/<contender>/
 *   --out DIR                where results go (default bench/results)
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { CONTENDERS, FLOOR, LIMIT, QUICK_LINEUP } from './contenders/index.js'
import { setUpBackends } from './lib/backends.js'
import { buildDist } from './lib/build.js'
import { startLineup, type Started } from './lib/lineup.js'
import { describeMachine } from './lib/machine.js'
import { measure, type Sample } from './lib/measure.js'
import { setUpPinning } from './lib/pinning.js'
import { procAvailable } from './lib/proc.js'
import { summarise, writeReport, type ScenarioSummary } from './lib/report.js'
import type { Scenario } from './lib/scenario.js'
import { SCENARIOS } from './scenarios/index.js'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scenarios: { type: 'string' },
    contenders: { type: 'string' },
    reps: { type: 'string', default: '3' },
    'cpu-prof': { type: 'string' },
    out: { type: 'string', default: fileURLToPath(new URL('./results/', import.meta.url)) }
  }
})

function pick<T extends { name: string }> (all: readonly T[], list: string | undefined, what: string): T[] {
  if (list === undefined) return [...all]
  const names = list.split(',').map(name => name.trim()).filter(name => name !== '')
  const unknown = names.filter(name => !all.some(item => item.name === name))
  if (unknown.length > 0) throw new Error(`unknown ${what}: ${unknown.join(', ')} (known: ${all.map(item => item.name).join(', ')})`)
  return all.filter(item => names.includes(item.name))
}

function brief (figures: Record<string, number>): string {
  return Object.entries(figures)
    .filter(([key]) => !key.startsWith('backend '))
    .map(([key, value]) => `${key} ${value.toFixed(value >= 100 ? 0 : 1)}`).join(', ')
}

if (!procAvailable()) throw new Error('the bench reads process accounting from /proc: run it on Linux')
const quick = args.quick
const repetitions = Math.max(1, Number(args.reps))
const scenarios = pick(SCENARIOS, args.scenarios, 'scenario').filter(s => !quick || s.fullOnly !== true || args.scenarios !== undefined)
const contenders = pick(CONTENDERS, args.contenders ?? (quick ? QUICK_LINEUP : undefined), 'contender')
const profileDir = args['cpu-prof']
const started = performance.now()
const machine = describeMachine()
const pinning = setUpPinning()
console.log(`${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`)
console.log(`pinning: ${pinning.description}`)

if (contenders.some(contender => contender.name.startsWith('infergate'))) {
  console.log('building dist/: the infergate contenders run the compiled gateway')
  buildDist()
}
const dir = await mkdtemp(join(tmpdir(), 'infergate-bench-'))
const backendSetup = await setUpBackends(pinning)
const lineup = await startLineup(contenders, {
  pinning,
  backends: backendSetup.backends,
  dir,
  // one directory per contender: the tsx loader thread writes a profile of its own next to the main thread's
  nodeFlags: name => profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`]
})
console.log(`backends: ${backendSetup.mode}; contenders: ${lineup.started.map(s => s.name).join(', ')}`)
for (const { contender, reason } of lineup.skipped) console.log(`skipped ${contender}: ${reason}`)

const warmed = new Set<string>()

async function runScenario (scenario: Scenario): Promise<ScenarioSummary> {
  const base = { name: scenario.name, description: scenario.description, contenders: [] }
  const backend = backendSetup.backends[scenario.needs]
  if (backend === undefined) return { ...base, skipped: `needs a ${scenario.needs} backend (BENCH_${scenario.needs.toUpperCase()}_URL)` }
  const eligible = lineup.started.filter(s => (scenario.policyOnly !== true || s.contender.policy) &&
    (s.contender.scenarios === undefined || s.contender.scenarios.includes(scenario.name)))
  if (eligible.length === 0) return { ...base, skipped: 'no selected contender enforces policy' }
  const options = { quick, backend, backendPid: backendSetup.process?.pid }
  const fresh = scenario.freshProcess === true && !quick
  for (const target of eligible) {
    // full: a warm-up per scenario; quick: one per contender, the forwarding path is the same code
    if (fresh || (quick && warmed.has(target.name))) continue
    await measure(scenario, target, { ...options, warmup: true })
    warmed.add(target.name)
  }
  const samples = new Map<string, Sample[]>(eligible.map(target => [target.name, []]))
  for (let rep = 0; rep < repetitions; rep++) {
    // rotate who goes first, so no contender always runs right after the same neighbour
    const order: Started[] = eligible.map((_, i) => eligible[(i + rep) % eligible.length] as Started)
    for (const target of order) {
      if (fresh) await target.restart()
      const began = performance.now()
      const sample = await measure(scenario, target, { ...options, warmup: false })
      samples.get(target.name)?.push(sample)
      const took = ((performance.now() - began) / 1000).toFixed(1)
      console.log(`[${scenario.name}] ${rep + 1}/${repetitions} ${target.name} (${took} s): ${brief(sample.figures)}${sample.errors > 0 ? `, errors ${sample.errors}` : ''}`)
      // let closing sockets settle before the next contender's accounting starts
      await sleep(quick ? 25 : 100)
    }
  }
  return { ...base, contenders: summarise(samples, FLOOR, LIMIT) }
}

const results: ScenarioSummary[] = []
try {
  for (const scenario of scenarios) results.push(await runScenario(scenario))
} finally {
  await Promise.all(lineup.started.map(s => s.stop()))
  await backendSetup.stop()
  await rm(dir, { recursive: true, force: true })
}

const files = await writeReport({
  date: new Date().toISOString().slice(0, 10),
  mode: quick ? 'quick' : 'full',
  machine,
  pinning: pinning.description,
  backends: { mode: backendSetup.mode, urls: Object.fromEntries(Object.entries(backendSetup.backends).map(([name, b]) => [name, b.url])) },
  repetitions,
  floor: FLOOR,
  limit: LIMIT,
  skippedContenders: lineup.skipped,
  scenarios: results,
  seconds: (performance.now() - started) / 1000
}, args.out)
console.log(`wrote ${files.join(', ')} in ${Math.round((performance.now() - started) / 1000)} s`)
