/**
 * `npm test` runs this before the test runner: the services the tests start for real (redis-server,
 * prometheus and promtool, chromium, curl) must be there, so that none of their tests fails late or
 * skips. All on PATH: nothing to do. Some missing, as root with apt-get (a fresh CI machine, a
 * container): their Debian packages are installed. Otherwise, or with INFERGATE_TEST_NO_INSTALL=1:
 * one line naming the command to run, exit 1, before any test starts.
 * @module
 */
import { execFile } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { promisify } from 'node:util'

/** Each binary a test starts, and the Debian package that has it. */
const SERVICES: ReadonlyArray<{ readonly binary: string, readonly debian: string }> = [
  { binary: 'curl', debian: 'curl' }, // the demo test runs the curl lines `npm start` prints
  { binary: 'redis-server', debian: 'redis-server' }, // the limits tests start their own on loopback
  { binary: 'prometheus', debian: 'prometheus' }, // a real Prometheus scrapes the gateway
  { binary: 'promtool', debian: 'prometheus' }, // checks the alert rules
  { binary: 'chromium', debian: 'chromium' } // the browser CORS test drives it through playwright-core
]

const run = promisify(execFile)
const APT_ENV = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }

async function onPath (binary: string): Promise<string | undefined> {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue
    const file = join(dir, binary)
    // Any execute bit will do: the runner's own user is the one that starts these.
    if (await stat(file).then(s => s.isFile() && (s.mode & 0o111) !== 0, () => false)) return file
  }
  return undefined
}

async function missing (): Promise<typeof SERVICES> {
  const found = await Promise.all(SERVICES.map(({ binary }) => onPath(binary)))
  return SERVICES.filter((_, i) => found[i] === undefined)
}

const packagesOf = (services: typeof SERVICES): string[] => [...new Set(services.map(({ debian }) => debian))]
const advice = (services: typeof SERVICES): string => `run: sudo apt-get install -y ${packagesOf(services).join(' ')}`

function fail (line: string): never {
  process.stderr.write(`${line}\n`)
  process.exit(1)
}

/** Runs one apt-get step quietly; its failure is one line with apt-get's last words. */
async function aptGet (aptGetPath: string, args: string[], services: typeof SERVICES): Promise<void> {
  try {
    await run(aptGetPath, args, { env: APT_ENV, maxBuffer: 64 * 1024 * 1024 })
  } catch (err) {
    const { stderr, message } = err as { stderr?: string, message: string }
    const last = (stderr ?? '').trim().split('\n').pop()
    fail(`apt-get ${args[0]} failed (${last === undefined || last === '' ? message : last}) — ${advice(services)}`)
  }
}

let absent = await missing()
if (absent.length > 0) {
  const aptGetPath = await onPath('apt-get')
  if (process.getuid?.() !== 0 || aptGetPath === undefined || process.env['INFERGATE_TEST_NO_INSTALL'] === '1') {
    fail(`missing: ${absent.map(({ binary }) => binary).join(', ')} — ${advice(absent)}`)
  }
  process.stdout.write(`installing with apt-get: ${packagesOf(absent).join(' ')}\n`)
  await aptGet(aptGetPath, ['update', '-qq'], absent)
  await aptGet(aptGetPath, ['install', '-y', '-qq', '--no-install-recommends', ...packagesOf(absent)], absent)
  absent = await missing()
  if (absent.length > 0) fail(`still missing after apt-get install: ${absent.map(({ binary }) => binary).join(', ')}`)
}
