/**
 * The infergate contenders run the compiled gateway from dist/, as a production install does: under
 * tsx every closure the gateway creates per request would also pay for esbuild's `keepNames` helper.
 * @module
 */
import { execFileSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const ROOT = new URL('../../', import.meta.url)
// tsc's record of the last build, outside dist/: a rebuild then compiles only what changed (seconds, not 15 s)
const BUILD_INFO = fileURLToPath(new URL('node_modules/.cache/infergate-bench.tsbuildinfo', ROOT))

/** Compiles src/ into dist/ (`npm run build`), incrementally. */
export function buildDist (): void {
  // tsc trusts its record: with dist/ gone, it would emit nothing
  if (!existsSync(new URL('dist/serve.js', ROOT))) rmSync(BUILD_INFO, { force: true })
  const tsc = fileURLToPath(new URL('node_modules/typescript/bin/tsc', ROOT))
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', BUILD_INFO], { cwd: fileURLToPath(ROOT), stdio: 'inherit' })
}

/** A module of the compiled gateway, by its path under src/ (`serve.js`). */
export function distModule (path: string): string {
  return new URL(`dist/${path}`, ROOT).href
}
