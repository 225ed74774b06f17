#!/usr/bin/env node
// From a checkout (after `npm ci`) the TypeScript sources run through tsx, so no build step is needed;
// a production install has no tsx and runs the compiled dist/.
import { existsSync } from 'node:fs'

const sources = new URL('../src/cli.ts', import.meta.url)
let tsx
if (existsSync(sources)) tsx = await import('tsx/esm/api').catch(() => undefined)
let cli
if (tsx !== undefined) {
  tsx.register()
  cli = await import(sources.href)
} else {
  cli = await import(new URL('../dist/cli.js', import.meta.url).href)
}
cli.run(process.argv.slice(2))
