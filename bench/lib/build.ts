/**
 * The infergate contenders run the compiled gateway from dist/, as a production install does: under
 * tsx every closure the gateway creates per request would also pay for esbuild's `keepNames` helper.
 * @module
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = new URL('../../', import.meta.url)

/** Compiles src/ into dist/ (`npm run build`). */
export function buildDist (): void {
  const tsc = fileURLToPath(new URL('node_modules/typescript/bin/tsc', ROOT))
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: fileURLToPath(ROOT), stdio: 'inherit' })
}

/** A module of the compiled gateway, by its path under src/ (`server/serve.js`). */
export function distModule (path: string): string {
  return new URL(`dist/${path}`, ROOT).href
}
